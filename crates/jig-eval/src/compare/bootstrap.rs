//! The paired bootstrap: a 95% percentile confidence interval for the mean
//! of per-task differences, resampling tasks with replacement.
//!
//! The random numbers come from SplitMix64 with a fixed seed, so the same
//! two runs always give the same interval; it is a dozen lines, where a
//! `rand` dependency would be a build on two cores for one generator. The
//! resample draws index with a 128-bit multiply (Lemire's method without
//! the rejection step): its bias is below 2⁻⁵⁰ for any task count, far
//! under what 10,000 resamples can see.

use serde::Serialize;

/// How the bootstrap runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bootstrap {
    /// Resamples drawn.
    pub resamples: u32,
    /// The generator's seed.
    pub seed: u64,
}

impl Default for Bootstrap {
    /// 10,000 resamples from a fixed seed.
    fn default() -> Self {
        Bootstrap {
            resamples: 10_000,
            seed: 0x6a69_6721_2026,
        }
    }
}

/// A mean difference and its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The mean of the differences.
    pub delta: f64,
    /// The 2.5th percentile of the resampled means.
    pub low: f64,
    /// The 97.5th percentile of the resampled means.
    pub high: f64,
}

impl Interval {
    /// Whether the interval excludes zero.
    pub fn significant(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

impl Bootstrap {
    /// The mean of `diffs` and its 95% percentile interval; `None` when
    /// there are none.
    pub fn interval(&self, diffs: &[f64]) -> Option<Interval> {
        if diffs.is_empty() {
            return None;
        }
        let n = diffs.len();
        let delta = diffs.iter().sum::<f64>() / n as f64;
        let mut rng = SplitMix64(self.seed);
        let mut means: Vec<f64> = (0..self.resamples.max(1))
            .map(|_| (0..n).map(|_| diffs[rng.below(n)]).sum::<f64>() / n as f64)
            .collect();
        means.sort_by(f64::total_cmp);
        Some(Interval {
            delta,
            low: percentile(&means, 0.025),
            high: percentile(&means, 0.975),
        })
    }
}

/// The nearest-rank percentile of sorted, non-empty `values`.
fn percentile(values: &[f64], p: f64) -> f64 {
    let rank = (p * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

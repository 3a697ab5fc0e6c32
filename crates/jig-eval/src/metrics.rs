//! Run metrics: pass rate, mean reward and the unbiased pass@k estimator.
//!
//! pass@k is the chance that at least one of `k` samples drawn without
//! replacement from a task's `n` samples passes, given that `c` of them did
//! (Chen et al., "Evaluating Large Language Models Trained on Code", 2021):
//! `1 - C(n-c, k) / C(n, k)`. It is computed as a running product,
//! `1 - Π_{i=n-c+1..=n} (1 - k/i)`, which never forms a binomial
//! coefficient, so it stays exact enough for any sample count. A suite's
//! pass@k is the mean over its tasks.

/// pass@k of one task with `n` samples of which `c` passed; `None` when `k`
/// is 0 or larger than `n` (the estimate needs at least `k` samples).
pub fn pass_at_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n || c > n {
        return None;
    }
    if n - c < k {
        return Some(1.0);
    }
    let k = k as f64;
    let miss: f64 = ((n - c + 1)..=n).map(|i| 1.0 - k / i as f64).product();
    Some(1.0 - miss)
}

/// The mean of pass@k over tasks, each given as `(samples, passed)`;
/// `None` when a task has fewer than `k` samples or there are no tasks.
pub fn suite_pass_at_k(tasks: &[(u64, u64)], k: u64) -> Option<f64> {
    if tasks.is_empty() {
        return None;
    }
    let sum = tasks.iter().map(|&(n, c)| pass_at_k(n, c, k)).sum::<Option<f64>>()?;
    Some(sum / tasks.len() as f64)
}

/// The arithmetic mean of `values`; `None` when there are none.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimator by its definition, with exact binomial coefficients.
    fn by_definition(n: u64, c: u64, k: u64) -> f64 {
        fn choose(n: u64, k: u64) -> f64 {
            if k > n {
                return 0.0;
            }
            (0..k).map(|i| (n - i) as f64 / (i + 1) as f64).product()
        }
        1.0 - choose(n - c, k) / choose(n, k)
    }

    #[test]
    fn pass_at_k_matches_its_definition() {
        for n in 1..=12 {
            for c in 0..=n {
                for k in 1..=n {
                    let got = pass_at_k(n, c, k).unwrap();
                    let want = by_definition(n, c, k);
                    assert!((got - want).abs() < 1e-12, "n={n} c={c} k={k}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn known_values_and_edges() {
        // One sample: pass@1 is the pass rate.
        assert_eq!(pass_at_k(1, 1, 1), Some(1.0));
        assert_eq!(pass_at_k(1, 0, 1), Some(0.0));
        // 10 samples, 3 passed: pass@1 = 0.3.
        assert!((pass_at_k(10, 3, 1).unwrap() - 0.3).abs() < 1e-12);
        // More passes than misses can hide: certain.
        assert_eq!(pass_at_k(5, 4, 2), Some(1.0));
        assert_eq!(pass_at_k(3, 1, 4), None);
        assert_eq!(pass_at_k(3, 1, 0), None);
        assert_eq!(pass_at_k(3, 4, 1), None);
        // A huge sample count stays finite and in range.
        let big = pass_at_k(100_000, 1, 50_000).unwrap();
        assert!((big - 0.5).abs() < 1e-9, "{big}");
    }

    #[test]
    fn suite_metrics_average_over_tasks() {
        let tasks = [(4, 4), (4, 0), (4, 2)];
        assert!((suite_pass_at_k(&tasks, 1).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(suite_pass_at_k(&[(1, 1)], 2), None);
        assert_eq!(suite_pass_at_k(&[], 1), None);
        assert_eq!(mean(&[1.0, 0.0, 0.5]), Some(0.5));
        assert_eq!(mean(&[]), None);
    }
}

//! `--shard i/N`: a deterministic slice of a run's planned units, so N
//! processes (the Kubernetes runner's pods) can share one run without
//! talking to each other.
//!
//! Invariant: for a given plan the N shards are disjoint and together hold
//! every unit. Unit `j` of the plan (in its order: suites as given, tasks
//! by directory name, then samples) goes to shard `j mod N`, so every shard
//! gets a mix of tasks rather than one suite's slow tail.

use std::fmt;
use std::str::FromStr;

use super::Planned;

/// Shard `index` of `count`, both from the command line's `i/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: u32,
    /// How many shards in all (at least 1).
    pub count: u32,
}

impl Shard {
    /// This shard's units of `planned`.
    pub fn take(self, planned: Vec<Planned>) -> Vec<Planned> {
        planned
            .into_iter()
            .enumerate()
            .filter(|(j, _)| *j as u64 % u64::from(self.count) == u64::from(self.index))
            .map(|(_, unit)| unit)
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["3/3", "0/0", "1", "a/2", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_are_disjoint_and_cover_the_plan() {
        let plan: Vec<Planned> = (0..7)
            .map(|index| Planned::Broken {
                name: "t".into(),
                index,
                reason: String::new(),
            })
            .collect();
        let mut seen: Vec<u32> = (0..3)
            .flat_map(|i| Shard { index: i, count: 3 }.take(plan.clone()))
            .map(|p| p.key().1)
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
    }
}

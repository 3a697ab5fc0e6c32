//! A task's steps as the runner runs them, and their rewards: a step's
//! `min_reward` gate, the roll-up of several steps' rewards into the
//! sample's (Harbor's `mean` or `final`), and the hidden checks' share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::task::{MinReward, Reward, RewardStrategy};

/// One step of a task as the runner runs it (the whole task when it has no
/// `[[steps]]`).
pub(super) struct Phase<'t> {
    /// The step's name; `None` for a single-step task.
    pub(super) name: Option<&'t str>,
    pub(super) instruction: &'t str,
    /// Directories copied to `/tests`, in order (later files win).
    pub(super) tests: Vec<PathBuf>,
    pub(super) solve: Option<&'t Path>,
    pub(super) agent_timeout: Duration,
    pub(super) verifier_timeout: Duration,
    pub(super) verifier_env: &'t std::collections::BTreeMap<String, String>,
    /// Stop the remaining steps when this step's reward is below it.
    pub(super) min_reward: Option<&'t MinReward>,
}

/// Whether `reward` meets a step's gate.
pub(super) fn meets(reward: &Reward, gate: &MinReward) -> bool {
    match gate {
        MinReward::Single(min) => reward.primary().is_some_and(|r| r >= *min),
        MinReward::Named(mins) => mins.iter().all(|(key, min)| {
            let value = match reward {
                Reward::Single(value) if key == "reward" => Some(*value),
                Reward::Single(_) => None,
                Reward::Named(named) => named.get(key).copied(),
            };
            value.is_some_and(|v| v >= *min)
        }),
    }
}

/// The sample's reward from its verified steps, as Harbor rolls them up:
/// `mean` (the default) averages each key over the steps, a key a step
/// lacks counting 0; `final` takes the last verified step's.
pub(super) fn combine(rewards: &[Reward], strategy: Option<RewardStrategy>) -> Option<Reward> {
    if let [only] = rewards {
        return Some(only.clone());
    }
    if strategy == Some(RewardStrategy::Final) {
        return rewards.last().cloned();
    }
    let named = |reward: &Reward| match reward {
        Reward::Single(value) => std::iter::once(("reward".to_owned(), *value)).collect(),
        Reward::Named(named) => named.clone(),
    };
    let all: Vec<std::collections::BTreeMap<String, f64>> = rewards.iter().map(named).collect();
    let keys: std::collections::BTreeSet<&String> = all.iter().flat_map(|r| r.keys()).collect();
    let count = all.len() as f64;
    if count == 0.0 {
        return None;
    }
    let mean: std::collections::BTreeMap<String, f64> = keys
        .into_iter()
        .map(|key| {
            (
                key.clone(),
                all.iter().map(|r| r.get(key).copied().unwrap_or(0.0)).sum::<f64>() / count,
            )
        })
        .collect();
    Some(match mean.get("reward") {
        Some(value) if mean.len() == 1 => Reward::Single(*value),
        _ => Reward::Named(mean),
    })
}

/// The reward with the hidden checks' share added as `hidden_checks`.
pub(super) fn with_hidden(reward: Reward, hidden: &[(String, bool)]) -> Reward {
    if hidden.is_empty() {
        return reward;
    }
    let passed = hidden.iter().filter(|(_, ok)| *ok).count() as f64 / hidden.len() as f64;
    let mut named = match reward {
        Reward::Single(value) => std::iter::once(("reward".to_owned(), value)).collect(),
        Reward::Named(named) => named,
    };
    named.insert("hidden_checks".into(), passed);
    Reward::Named(named)
}

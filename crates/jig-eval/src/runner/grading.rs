//! Grading a sample from what its agent recorded: every session in the
//! sample's sessions directory (one per step), the task's graders and
//! limits, usage and cost summed, one score per trait over the steps. Used
//! when a sample finishes and again by `regrade`, so both grade alike.

use std::path::{Path, PathBuf};

use jig_protocol::{Event, RolloutRecord, TokenUsage};

use crate::task::{Task, TaskLimits};
use crate::traits::{Evidence, Limits, TraitScore, grade};

/// What a sample's recorded sessions come to.
pub(crate) struct Graded {
    /// One score per trait over every session.
    pub traits: Vec<TraitScore>,
    /// Tokens over every session.
    pub usage: TokenUsage,
    /// Cost over the sessions that know theirs.
    pub cost_usd: Option<f64>,
    /// The first session's rollout (`regrade` finds the rest beside it).
    pub rollout_path: Option<PathBuf>,
}

/// Grades every session the agent recorded in `sessions` (one per step, in
/// the order they were made) and sums their usage.
pub(crate) fn read_sessions(task: &Task, sessions: &Path, options: &crate::traits::TraitOptions) -> Graded {
    let rollouts = find_rollouts(sessions);
    let mut graded_steps = Vec::new();
    let mut cost = None;
    let mut usage = TokenUsage::default();
    for path in &rollouts {
        let records = read_records(path);
        let mut session_cost = None;
        for record in &records {
            match record {
                RolloutRecord::Response { usage: used, .. } => usage.add(used),
                RolloutRecord::Event {
                    event: Event::TokenUsage { cost: Some(c), .. },
                } => session_cost = Some(c.total_usd),
                _ => {}
            }
        }
        if let Some(c) = session_cost {
            cost = Some(cost.unwrap_or(0.0) + c);
        }
        graded_steps.push(graded(task, &records, options));
    }
    let mut traits = merge_steps(graded_steps);
    if let Some(user) = &task.config.jig.user {
        // An interview is one session; its user's log sits beside the
        // sessions directory, out of the agent's reach.
        let records = rollouts.last().map(|path| read_records(path)).unwrap_or_default();
        let log = sessions
            .parent()
            .map(|sample| crate::interview::log::read(&sample.join(crate::interview::log::FILE)))
            .unwrap_or_default();
        let wanted = &task.config.jig.graders;
        traits.extend(
            crate::traits::grade_interview(&records, user, &log)
                .into_iter()
                .filter(|score| wanted.is_empty() || wanted.iter().any(|w| w == score.name.as_str())),
        );
    }
    Graded {
        traits,
        usage,
        cost_usd: cost,
        rollout_path: rollouts.into_iter().next(),
    }
}

/// One score per trait from each step's: it applies where any step's did,
/// holds where every step's that applied held, and scores their mean; each
/// piece of evidence names its step when there are several.
fn merge_steps(mut steps: Vec<Vec<TraitScore>>) -> Vec<TraitScore> {
    if steps.len() <= 1 {
        return steps.pop().unwrap_or_default();
    }
    let mut merged: Vec<(TraitScore, Vec<f64>)> = Vec::new();
    for (i, scores) in steps.into_iter().enumerate() {
        for score in scores {
            let evidence = score.evidence.iter().map(|e| Evidence {
                record: e.record,
                what: format!("step {}: {}", i + 1, e.what),
            });
            let at = match merged.iter().position(|(m, _)| m.name == score.name) {
                Some(at) => at,
                None => {
                    let mut fresh = score.clone();
                    fresh.evidence.clear();
                    fresh.applicable = false;
                    fresh.passed = true;
                    merged.push((fresh, Vec::new()));
                    merged.len() - 1
                }
            };
            let (m, applied) = &mut merged[at];
            m.evidence.extend(evidence);
            if score.applicable {
                m.applicable = true;
                m.passed &= score.passed;
                applied.push(score.score);
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut m, applied)| {
            m.score = if applied.is_empty() {
                1.0
            } else {
                applied.iter().sum::<f64>() / applied.len() as f64
            };
            m
        })
        .collect()
}

/// The traits a task asks for (every trait when it names none).
pub(crate) fn graded(
    task: &Task,
    records: &[RolloutRecord],
    options: &crate::traits::TraitOptions,
) -> Vec<crate::traits::TraitScore> {
    let wanted = &task.config.jig.graders;
    let set = &task.config.jig.limits;
    let limited;
    let options = if *set == TaskLimits::default() {
        options
    } else {
        limited = options.clone().with_limits(Limits {
            max_model_requests: set.max_model_requests,
            max_requests_per_turn: set.max_requests_per_turn,
            max_tokens: set.max_tokens,
            max_cost_usd: set.max_cost_usd,
            price: options.limits.price,
        });
        &limited
    };
    grade(records, options)
        .into_iter()
        .filter(|score| wanted.is_empty() || wanted.iter().any(|w| w == score.name.as_str()))
        .collect()
}

/// Every session rollout of the sample whose first (as stored in the
/// results) is `first`: the sessions beside it, one per step, oldest first;
/// `first` alone when it is not in a sessions directory.
pub fn sample_rollouts(first: &Path) -> Vec<PathBuf> {
    let mut found = first
        .parent()
        .and_then(Path::parent)
        .map(find_rollouts)
        .unwrap_or_default();
    if !found.iter().any(|path| path == first) {
        found = vec![first.to_owned()];
    }
    found
}

/// The rollouts in a sample's sessions directory, oldest first (session
/// ids are UUIDv7, which sort by creation time).
pub(crate) fn find_rollouts(sessions: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(sessions)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path().join("rollout.jsonl"))
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The records of a rollout; a torn last line (a killed agent) is dropped.
pub(crate) fn read_records(path: &Path) -> Vec<RolloutRecord> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<RolloutRecord>(line).ok())
        .collect()
}

//! One eval run as a report: its summary, pass rate and mean reward per
//! task, and every sample with its traits, judgement, workspace diff and
//! trajectory ([`Report`]). `jig eval report --json` prints this data; the
//! HTML report ([`html`]) is one self-contained file that embeds the same
//! JSON and draws it with inline JS and SVG — no network, no CDN.
//!
//! Invariants: the report is a function of the results database and the
//! rollouts on disk, nothing else (no clock, no environment), so the same
//! run gives the same report. Everything from a rollout is untrusted: it is
//! cut to a bound ([`trajectory::cut`]) and travels only as JSON data that
//! the page renders as text, never as markup ([`html`] keeps it inert).

pub mod html;
pub mod trajectory;

use std::collections::BTreeMap;

use jig_protocol::TokenUsage;
use serde::Serialize;

use crate::judge::Judgement;
use crate::results::{Results, ResultsError, Run, RunSummary, SampleRow, SampleStatus, StoredTrait};
use trajectory::{MAX_DIFF, Step, cut, read_steps};

/// A run's report: what `--json` prints and the HTML page draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The run's summary (the run itself inside).
    pub summary: RunSummary,
    /// One row per task, by name.
    pub tasks: Vec<TaskRow>,
    /// Every sample, by task then index.
    pub samples: Vec<SampleView>,
}

/// One task's figures over its samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    /// The task's name.
    pub task: String,
    /// Samples recorded.
    pub samples: u64,
    /// Samples that ran (not `needs_container`).
    pub ran: u64,
    /// Samples that passed.
    pub passed: u64,
    /// `passed / ran`; `None` when none ran.
    pub pass_rate: Option<f64>,
    /// The mean headline reward over the samples the verifier scored.
    pub mean_reward: Option<f64>,
}

/// One sample as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleView {
    /// The task's name.
    pub task: String,
    /// Which sample of the task, from 0.
    pub sample_index: u32,
    /// How it ended (flattened: `"status": "error", "reason": …`).
    #[serde(flatten)]
    pub status: SampleStatus,
    /// The headline reward, when the verifier scored.
    pub reward: Option<f64>,
    /// A named reward's numbers, when it had names.
    pub reward_named: Option<BTreeMap<String, f64>>,
    /// Its traits.
    pub traits: Vec<StoredTrait>,
    /// Tokens the agent used.
    pub usage: TokenUsage,
    /// What the agent cost, when a price was known.
    pub cost_usd: Option<f64>,
    /// Agent wall time, milliseconds.
    pub agent_ms: u64,
    /// Verifier wall time, milliseconds.
    pub verifier_ms: u64,
    /// The workspace's final diff, cut to [`MAX_DIFF`].
    pub workspace_diff: Option<String>,
    /// The judge's verdict.
    pub judgement: Option<Judgement>,
    /// The trajectory: one entry per step's session.
    pub steps: Vec<Step>,
}

/// Builds the report of `run` from `results` and the rollouts the samples
/// name.
pub fn build(results: &Results, run: &Run) -> Result<Report, ResultsError> {
    let summary = results.summary(&run.id)?;
    let rows = results.samples(&run.id)?;
    Ok(Report {
        summary,
        tasks: task_rows(&rows),
        samples: rows.into_iter().map(sample_view).collect(),
    })
}

/// Per-task figures: the pass rate over the samples that ran, the mean
/// reward over those the verifier scored.
pub fn task_rows(rows: &[SampleRow]) -> Vec<TaskRow> {
    let mut by_task: BTreeMap<&str, Vec<&SampleRow>> = BTreeMap::new();
    for row in rows {
        by_task.entry(&row.task).or_default().push(row);
    }
    by_task
        .into_iter()
        .map(|(task, samples)| {
            let ran = samples.iter().filter(|row| ran(row)).count() as u64;
            let passed = samples
                .iter()
                .filter(|row| matches!(row.status, SampleStatus::Passed))
                .count() as u64;
            let rewards: Vec<f64> = samples
                .iter()
                .filter_map(|row| row.reward.as_ref()?.primary())
                .collect();
            TaskRow {
                task: task.to_owned(),
                samples: samples.len() as u64,
                ran,
                passed,
                pass_rate: (ran > 0).then(|| passed as f64 / ran as f64),
                mean_reward: crate::metrics::mean(&rewards),
            }
        })
        .collect()
}

/// Whether a sample ran (a `needs_container` one did not).
pub(crate) fn ran(row: &SampleRow) -> bool {
    !matches!(row.status, SampleStatus::NeedsContainer { .. })
}

fn sample_view(row: SampleRow) -> SampleView {
    let steps = row.rollout_path.as_deref().map(read_steps).unwrap_or_default();
    let (reward, reward_named) = match &row.reward {
        Some(crate::task::Reward::Named(named)) => (row.reward.as_ref().and_then(|r| r.primary()), Some(named.clone())),
        Some(single) => (single.primary(), None),
        None => (None, None),
    };
    SampleView {
        task: row.task,
        sample_index: row.sample_index,
        status: row.status,
        reward,
        reward_named,
        traits: row.traits,
        usage: row.usage,
        cost_usd: row.cost_usd,
        agent_ms: row.agent_ms,
        verifier_ms: row.verifier_ms,
        workspace_diff: row.workspace_diff.map(|diff| cut(&diff, MAX_DIFF)),
        judgement: row.judgement,
        steps,
    }
}

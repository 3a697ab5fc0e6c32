//! Eval results in SQLite (`$JIG_HOME/evals.db`; the caller passes the
//! path): runs, one row per sample with its status, reward, usage and time,
//! and the behaviour traits graded for it.
//!
//! Invariants:
//! - **A sample is all or nothing.** [`Results::record_sample`] writes the
//!   sample and its traits in one transaction, so a crash or a rejected
//!   trait never leaves half a sample; [`Results::replace_traits`] swaps a
//!   sample's traits the same way.
//! - **A sample is recorded once.** `(run, task, sample_index)` is the key;
//!   recording it again is [`ResultsError::DuplicateSample`], so `--resume`
//!   can never run a finished sample again ([`Results::finished_samples`]
//!   lists what to skip).
//! - **The schema only moves forward.** Its version lives in
//!   `PRAGMA user_version`; opening an older file migrates it, a newer one is
//!   refused rather than misread.
//! - **Only finite numbers.** A non-finite reward or cost is refused
//!   (SQLite would store NaN as NULL), and the schema's `CHECK`s keep trait
//!   scores in `0..=1`.
//!
//! This module never reads the clock: times are RFC 3339 strings the caller
//! passes. It does not decide what passed — the runner does, from the
//! reward and the task's threshold — it only counts.
//!
//! # Schema (version 3)
//!
//! - `runs(id, suites, agent, model, samples_per_task, concurrency,
//!   started_at, finished_at, jig_version, filter, judge)`; `id` is a
//!   UUIDv7, so ids sort by creation time, and `suites` a JSON array.
//! - `samples(run_id, task, sample_index, status, error_reason,
//!   container_line, container_text, reward, reward_named, input_tokens,
//!   cached_input_tokens, output_tokens, cost_usd, agent_ms, verifier_ms,
//!   rollout_path, workspace_diff)`, keyed by `(run_id, task, sample_index)`. `reward` is
//!   the headline number ([`Reward::primary`]); `reward_named` the JSON
//!   object of a named reward.
//! - `sample_traits(run_id, task, sample_index, name, applicable, passed,
//!   score, evidence)`, keyed by the sample and the trait name; `evidence`
//!   is a JSON array of [`Evidence`].
//! - `sample_judgements(run_id, task, sample_index, judge, status,
//!   input_tokens, output_tokens, cost_usd, body)`, at most one per sample;
//!   `body` is the whole [`Judgement`] as JSON, the other columns are for
//!   queries.
//!
//! # Counting
//!
//! A `needs_container` sample never ran, so it is counted but left out of
//! the pass rate, pass@k and the per-sample means; an `error` sample ran and
//! did not pass, so it counts as a miss.

mod merge;
mod read;
mod schema;
mod summary;
mod write;

use std::path::{Path, PathBuf};

use jig_protocol::TokenUsage;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::judge::Judgement;
use crate::task::Reward;
use crate::traits::{Evidence, TraitScore};

pub use merge::Unmerged;
pub use schema::SCHEMA_VERSION;
pub use summary::{CriterionMean, JudgeSummary, PassAtK, PerSample, RunSummary, TraitRate};

/// An open results database.
#[derive(Debug)]
pub struct Results {
    conn: Connection,
    path: PathBuf,
}

impl Results {
    /// Opens the results database at `path`, creating the file and its
    /// schema when absent and migrating an older schema forward.
    pub fn open(path: impl AsRef<Path>) -> Result<Results, ResultsError> {
        let path = path.as_ref().to_owned();
        let conn = schema::open(&path)?;
        Ok(Results { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A run's id: a UUIDv7 string, so ids are unique and sort by creation time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// A fresh id that no database holds (what `--dry-run` names its Jobs
    /// after); [`Results::create_run`] makes the stored ones.
    pub fn unstored() -> RunId {
        RunId(uuid::Uuid::now_v7().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a run was started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The suites (or task directories) it runs, as named on the command line.
    pub suites: Vec<String>,
    /// The agent (harness and dialect) under test.
    pub agent: String,
    /// The model under test.
    pub model: String,
    /// Samples per task: the largest `k` pass@k is reported for.
    pub samples_per_task: u32,
    /// Samples run at once.
    pub concurrency: u32,
    /// The `--filter` glob on task names, when one was given.
    #[serde(default)]
    pub filter: Option<String>,
    /// The LLM judge's model spec, when the run has a judge.
    #[serde(default)]
    pub judge: Option<String>,
    /// The model playing interview tasks' simulated user (`--user-model`);
    /// `None` for the scripted user.
    #[serde(default)]
    pub user_model: Option<String>,
    /// When it started, RFC 3339.
    pub started_at: String,
    /// The jig version that ran it.
    pub jig_version: String,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// Its id.
    pub id: RunId,
    /// What it was started with.
    #[serde(flatten)]
    pub spec: RunSpec,
    /// When it finished, RFC 3339; `None` while running or after a crash.
    pub finished_at: Option<String>,
}

/// How a sample ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SampleStatus {
    /// The verifier scored it a pass.
    Passed,
    /// The verifier scored it a miss.
    Failed,
    /// The agent or the verifier could not finish (no reward file, a crash,
    /// a timeout); counts as a miss.
    Error {
        /// What went wrong, for a person.
        reason: String,
    },
    /// The task's Dockerfile needs a real container; the sample never ran.
    NeedsContainer {
        /// The 1-based Dockerfile line that needs one.
        line: usize,
        /// That instruction as written.
        text: String,
    },
}

/// One sample's result, as the runner records it.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleResult {
    /// The task's name.
    pub task: String,
    /// Which sample of the task, from 0.
    pub sample_index: u32,
    /// How it ended.
    pub status: SampleStatus,
    /// What the verifier scored, when it scored.
    pub reward: Option<Reward>,
    /// The behaviour traits graded from its rollout.
    pub traits: Vec<TraitScore>,
    /// Tokens the agent used.
    pub usage: TokenUsage,
    /// What the agent cost, when a price is known.
    pub cost_usd: Option<f64>,
    /// Wall time of the agent, in milliseconds.
    pub agent_ms: u64,
    /// Wall time of the verifier, in milliseconds.
    pub verifier_ms: u64,
    /// The session rollout, for re-grading.
    pub rollout_path: Option<PathBuf>,
    /// The workspace's final diff against its starting state, as a unified
    /// diff (cut at [`crate::runner::MAX_DIFF_BYTES`]), when it was taken.
    pub workspace_diff: Option<String>,
    /// The LLM judge's verdict, when the run has a judge.
    pub judgement: Option<Judgement>,
}

/// A stored sample, as `jig eval show RUN --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleRow {
    /// The task's name.
    pub task: String,
    /// Which sample of the task, from 0.
    pub sample_index: u32,
    /// How it ended (flattened: `"status": "error", "reason": …`).
    #[serde(flatten)]
    pub status: SampleStatus,
    /// What the verifier scored: a number or an object of named numbers.
    #[serde(serialize_with = "write::serialize_reward")]
    pub reward: Option<Reward>,
    /// Its traits, in [`TraitName::ALL`](crate::traits::TraitName::ALL)
    /// order.
    pub traits: Vec<StoredTrait>,
    /// Tokens the agent used.
    pub usage: TokenUsage,
    /// What the agent cost, when a price was known.
    pub cost_usd: Option<f64>,
    /// Wall time of the agent, in milliseconds.
    pub agent_ms: u64,
    /// Wall time of the verifier, in milliseconds.
    pub verifier_ms: u64,
    /// The session rollout.
    pub rollout_path: Option<PathBuf>,
    /// The workspace's final diff, when it was taken.
    pub workspace_diff: Option<String>,
    /// The LLM judge's verdict, when the sample was judged.
    pub judgement: Option<Judgement>,
}

/// A stored trait score. The name is kept as text, so a database graded by
/// a jig that knows more traits still reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredTrait {
    /// The trait's snake_case name ([`TraitName::as_str`](crate::traits::TraitName::as_str)).
    pub name: String,
    /// Whether the rollout held anything to judge.
    pub applicable: bool,
    /// Whether the trait held.
    pub passed: bool,
    /// How far it held, in `0.0..=1.0`.
    pub score: f64,
    /// The records that prove it.
    pub evidence: Vec<Evidence>,
}

/// Why the results database could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The file exists but is not a SQLite database.
    #[error(
        "{} is not a SQLite database, so it cannot hold eval results; move it aside (jig then creates a new one) or pass another path",
        path.display()
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// A SQLite database, but one with someone else's tables.
    #[error(
        "{} is a SQLite database but not a jig results database (it has tables jig did not create); pass another path",
        path.display()
    )]
    NotOurs {
        /// The file.
        path: PathBuf,
    },
    /// Written by a newer jig, with a schema this one does not know.
    #[error(
        "{} has results schema version {found}, newer than the {supported} this jig understands; upgrade jig to read it",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
    /// No run id starts with the prefix.
    #[error("no eval run `{prefix}`; `jig eval list` shows the runs")]
    UnknownRun {
        /// The id or prefix asked for.
        prefix: String,
    },
    /// More than one run id starts with the prefix.
    #[error("eval run `{prefix}` is ambiguous: it matches {}; give more of the id", matches.join(", "))]
    AmbiguousRun {
        /// The prefix asked for.
        prefix: String,
        /// The ids it matches, oldest first.
        matches: Vec<String>,
    },
    /// The sample is already recorded.
    #[error(
        "sample {task}#{index} of run {run} is already recorded; a resumed run must skip the samples `finished_samples` lists"
    )]
    DuplicateSample {
        /// The run.
        run: RunId,
        /// The task.
        task: String,
        /// The sample index.
        index: u32,
    },
    /// No such sample is recorded.
    #[error("run {run} has no sample {task}#{index}")]
    UnknownSample {
        /// The run.
        run: RunId,
        /// The task.
        task: String,
        /// The sample index.
        index: u32,
    },
    /// The sample (or its traits) cannot be stored as given; nothing of it
    /// was written.
    #[error("cannot record sample {task}#{index} of run {run}: {why}")]
    InvalidSample {
        /// The run.
        run: RunId,
        /// The task.
        task: String,
        /// The sample index.
        index: u32,
        /// What is wrong (a non-finite number, a failed `CHECK`, a trait
        /// named twice).
        why: String,
    },
    /// A shard's results database cannot be merged.
    #[error("cannot merge the shard results {}: {why}", path.display())]
    InvalidShard {
        /// The shard's database file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// Any other SQLite failure.
    #[error("eval results database {}: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
}

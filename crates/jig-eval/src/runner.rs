//! The local runner: every sample of every task, each in a private
//! filesystem view of its own (`jig_sandbox::View`, no container engine, no
//! root), concurrently, with each finished sample recorded in SQLite as it
//! finishes.
//!
//! A sample is the agent in its view, then the task's verifier in another,
//! then the `[jig]` hidden checks, then the behaviour traits graded from the
//! agent's rollout ([`sample`]). The jig agent is `jig exec` started inside
//! the view, so the model sees the task's filesystem exactly as a container
//! would show it (`/app`, …) and every tool works on it unchanged; an
//! in-process session would need every path its tools touch translated
//! between the view and the host.
//!
//! Invariants:
//! - A sample is recorded all or nothing, only once it finished; a sample
//!   interrupted by Ctrl-C or a crash has no row and `--resume` runs it from
//!   a fresh directory, so a resumed run ends as an uninterrupted one would.
//! - One sample's failure (a malformed task, a missing reward, a timeout) is
//!   that sample's `error`, never the run's.

mod agent;
mod diff;
mod fs;
pub(crate) mod grading;
pub mod in_place;
mod judging;
mod process;
mod sample;
mod shard;
mod steps;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

pub use agent::Agent;
pub use diff::MAX_DIFF_BYTES;
pub use grading::sample_rollouts;
pub use judging::judge_rollout;
pub use sample::DEFAULT_AGENT_TIMEOUT_SEC;
pub use shard::Shard;

use crate::judge::Judge;
use crate::results::{Results, ResultsError, RunId, SampleResult, SampleStatus};
use crate::task::{Suite, Task};
use crate::traits::TraitOptions;

/// What a run needs beyond its stored spec.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// The agent under test.
    pub agent: Agent,
    /// Samples run at once (at least 1).
    pub concurrency: u32,
    /// jig's own executable: the view helper and the jig agent.
    pub jig_exe: PathBuf,
    /// `$JIG_HOME`: where the jig agent's settings are read.
    pub jig_home: PathBuf,
    /// Where the run keeps its samples' directories.
    pub work_dir: PathBuf,
    /// How traits are graded.
    pub trait_options: TraitOptions,
    /// The LLM judge, when the run has one.
    pub judge: Option<Judge>,
    /// Batch stepping (`--batch`): every sample at once, in lock-step, each
    /// step's model requests as one batch job.
    pub batch: Option<crate::batch::BatchOptions>,
    /// Who phrases the simulated user's answers in interview tasks.
    pub user_driver: crate::interview::Driver,
    /// Run each sample in this machine's own filesystem rather than in a
    /// view (a container runner's pod; see [`in_place`]).
    pub in_place: bool,
}

/// What every sample of a run shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub agent: Agent,
    /// jig's own executable: the view helper and the jig agent.
    pub jig_exe: PathBuf,
    pub jig_home: PathBuf,
    pub work_dir: PathBuf,
    /// Directories hidden from the agent (the suites, the run's work).
    pub hidden: Vec<PathBuf>,
    pub trait_options: TraitOptions,
    pub judge: Option<Judge>,
    /// The batch broker the jig agents talk to, with `--batch`.
    pub broker: Option<crate::batch::Broker>,
    pub user_driver: crate::interview::Driver,
    /// Samples run in place ([`in_place`]).
    pub in_place: bool,
    /// The run's suites, as given: what an in-place sample hides.
    pub suites: Vec<PathBuf>,
}

/// One unit of work: a task and a sample index, or a task that did not load.
#[derive(Debug, Clone)]
pub enum Planned {
    /// A sample to run.
    Sample {
        /// The task.
        task: Arc<Task>,
        /// Its index.
        index: u32,
    },
    /// A task directory that did not load; recorded as an error per sample.
    Broken {
        /// The task's name (its directory's name).
        name: String,
        /// Its index.
        index: u32,
        /// Why it did not load.
        reason: String,
    },
}

impl Planned {
    /// The task name and index this unit records under.
    pub fn key(&self) -> (String, u32) {
        match self {
            Planned::Sample { task, index } => (task.name.clone(), *index),
            Planned::Broken { name, index, .. } => (name.clone(), *index),
        }
    }
}

/// What the runner reports while it runs.
#[derive(Debug, Clone)]
pub enum Progress {
    /// The plan: how many samples in all, how many were already done.
    Planned {
        /// Samples in the run.
        total: usize,
        /// Samples finished before this invocation (`--resume`).
        done: usize,
    },
    /// A sample finished and was recorded.
    Finished(Box<SampleResult>),
}

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// A suite directory could not be read.
    #[error(transparent)]
    Suite(#[from] crate::task::SuiteError),
    /// The results database failed.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// Batch stepping could not start or keep its state.
    #[error(transparent)]
    Batch(#[from] crate::batch::BatchError),
    /// An in-place run could not protect itself.
    #[error("{0}")]
    InPlace(String),
    /// The run's directory could not be made.
    #[error("cannot create the run directory {}: {source}", path.display())]
    WorkDir {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The tasks of `suites` (each a suite directory or one task directory),
/// and the units of work for `samples` samples of each that `filter` keeps
/// and `agent` applies to ([`Agent::applies_to`]; `None` keeps all).
pub fn plan(
    suites: &[PathBuf],
    samples: u32,
    filter: Option<&globset::GlobMatcher>,
    agent: Option<&Agent>,
) -> Result<Vec<Planned>, RunnerError> {
    let mut planned = Vec::new();
    for dir in suites {
        let entries: Vec<(PathBuf, Result<Task, String>)> = if dir.join("task.toml").is_file() {
            vec![(dir.clone(), Task::load(dir).map_err(|e| e.to_string()))]
        } else {
            Suite::load(dir)?
                .entries
                .into_iter()
                .map(|entry| (entry.dir, entry.task.map_err(|e| e.to_string())))
                .collect()
        };
        for (dir, task) in entries {
            let dir_name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let keep = |name: &str| filter.is_none_or(|f| f.is_match(name) || f.is_match(&dir_name));
            match task {
                Ok(task) => {
                    if !keep(&task.name) || agent.is_some_and(|a| !a.applies_to(&task)) {
                        continue;
                    }
                    let task = Arc::new(task);
                    planned.extend((0..samples).map(|index| Planned::Sample {
                        task: Arc::clone(&task),
                        index,
                    }));
                }
                Err(reason) => {
                    if !keep(&dir_name) {
                        continue;
                    }
                    planned.extend((0..samples).map(|index| Planned::Broken {
                        name: dir_name.clone(),
                        index,
                        reason: reason.clone(),
                    }));
                }
            }
        }
    }
    Ok(planned)
}

/// Runs every unit of `planned` not yet recorded for `run`, `concurrency`
/// at a time, recording each as it finishes and reporting to `progress`.
/// Stops starting samples when `cancel` fires; the running ones are stopped
/// and left unrecorded.
pub async fn run(
    results: &mut Results,
    run: &RunId,
    planned: Vec<Planned>,
    suites: &[PathBuf],
    options: &RunnerOptions,
    cancel: &CancellationToken,
    mut progress: impl FnMut(Progress),
) -> Result<(), RunnerError> {
    std::fs::create_dir_all(&options.work_dir).map_err(|source| RunnerError::WorkDir {
        path: options.work_dir.clone(),
        source,
    })?;
    let sessions = options.jig_home.join("sessions");
    std::fs::create_dir_all(&sessions).map_err(|source| RunnerError::WorkDir { path: sessions, source })?;
    let finished: HashSet<(String, u32)> = results.finished_samples(run)?;
    let total = planned.len();
    let todo: Vec<Planned> = planned.into_iter().filter(|p| !finished.contains(&p.key())).collect();
    progress(Progress::Planned {
        total,
        done: total - todo.len(),
    });
    // Lock-step needs every sample running at once.
    let (broker, concurrency) = match &options.batch {
        Some(batch) => {
            let keys = todo.iter().map(Planned::key);
            let broker = crate::batch::Broker::start(batch.clone(), &options.work_dir, keys).await?;
            (Some(broker), todo.len().max(1))
        }
        None => (None, options.concurrency.max(1) as usize),
    };
    if options.in_place {
        in_place::guard_memory().map_err(RunnerError::InPlace)?;
    }
    let mut hidden: Vec<PathBuf> = suites.iter().filter_map(|s| std::fs::canonicalize(s).ok()).collect();
    if let Some(evals) = options.work_dir.parent() {
        hidden.push(evals.to_path_buf());
    }
    let shared = Shared {
        agent: options.agent.clone(),
        jig_exe: options.jig_exe.clone(),
        jig_home: options.jig_home.clone(),
        work_dir: options.work_dir.clone(),
        hidden,
        trait_options: options.trait_options.clone(),
        judge: options.judge.clone(),
        broker,
        user_driver: options.user_driver.clone(),
        in_place: options.in_place,
        suites: suites.to_vec(),
    };
    let shared = &shared;
    let mut samples = futures::stream::iter(todo)
        .map(|unit| async move {
            let (task, index) = unit.key();
            let _in_lockstep = shared.broker.as_ref().map(|b| b.sample(&task, index));
            if cancel.is_cancelled() {
                return None;
            }
            match unit {
                Planned::Sample { task, index } => sample::run(shared, &task, index, cancel).await,
                Planned::Broken { name, index, reason } => Some(broken(name, index, reason)),
            }
        })
        .buffer_unordered(concurrency);
    while let Some(done) = samples.next().await {
        if let Some(result) = done {
            results.record_sample(run, &result)?;
            progress(Progress::Finished(Box::new(result)));
        }
    }
    drop(samples);
    if let Some(broker) = &shared.broker {
        broker.finish()?;
    }
    Ok(())
}

fn broken(task: String, index: u32, reason: String) -> SampleResult {
    SampleResult {
        task,
        sample_index: index,
        status: SampleStatus::Error {
            reason: format!("the task does not load: {reason}"),
        },
        reward: None,
        traits: Vec::new(),
        usage: Default::default(),
        cost_usd: None,
        agent_ms: 0,
        verifier_ms: 0,
        rollout_path: None,
        workspace_diff: None,
        judgement: None,
    }
}

/// Re-grades every sample of `run` that has a rollout, from the rollout
/// alone, with `options`; returns how many were re-graded. Tasks are found
/// again under `suites` (for their `[jig] graders`).
pub fn regrade(
    results: &mut Results,
    run: &RunId,
    suites: &[PathBuf],
    options: &TraitOptions,
) -> Result<usize, RunnerError> {
    let tasks = load_tasks(suites)?;
    let mut count = 0;
    for row in results.samples(run)? {
        let (Some(path), Some(task)) = (&row.rollout_path, tasks.iter().find(|t| t.name == row.task)) else {
            continue;
        };
        // A sample's sessions (one per step) sit beside its first rollout.
        let Some(sessions) = path.parent().and_then(Path::parent) else {
            continue;
        };
        let regraded = grading::read_sessions(task, sessions, options);
        results.replace_traits(run, &row.task, row.sample_index, &regraded.traits)?;
        count += 1;
    }
    Ok(count)
}

/// Judges every sample of `run` that has a rollout with `judge`, replacing
/// earlier judgements; calls `progress` with each sample's task, index and
/// judgement as it is recorded. Samples are judged `concurrency` at a time.
/// Tasks are found again under `suites` (for their rubrics).
pub async fn rejudge(
    results: &mut Results,
    run: &RunId,
    suites: &[PathBuf],
    judge: &Judge,
    concurrency: usize,
    mut progress: impl FnMut(&str, u32, &crate::judge::Judgement),
) -> Result<usize, RunnerError> {
    let tasks = load_tasks(suites)?;
    let rows = results.samples(run)?;
    let jobs = rows.iter().filter_map(|row| {
        let path = row.rollout_path.as_ref()?;
        let task = tasks.iter().find(|t| t.name == row.task)?;
        let sessions = path.parent().and_then(Path::parent)?;
        Some(async move {
            let view = judging::SampleView {
                status: &row.status,
                reward: row.reward.as_ref(),
                workspace_diff: row.workspace_diff.as_deref(),
            };
            (row, judging::judge_sample(judge, task, sessions, view).await)
        })
    });
    let mut judged = futures::stream::iter(jobs).buffer_unordered(concurrency.max(1));
    let mut count = 0;
    while let Some((row, judgement)) = judged.next().await {
        results.replace_judgement(run, &row.task, row.sample_index, &judgement)?;
        progress(&row.task, row.sample_index, &judgement);
        count += 1;
    }
    Ok(count)
}

/// Judges one stored sample, found among `tasks` (from [`load_tasks`]);
/// `None` when it has no rollout or its task is not among them.
pub async fn judge_stored(
    judge: &Judge,
    tasks: &[Arc<Task>],
    row: &crate::results::SampleRow,
) -> Option<crate::judge::Judgement> {
    let sessions = row.rollout_path.as_ref()?.parent()?.parent()?;
    let task = tasks.iter().find(|t| t.name == row.task)?;
    let view = judging::SampleView {
        status: &row.status,
        reward: row.reward.as_ref(),
        workspace_diff: row.workspace_diff.as_deref(),
    };
    Some(judging::judge_sample(judge, task, sessions, view).await)
}

/// The tasks under `suites` that load.
pub fn load_tasks(suites: &[PathBuf]) -> Result<Vec<Arc<Task>>, RunnerError> {
    Ok(plan(suites, 1, None, None)?
        .into_iter()
        .filter_map(|p| match p {
            Planned::Sample { task, .. } => Some(task),
            Planned::Broken { .. } => None,
        })
        .collect())
}

/// The directory a run keeps its samples in, under `jig_home`.
pub fn work_dir(jig_home: &Path, run: &RunId) -> PathBuf {
    jig_home.join("evals").join(run.as_str())
}

//! The eval workbench: tasks in Harbor's format (the format of
//! Terminal-Bench 2 and the Harbor registry), and graders that score whole
//! trajectories — behaviour as well as outcome — from a session's stored
//! rollout, so a run can be re-graded without running the agent again.
//!
//! - [`task`]: a task directory (`task.toml`, `instruction.md`,
//!   `environment/`, `tests/`, `solution/`) read and checked, with jig's own
//!   `[jig]` table.
//! - [`dockerfile`]: the part of a task's `Dockerfile` a container-free
//!   runner can honour (`FROM`, `WORKDIR`, `COPY`, `ADD` of local files,
//!   `ENV`, `ARG`); anything else makes the task `needs-container`, naming
//!   the line.
//! - [`traits`]: behaviour traits (a preamble before the first tool, a plan
//!   kept current, reading before editing, verifying after the last edit,
//!   the dialect's trained tools, …), each a score with the rollout items
//!   that prove it.
//! - [`metrics`]: pass rate, mean reward, unbiased pass@k.
//! - [`results`]: eval runs, samples and their trait scores in SQLite
//!   (`$JIG_HOME/evals.db`), with run summaries and `--resume` support.
//! - [`judge`]: the LLM judge over whole trajectories, with a rubric of
//!   scaled criteria and a structured, validated answer.
//! - [`calibrate`]: the judge's agreement with human labels (accuracy,
//!   Cohen's kappa, confusion matrix).
//! - [`report`]: one self-contained HTML report of a run (and its data as
//!   JSON).
//! - [`compare`]: two runs side by side, with paired bootstrap confidence
//!   intervals over tasks.
//! - [`atif`]: Harbor's Agent Trajectory Interchange Format, out and in.
//! - [`batch`]: batch stepping (`--batch`): the run's rollouts in lock-step,
//!   each step's model requests as one batch job at the batch price.
//! - [`runner`]: the local runner — each sample in a private filesystem
//!   view, the agent (jig, the task's oracle, nothing, or another CLI agent),
//!   the verifier, hidden checks and traits, concurrently, resumable;
//!   `--shard i/N` runs a deterministic slice of a run.
//! - [`shard_archive`]: a shard's results and rollouts as one framed
//!   archive on its standard output, and their exactly-once merge.
//! - [`kubernetes`]: the Kubernetes runner (cargo feature `kubernetes`;
//!   without it, an error saying how to build it): one Job per shard,
//!   results read back from the pods' logs.
#![deny(missing_docs)]

pub mod atif;
pub mod batch;
pub mod calibrate;
pub mod compare;
pub mod dockerfile;
pub mod interview;
pub mod judge;
pub mod kubernetes;
pub mod metrics;
pub mod report;
pub mod results;
pub mod runner;
pub mod shard_archive;
pub mod task;
pub mod traits;

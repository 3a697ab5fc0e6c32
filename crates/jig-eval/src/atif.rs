//! Harbor's Agent Trajectory Interchange Format (ATIF), out and in: a jig
//! session written as an ATIF trajectory, so the tools of Harbor's
//! ecosystem (its viewer, its trace tooling, training pipelines) read
//! jig's runs; and an ATIF trajectory of any agent read back as rollout
//! records, so jig's behaviour graders judge another agent's recorded run.
//!
//! The format is the one of Harbor's Pydantic models
//! (`harbor/models/trajectories/*.py`, `harbor` 0.26.0 on PyPI, RFC 0001
//! `docs/rfcs/0001-trajectory-format.md` in laude-institute/harbor). Its
//! current version is `ATIF-v1.8`, whose only addition over `ATIF-v1.7`
//! is audio content; jig writes [`SCHEMA_VERSION`] (`ATIF-v1.7`, which
//! Harbor's own agent converters write too), so Harbor releases that
//! predate v1.8 read it as well, and reads every version Harbor accepts
//! ([`KNOWN_VERSIONS`]).
//!
//! - [`model`]: the objects, field for field as Harbor's models.
//! - [`parse`]: a file read strictly, with Harbor's rules across fields;
//!   an error names the JSON path at fault.
//! - [`export`]: a rollout as a trajectory ([`export_sample`] for every
//!   session of an eval sample).
//! - [`import`]: a trajectory as rollout records.
//!
//! Invariants: what jig writes passes [`parse`] and Harbor's own
//! `TrajectoryValidator` (`.ci/atif-check` runs it on an exported eval
//! run); ATIF has no place for what only jig records (turn boundaries,
//! plan updates, approvals, the session meta), so those travel in
//! `extra.jig`, which other readers ignore and [`import`] restores — a
//! round trip grades exactly like the original. This module does no I/O
//! except reading the rollouts [`export_sample`] is pointed at.

mod check;
mod export;
mod import;
pub mod model;

use std::path::{Path, PathBuf};

use jig_protocol::RolloutRecord;

pub use check::{check, parse};
pub use export::export;
pub use import::{Imported, import};
pub use model::Trajectory;

use crate::results::{RunId, SampleRow};

/// The ATIF version jig writes.
pub const SCHEMA_VERSION: &str = "ATIF-v1.7";

/// The ATIF versions jig reads: those Harbor 0.26.0 accepts.
pub const KNOWN_VERSIONS: [&str; 9] = [
    "ATIF-v1.0",
    "ATIF-v1.1",
    "ATIF-v1.2",
    "ATIF-v1.3",
    "ATIF-v1.4",
    "ATIF-v1.5",
    "ATIF-v1.6",
    "ATIF-v1.7",
    "ATIF-v1.8",
];

/// Why a trajectory could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AtifError {
    /// The text is not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not a valid ATIF trajectory.
    #[error("{at}: {reason}")]
    Invalid {
        /// Where, as a JSON path (`steps[2].tool_calls[0]`).
        at: String,
        /// What is wrong there.
        reason: String,
    },
    /// The records do not start with a `session_meta`.
    #[error("the rollout does not start with a session_meta record, so it is not a jig session")]
    NotASession,
    /// A rollout could not be read.
    #[error("cannot read the rollout {}: {reason}", path.display())]
    Read {
        /// The rollout.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
}

/// One trajectory of an eval sample, with the file name it goes by.
#[derive(Debug, Clone)]
pub struct SampleTrajectory {
    /// `TASK-INDEX.json`, or `TASK-INDEX-stepN.json` when the sample ran
    /// several sessions (one per step); the task's `/` becomes `-`.
    pub file_name: String,
    /// The trajectory, with the run, task, sample, step, status and
    /// reward in `extra.jig.eval`.
    pub trajectory: Trajectory,
}

/// The trajectories of `sample` of `run`: one per session the agent
/// recorded, oldest first; none when it recorded none (the oracle, a
/// sample that never started).
pub fn export_sample(run: &RunId, sample: &SampleRow) -> Result<Vec<SampleTrajectory>, AtifError> {
    let Some(first) = &sample.rollout_path else {
        return Ok(Vec::new());
    };
    let rollouts = crate::runner::sample_rollouts(first);
    let row = serde_json::to_value(sample).unwrap_or_default();
    let base = format!("{}-{}", file_safe(&sample.task), sample.sample_index);
    let several = rollouts.len() > 1;
    let mut out = Vec::new();
    for (i, path) in rollouts.iter().enumerate() {
        let mut trajectory = export(&read_records(path)?)?;
        let eval = serde_json::json!({
            "run_id": run.as_str(),
            "task": sample.task,
            "sample_index": sample.sample_index,
            "step": i + 1,
            "steps": rollouts.len(),
            "status": row.get("status"),
            "reward": row.get("reward"),
        });
        if let Some(jig) = trajectory
            .extra
            .get_or_insert_with(Default::default)
            .entry("jig")
            .or_insert_with(|| serde_json::json!({}))
            .as_object_mut()
        {
            jig.insert("eval".into(), eval);
        }
        let file_name = if several {
            format!("{base}-step{}.json", i + 1)
        } else {
            format!("{base}.json")
        };
        out.push(SampleTrajectory { file_name, trajectory });
    }
    Ok(out)
}

/// The records of a rollout file; a torn last line (a killed agent) is
/// left out, as grading leaves it out.
pub fn read_records(path: &Path) -> Result<Vec<RolloutRecord>, AtifError> {
    let text = std::fs::read_to_string(path).map_err(|e| AtifError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str::<RolloutRecord>(line).ok())
        .collect())
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

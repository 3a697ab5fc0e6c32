//! The Kubernetes runner (`jig eval run --runner kubernetes`, cargo feature
//! `kubernetes`): a run's units as one Kubernetes Job per shard, created
//! with kube-rs from the current kubeconfig (or the in-cluster config),
//! each pod running `jig eval run --shard i/N --archive` on its slice in
//! the task's image with the task's CPU and memory limits ([`manifest`]).
//!
//! **How results come back: the pod's log.** A shard prints its results
//! database and its samples' rollouts as one framed, checksummed archive on
//! standard output ([`crate::shard_archive`]); the coordinator reads it
//! through the pod-logs API once the Job succeeded. No shared filesystem,
//! volume or object store is needed, and the log stays readable for as
//! long as the Job exists (the Jobs are not given a TTL for that reason).
//!
//! Invariants:
//! - **Exactly once.** A shard's samples are merged into the local
//!   database with [`Results::merge_shard`], which copies only samples the
//!   run does not hold, in one transaction; rollouts are extracted only for
//!   those, before the transaction. A coordinator killed after any merge
//!   and resumed merges each sample once, and its results equal an
//!   uninterrupted run's.
//! - **Resumable by name.** A Job's name is the run id's random suffix and
//!   its shard (`jig-RUN12-GROUP-INDEX`); `--resume` creates the same Jobs
//!   again, and a `409 Conflict` means the Job exists: it is adopted (after
//!   checking its `jig.dev/run` label) rather than run twice. Shards whose
//!   samples are all recorded are not touched.
//! - **Kubernetes retries within a run, `--resume` across runs.** A failed
//!   pod is retried by the Job up to its `backoffLimit`; a Job that fails
//!   for good is reported with its last pod's log tail, and its samples stay
//!   unrecorded. `--resume` then finds it (a 409), sees it failed, deletes
//!   it and creates it again.
//!
//! Job status is watched: one `LIST` of the run's Jobs by its label, then a
//! `watch` from that list's `resourceVersion`, so a finished Job is seen as it
//! finishes and following a thousand Jobs costs one connection. When a watch
//! ends (its timeout, a `410 Gone`, a dropped connection) the run lists and
//! watches again; after a failure it waits `poll` first.

#[cfg(feature = "kubernetes")]
mod cluster;
#[cfg(feature = "kubernetes")]
pub mod manifest;

use std::time::Duration;

use crate::results::{Results, ResultsError, RunId, RunSpec};
use crate::runner::Planned;
use crate::shard_archive::ArchiveError;

/// Whether this build has the Kubernetes runner (cargo feature `kubernetes`).
pub const BUILT: bool = cfg!(feature = "kubernetes");

/// What the coordinator reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeProgress {
    /// The Jobs: how many, and how many samples are already recorded.
    Planned {
        /// Jobs with samples still to record.
        jobs: usize,
        /// Samples recorded before this invocation.
        done: usize,
        /// Samples in the run.
        total: usize,
    },
    /// A Job was created, adopted after a 409, or replaced.
    Job {
        /// Its name.
        name: String,
        /// What was done.
        created: Created,
    },
    /// A shard's archive was merged.
    Merged {
        /// The Job.
        name: String,
        /// Samples newly recorded.
        samples: usize,
    },
}

/// What became of a shard's Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// It was created.
    New,
    /// It existed (a coordinator resumed) and is this run's.
    Adopted,
    /// It existed and had failed for good (the reason): it was deleted and
    /// created again.
    Replaced(String),
}

/// Why a Kubernetes run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// No cluster configuration was found or it is unusable.
    #[error("cannot configure the Kubernetes client: {0}; set KUBECONFIG or run inside a cluster (in-cluster config)")]
    Config(String),
    /// This jig was built without the runner.
    #[error(
        "this jig was built without the Kubernetes runner; build it with `cargo build --release --features kubernetes` (or `cargo install --path crates/jig-cli --features kubernetes`)"
    )]
    NotBuilt,
    /// An API call failed.
    #[error("Kubernetes API: cannot {what}: {source}")]
    Api {
        /// What was being done.
        what: String,
        /// kube-rs's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A Job of that name exists but belongs to another run.
    #[error(
        "the Job {name} exists but belongs to run {owner}, not {run}; delete it (kubectl delete job {name}) or use another namespace"
    )]
    Foreign {
        /// The Job.
        name: String,
        /// The run it belongs to.
        owner: String,
        /// This run.
        run: String,
    },
    /// Jobs failed after their retries.
    #[error(
        "{} failed after its pod retries: {}; fix the cause, delete the Jobs (kubectl delete job …) and finish the run with --resume",
        if .0.len() == 1 { "a Job" } else { "Jobs" },
        .0.join("; ")
    )]
    JobsFailed(Vec<String>),
    /// Tasks need an image and have none.
    #[cfg(feature = "kubernetes")]
    #[error(transparent)]
    MissingImages(#[from] manifest::MissingImages),
    /// A shard's archive could not be read.
    #[error("Job {name}: {source}")]
    Archive {
        /// The Job.
        name: String,
        /// Why.
        source: ArchiveError,
    },
    /// The results database failed.
    #[error(transparent)]
    Results(#[from] ResultsError),
}

/// What a Kubernetes run needs beyond its spec.
#[derive(Debug, Clone)]
pub struct KubeOptions {
    /// The jig image (jig on `PATH`, the suites under `/jig/suites`).
    pub image: String,
    /// The namespace; `None` takes the kubeconfig context's (or `default`).
    pub namespace: Option<String>,
    /// Shards per environment group.
    pub shards: u32,
    /// Pod retries per Job.
    pub backoff_limit: i32,
    /// How long to wait before listing again after a watch failed.
    pub poll: Duration,
    /// Where the run keeps its samples (rollouts are extracted here).
    pub work_dir: std::path::PathBuf,
    /// The image of a task without `[environment] docker_image`, `{task}`
    /// standing for its directory name; such a task then runs in place.
    pub task_image: Option<String>,
    /// Kubernetes Secrets whose keys the pods get as environment variables.
    pub secrets: Vec<String>,
}

/// The Jobs `--dry-run` prints for `run`, as one `v1` `List` (what
/// `kubectl apply -f` takes).
pub fn dry_run(
    run: &RunId,
    spec: &RunSpec,
    planned: &[Planned],
    options: &KubeOptions,
) -> Result<serde_json::Value, KubeError> {
    #[cfg(feature = "kubernetes")]
    return cluster::dry_run(run, spec, planned, options);
    #[cfg(not(feature = "kubernetes"))]
    {
        let _ = (run, spec, planned, options);
        Err(KubeError::NotBuilt)
    }
}

/// Runs the units of `planned` not yet recorded for `run` as Jobs on the
/// cluster of the current kubeconfig (or the in-cluster config), merging
/// each shard's results as its Job succeeds.
pub async fn run(
    results: &mut Results,
    run: &RunId,
    spec: &RunSpec,
    planned: Vec<Planned>,
    options: &KubeOptions,
    progress: impl FnMut(KubeProgress),
) -> Result<(), KubeError> {
    #[cfg(feature = "kubernetes")]
    return cluster::run(results, run, spec, planned, options, progress).await;
    #[cfg(not(feature = "kubernetes"))]
    {
        let _ = (results, run, spec, planned, options, progress);
        Err(KubeError::NotBuilt)
    }
}

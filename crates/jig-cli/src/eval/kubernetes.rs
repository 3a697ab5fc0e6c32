//! `jig eval run --runner kubernetes` and the pod's side of it (`--shard
//! I/N --archive`): the flags checked, the Jobs printed (`--dry-run`) or
//! run by `jig_eval::kubernetes`, progress on stderr, and the merged run
//! summarised like a local one. A jig built without the cargo feature
//! `kubernetes` says how to build one that has it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use jig_eval::kubernetes::{self, KubeOptions, KubeProgress};
use jig_eval::results::{Results, RunId, RunSpec};
use jig_eval::runner::{Planned, Shard};
use jig_eval::shard_archive::ShardArchive;

use crate::cli::EvalRunArgs;
use crate::{UsageError, exit};

/// Refuses flags that do not go together, before anything is stored.
pub(super) fn check_args(args: &EvalRunArgs) -> anyhow::Result<()> {
    let kube = args.on_kubernetes();
    if kube && !kubernetes::BUILT {
        return Err(UsageError(kubernetes::KubeError::NotBuilt.to_string()).into());
    }
    if !kube
        && (args.dry_run
            || args.namespace.is_some()
            || args.image.is_some()
            || args.task_image.is_some()
            || !args.secrets.is_empty())
    {
        return Err(UsageError(
            "--dry-run, --namespace, --image, --task-image and --secret apply to --runner kubernetes".into(),
        )
        .into());
    }
    if args.in_place && (kube || args.batch) {
        return Err(UsageError(
            "--in-place is what a Kubernetes pod runs for a task with its own image; it goes with neither --runner kubernetes nor --batch"
                .into(),
        )
        .into());
    }
    if kube && args.shard.is_some() {
        return Err(UsageError(
            "--shard is what each Kubernetes pod runs; the kubernetes runner makes the shards itself (--shards N)"
                .into(),
        )
        .into());
    }
    if kube && args.batch {
        return Err(UsageError(
            "--batch runs every sample in one process; it cannot be split into Kubernetes Jobs".into(),
        )
        .into());
    }
    if kube && args.image.is_none() && args.resume.is_none() {
        return Err(UsageError(
            "--runner kubernetes needs --image IMAGE: a jig image with the suites copied in under /jig/suites/".into(),
        )
        .into());
    }
    if !(args.poll.is_finite() && args.poll > 0.0) {
        return Err(UsageError(format!("--poll {}: give a positive number of seconds", args.poll)).into());
    }
    Ok(())
}

/// The Kubernetes run of `planned`: the Jobs printed with `--dry-run`,
/// else created (or adopted), awaited and merged into `results`.
pub(super) fn run(
    args: &EvalRunArgs,
    results: &mut Results,
    run_id: &RunId,
    spec: &RunSpec,
    planned: Vec<Planned>,
    work_dir: PathBuf,
) -> anyhow::Result<u8> {
    let settings = Settings::resolve(args, run_id, &work_dir)?;
    let options = KubeOptions {
        image: settings.image.clone(),
        namespace: settings.namespace.clone(),
        shards: settings.shards,
        backoff_limit: settings.backoff_limit,
        poll: Duration::from_secs_f64(args.poll),
        work_dir,
        task_image: settings.task_image.clone(),
        secrets: settings.secrets.clone(),
    };
    if args.dry_run {
        let list = kubernetes::dry_run(run_id, spec, &planned, &options)?;
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(exit::COMPLETED);
    }
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("cannot create {}", options.work_dir.display()))?;
    settings.store(&options.work_dir)?;
    if !args.json {
        eprintln!(
            "eval run {run_id} on Kubernetes: agent {}, model {}",
            spec.agent, spec.model
        );
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let quiet = args.json;
    runtime.block_on(kubernetes::run(results, run_id, spec, planned, &options, |p| {
        if !quiet {
            report(&p);
        }
    }))?;
    results.finish_run(run_id, &super::run::now())?;
    let summary = results.summary(run_id)?;
    if args.json {
        super::run::print_json(results, run_id, &summary)?;
    } else {
        super::run::print_summary(&summary);
    }
    Ok(if summary.passed == summary.samples {
        exit::COMPLETED
    } else {
        exit::FAILED
    })
}

/// What a Kubernetes run was started with, kept in the run's directory
/// (`kubernetes.json`) so `--resume` makes the same Jobs without the flags
/// being given again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Settings {
    image: String,
    namespace: Option<String>,
    shards: u32,
    backoff_limit: i32,
    task_image: Option<String>,
    secrets: Vec<String>,
}

const SETTINGS_FILE: &str = "kubernetes.json";

/// Whether the run whose directory is `work_dir` was started on Kubernetes.
pub(super) fn started_there(work_dir: &Path) -> bool {
    work_dir.join(SETTINGS_FILE).is_file()
}

impl Settings {
    /// The flags, over what the resumed run was started with. What decides
    /// the Jobs' names and where they live (`--shards`, `--task-image`,
    /// `--namespace`) must not change on resume.
    fn resolve(args: &EvalRunArgs, run_id: &RunId, work_dir: &Path) -> anyhow::Result<Settings> {
        let path = work_dir.join(SETTINGS_FILE);
        let stored: Option<Settings> = match (&args.resume, std::fs::read_to_string(&path)) {
            (Some(_), Ok(text)) => Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("cannot read {}; give the Kubernetes flags again", path.display()))?,
            ),
            _ => None,
        };
        let Some(stored) = stored else {
            let Some(image) = args.image.clone() else {
                return Err(UsageError(format!(
                    "--runner kubernetes needs --image IMAGE (run {run_id} has no stored Kubernetes settings)"
                ))
                .into());
            };
            return Ok(Settings {
                image,
                namespace: args.namespace.clone(),
                shards: args.shards.unwrap_or(4),
                backoff_limit: args.backoff_limit.unwrap_or(3),
                task_image: args.task_image.clone(),
                secrets: args.secrets.clone(),
            });
        };
        let changed = |flag: &str, was: String| {
            UsageError(format!(
                "run {run_id} was started with {flag} {was}; resume it with the same, or leave the flag out"
            ))
        };
        if args.shards.is_some_and(|n| n != stored.shards) {
            return Err(changed("--shards", stored.shards.to_string()).into());
        }
        if args.task_image.is_some() && args.task_image != stored.task_image {
            return Err(changed("--task-image", stored.task_image.unwrap_or_else(|| "(none)".into())).into());
        }
        if args.namespace.is_some() && args.namespace != stored.namespace {
            return Err(changed(
                "--namespace",
                stored.namespace.unwrap_or_else(|| "(the context's)".into()),
            )
            .into());
        }
        Ok(Settings {
            image: args.image.clone().unwrap_or(stored.image),
            backoff_limit: args.backoff_limit.unwrap_or(stored.backoff_limit),
            secrets: if args.secrets.is_empty() {
                stored.secrets
            } else {
                args.secrets.clone()
            },
            ..stored
        })
    }

    fn store(&self, work_dir: &Path) -> anyhow::Result<()> {
        let path = work_dir.join(SETTINGS_FILE);
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

fn report(progress: &KubeProgress) {
    match progress {
        KubeProgress::Planned { jobs, done, total } => {
            eprintln!("{total} samples, {done} already done; {jobs} Jobs to run")
        }
        KubeProgress::Job { name, created } => match created {
            kubernetes::Created::New => eprintln!("created Job {name}"),
            kubernetes::Created::Adopted => eprintln!("adopted the existing Job {name}"),
            kubernetes::Created::Replaced(why) => eprintln!("Job {name} had failed ({why}); created it again"),
        },
        KubeProgress::Merged { name, samples } => eprintln!("Job {name} done: {samples} samples merged"),
    }
}

/// The pod's side: the shard's results and rollouts as one archive on stdout.
pub(super) fn print_archive(shard: Shard, results: &Results, work_dir: &Path) -> anyhow::Result<u8> {
    let archive = ShardArchive::collect(shard, results, work_dir)?;
    archive
        .write_framed(&mut std::io::stdout().lock())
        .context("cannot write the shard archive to stdout")?;
    Ok(exit::COMPLETED)
}

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

use crate::cli::{EvalRunArgs, RunnerKind};
use crate::{UsageError, exit};

/// Refuses flags that do not go together, before anything is stored.
pub(super) fn check_args(args: &EvalRunArgs) -> anyhow::Result<()> {
    let kube = args.runner == RunnerKind::Kubernetes;
    if kube && !kubernetes::BUILT {
        return Err(UsageError(kubernetes::KubeError::NotBuilt.to_string()).into());
    }
    if !kube && (args.dry_run || args.namespace.is_some() || args.image.is_some()) {
        return Err(UsageError("--dry-run, --namespace and --image apply to --runner kubernetes".into()).into());
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
    let Some(image) = args.image.clone() else {
        return Err(UsageError(format!(
            "--runner kubernetes needs --image IMAGE, also when resuming (`jig eval run --resume {run_id} --runner kubernetes --image IMAGE`)"
        ))
        .into());
    };
    let options = KubeOptions {
        image,
        namespace: args.namespace.clone(),
        shards: args.shards,
        backoff_limit: args.backoff_limit,
        poll: Duration::from_secs_f64(args.poll),
        work_dir,
    };
    if args.dry_run {
        let list = kubernetes::dry_run(run_id, spec, &planned, &options)?;
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(exit::COMPLETED);
    }
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("cannot create {}", options.work_dir.display()))?;
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

fn report(progress: &KubeProgress) {
    match progress {
        KubeProgress::Planned { jobs, done, total } => {
            eprintln!("{total} samples, {done} already done; {jobs} Jobs to run")
        }
        KubeProgress::Job { name, adopted: false } => eprintln!("created Job {name}"),
        KubeProgress::Job { name, adopted: true } => eprintln!("adopted the existing Job {name}"),
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

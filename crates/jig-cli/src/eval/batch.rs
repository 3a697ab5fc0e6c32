//! `jig eval run --batch`: the batch options resolved from the settings the
//! agent will read (its model's provider, that provider's base URL and
//! price), and the batch report printed after the run.
//!
//! The agent is pointed at the broker through `OPENAI_BASE_URL` /
//! `ANTHROPIC_BASE_URL`; a base URL set in a config file would win over the
//! variable and send the agent around the broker, so such a run is refused
//! with what to change. A run started with `--batch` resumes batched
//! (its directory holds the batch state).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use jig_config::{ProviderKind, Source};
use jig_eval::batch::{BatchOptions, BatchReport, Price, Vendor};
use jig_eval::results::{Results, RunId, RunSummary};

use crate::UsageError;
use crate::cli::EvalRunArgs;

/// The batch options of the run in `work_dir` with `spec`'s agent and
/// model, when `--batch` was given now or when the run was started with it.
pub(super) fn options(
    args: &EvalRunArgs,
    spec: &jig_eval::results::RunSpec,
    work_dir: &Path,
) -> anyhow::Result<Option<BatchOptions>> {
    if !args.batch && !jig_eval::batch::was_batched(work_dir) {
        return Ok(None);
    }
    resolve(args, spec).map(Some)
}

/// The batch options for `spec`'s agent and model, or why it cannot batch.
pub(super) fn resolve(args: &EvalRunArgs, spec: &jig_eval::results::RunSpec) -> anyhow::Result<BatchOptions> {
    let needs = |what: String| {
        UsageError(format!(
            "--batch needs the jig agent with --model openai:MODEL or anthropic:MODEL; {what}"
        ))
    };
    if spec.agent != "jig" {
        return Err(needs(format!("the agent is {}", spec.agent)).into());
    }
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, _) = crate::exec::settings(&here, None)?;
    let profile = jig_dialect::profiles::resolve(&spec.model, &settings)
        .map_err(|_| needs(format!("{} is not a model behind a batch API", spec.model)))?;
    let provider = settings
        .providers
        .get(&profile.provider)
        .ok_or_else(|| needs(format!("provider {} is not configured", profile.provider)))?;
    let vendor = match (provider.kind, profile.provider.as_str()) {
        (ProviderKind::OpenAi, "openai") => Vendor::OpenAi,
        (ProviderKind::Anthropic, "anthropic") => Vendor::Anthropic,
        _ => {
            return Err(needs(format!(
                "{} is served by provider {}, which has no batch API jig drives",
                spec.model, profile.provider
            ))
            .into());
        }
    };
    let key = format!("providers.{}.base_url", vendor.name());
    if let Source::UserFile(path) | Source::ProjectFile(path) = settings.source(&key) {
        return Err(UsageError(format!(
            "--batch points the agent at its broker with {}, but {} sets {key}, which wins over it; \
             remove {key} there and set {} instead",
            vendor.base_url_var(),
            path.display(),
            vendor.base_url_var()
        ))
        .into());
    }
    let upstream = provider
        .base_url
        .clone()
        .ok_or_else(|| needs(format!("provider {} has no base URL", vendor.name())))?;
    let poll_interval = Duration::try_from_secs_f64(args.batch_poll)
        .map_err(|_| UsageError(format!("--batch-poll {}: give a number of seconds", args.batch_poll)))?;
    Ok(BatchOptions {
        vendor,
        upstream,
        price: profile.price.map(|p| Price {
            input: p.input,
            cached_input: p.cached_input.unwrap_or(p.input),
            output: p.output,
        }),
        poll_interval,
    })
}

/// The batch report of the run in `work_dir`, when it was batched.
pub(super) fn report(work_dir: &Path) -> anyhow::Result<Option<BatchReport>> {
    Ok(jig_eval::batch::read_report(work_dir)?)
}

/// The run's JSON summary with its batch report under `batch`.
pub(super) fn print_json(
    results: &Results,
    run: &RunId,
    summary: &RunSummary,
    batch: &BatchReport,
) -> anyhow::Result<()> {
    let samples = results.samples(run)?;
    let report = serde_json::json!({
        "run_id": run.as_str(), "summary": summary, "samples": samples, "batch": batch,
    });
    println!("{report}");
    Ok(())
}

/// The batch report as text, after the run's summary.
pub(super) fn print_report(report: &BatchReport) {
    println!(
        "  batch ({}): {} steps, {} batches, {} requests ({} batched, {} fell back to live{}); \
         waiting on batches {:.1} s",
        report.vendor.name(),
        report.steps,
        report.batches,
        report.requests,
        report.batched,
        report.fallbacks,
        if report.reused_stale > 0 {
            format!(", {} reused with different tool output", report.reused_stale)
        } else {
            String::new()
        },
        report.batch_wait_ms as f64 / 1000.0
    );
    match &report.cost {
        Some(cost) => {
            let saved = cost.live_usd - cost.batch_usd;
            let share = if cost.live_usd > 0.0 {
                format!(" ({:.0}% less)", 100.0 * saved / cost.live_usd)
            } else {
                String::new()
            };
            println!(
                "    cost ${:.4} against ${:.4} live{share}",
                cost.batch_usd, cost.live_usd
            );
        }
        None => println!("    cost unknown: the model has no price (set [prices] in the config)"),
    }
    for problem in &report.problems {
        println!("    warning: {problem}");
    }
}

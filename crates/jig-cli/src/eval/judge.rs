//! `jig eval judge` (an LLM judge over a stored run's trajectories) and
//! `jig eval calibrate` (the judge's agreement with human labels), and the
//! judge built from a model spec for `jig eval run --judge`.
//!
//! The judge's client comes from the same resolution as `jig exec
//! --model` (configured providers, profiles, `scripted:PATH`), and its
//! price from the model's profile, so judge cost is counted like the
//! agent's but kept apart.

use std::sync::Arc;

use anyhow::Context;
use jig_core::SessionStore;
use jig_core::budget::Limits;
use jig_eval::judge::{Judge, Judgement, Verdict};

use super::run::{home, open_results};
use crate::cli::{EvalCalibrateArgs, EvalJudgeArgs};
use crate::exit;

/// The judge for model `spec`.
pub(crate) fn build_judge(spec: &str) -> anyhow::Result<Judge> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = crate::exec::settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    let resolved = jig_core::models::resolve_model(spec, &settings, &env, &store)
        .with_context(|| format!("cannot use `{spec}` as the judge"))?;
    let limits = Limits {
        price: resolved.profile.price.clone(),
        ..Limits::default()
    };
    Ok(Judge::new(
        resolved.client,
        Arc::new(move |usage| limits.cost_of(usage)),
    ))
}

/// `jig eval judge RUN --judge MODEL`.
pub fn judge(args: EvalJudgeArgs) -> anyhow::Result<u8> {
    let home = home()?;
    let mut results = open_results(&home)?;
    let stored = results.run(&args.run)?;
    let judge = build_judge(&args.judge)?;
    let suites: Vec<std::path::PathBuf> = stored.spec.suites.iter().map(Into::into).collect();
    let concurrency = stored.spec.concurrency as usize;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let json = args.json;
    let count = runtime.block_on(jig_eval::runner::rejudge(
        &mut results,
        &stored.id,
        &suites,
        &judge,
        concurrency,
        |task, index, judgement| {
            if !json {
                println!("{}", judgement_line(task, index, judgement));
            }
        },
    ))?;
    let summary = results.summary(&stored.id)?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "run_id": stored.id, "judged": count, "judge": summary.judge })
        );
    } else {
        println!("judged {count} samples of run {}", stored.id);
        if let Some(judge) = &summary.judge {
            super::run::print_judge_summary(judge);
        }
    }
    Ok(exit::COMPLETED)
}

/// One sample's judgement on one line.
pub(crate) fn judgement_line(task: &str, index: u32, judgement: &Judgement) -> String {
    match &judgement.verdict {
        Verdict::Graded { scores, .. } => {
            let scores: Vec<String> = scores
                .iter()
                .map(|s| format!("{} {}/{}", s.criterion, s.score, s.max))
                .collect();
            format!("  {task}#{index}: {}", scores.join(", "))
        }
        Verdict::Ungraded { reason } => format!("  {task}#{index}: ungraded ({reason})"),
    }
}

/// `jig eval calibrate LABELS`.
pub fn calibrate(_args: EvalCalibrateArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval calibrate is not built yet")
}

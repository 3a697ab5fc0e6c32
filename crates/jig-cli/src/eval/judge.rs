//! `jig eval judge` (an LLM judge over a stored run's trajectories) and
//! `jig eval calibrate` (the judge's agreement with human labels), and the
//! judge built from a model spec for `jig eval run --judge`.
//!
//! The judge's client comes from the same resolution as `jig exec
//! --model` (configured providers, profiles, `scripted:PATH`), and its
//! price from the model's profile, so judge cost is counted like the
//! agent's but kept apart.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use jig_core::SessionStore;
use jig_core::budget::Limits;
use jig_eval::calibrate::{Calibration, Label, Pair, Subject, read_labels};
use jig_eval::judge::{Judge, Judgement, Verdict};
use jig_eval::results::SampleRow;
use jig_eval::task::Task;

use super::run::{home, open_results};
use crate::cli::{EvalCalibrateArgs, EvalJudgeArgs};
use crate::{UsageError, exit};

/// The client for model `spec`, resolved like `jig exec --model`, and its
/// price as budget limits; `role` names what it is for in errors.
pub(crate) fn model_client(spec: &str, role: &str) -> anyhow::Result<(Arc<dyn jig_model::ModelClient>, Limits)> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = crate::exec::settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    let resolved = jig_core::models::resolve_model(spec, &settings, &env, &store)
        .with_context(|| format!("cannot use `{spec}` as {role}"))?;
    let limits = Limits {
        price: resolved.profile.price,
        ..Limits::default()
    };
    Ok((resolved.client, limits))
}

/// The judge for model `spec`.
pub(crate) fn build_judge(spec: &str) -> anyhow::Result<Judge> {
    let (client, limits) = model_client(spec, "the judge")?;
    Ok(Judge::new(client, Arc::new(move |usage| limits.cost_of(usage))))
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
                println!("  {task} #{index}: {}", judgement_text(judgement));
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

/// A judgement in a few words: each score, or why there is none.
pub(crate) fn judgement_text(judgement: &Judgement) -> String {
    match &judgement.verdict {
        Verdict::Graded { scores, .. } => scores
            .iter()
            .map(|s| format!("{} {}/{}", s.criterion, s.score, s.max))
            .collect::<Vec<_>>()
            .join(", "),
        Verdict::Ungraded { reason } => format!("ungraded ({reason})"),
    }
}

/// `jig eval calibrate LABELS [--judge MODEL]`.
pub fn calibrate(args: EvalCalibrateArgs) -> anyhow::Result<u8> {
    let labels = read_labels(&args.labels)?;
    let home = home()?;
    let results = open_results(&home)?;
    let mut runs: HashMap<String, (Vec<SampleRow>, Vec<Arc<Task>>)> = HashMap::new();
    let mut subjects: HashMap<Subject, Option<Judgement>> = HashMap::new();
    for label in &labels {
        let subject = label.subject().map_err(UsageError)?;
        if let Subject::Sample { run, .. } = &subject
            && !runs.contains_key(run)
        {
            let stored = results.run(run)?;
            let rows = results.samples(&stored.id)?;
            let tasks = if args.judge.is_some() {
                let suites: Vec<PathBuf> = stored.spec.suites.iter().map(Into::into).collect();
                jig_eval::runner::load_tasks(&suites)?
            } else {
                Vec::new()
            };
            runs.insert(run.clone(), (rows, tasks));
        }
        subjects.entry(subject).or_insert(None);
    }
    if let Some(spec) = &args.judge {
        let judge = build_judge(spec)?;
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        for (subject, judgement) in subjects.iter_mut() {
            *judgement = runtime.block_on(judge_subject(&judge, subject, &labels, &runs))?;
        }
    } else {
        for (subject, judgement) in subjects.iter_mut() {
            if let Subject::Sample { run, task, index } = subject {
                *judgement = find_row(&runs, run, task, *index).and_then(|row| row.judgement.clone());
            }
        }
    }
    let mut pairs = Vec::new();
    let mut skipped = Vec::new();
    for label in &labels {
        let subject = label.subject().map_err(UsageError)?;
        let judgement = subjects.get(&subject).and_then(Option::as_ref);
        let from_judge = judgement.map(|j| match &j.verdict {
            Verdict::Graded { scores, rationale, .. } => scores
                .iter()
                .find(|s| s.criterion == label.criterion)
                .map(|s| (s.score, Some(rationale.clone())))
                .ok_or_else(|| format!("the judge's rubric has no criterion `{}`", label.criterion)),
            Verdict::Ungraded { reason } => Err(format!("the judge left it ungraded: {reason}")),
        });
        // A judge run now decides; without one, a label's own judge score,
        // then the run's stored judgement.
        let score = match (label.judge_label, args.judge.is_some(), from_judge) {
            (Some(score), false, _) => Ok((score, label.judge_rationale.clone())),
            (_, _, Some(found)) => found,
            (_, _, None) => Err("no judge score: give --judge MODEL, a `judge_label`, or judge the run first".into()),
        };
        match score {
            Ok((judge, rationale)) => pairs.push(Pair {
                subject: subject.to_string(),
                criterion: label.criterion.clone(),
                human: label.label,
                judge,
                rationale,
            }),
            Err(why) => skipped.push(format!("{subject} {}: {why}", label.criterion)),
        }
    }
    let Some(report) = jig_eval::calibrate::calibrate(&pairs, skipped.clone()) else {
        return Err(UsageError(format!(
            "no label could be compared with a judge's score: {}",
            skipped.join("; ")
        ))
        .into());
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_calibration(&report);
    }
    Ok(exit::COMPLETED)
}

fn find_row<'a>(
    runs: &'a HashMap<String, (Vec<SampleRow>, Vec<Arc<Task>>)>,
    run: &str,
    task: &str,
    index: u32,
) -> Option<&'a SampleRow> {
    runs.get(run)?
        .0
        .iter()
        .find(|row| row.task == task && row.sample_index == index)
}

/// The judge's verdict on one labelled subject.
async fn judge_subject(
    judge: &Judge,
    subject: &Subject,
    labels: &[Label],
    runs: &HashMap<String, (Vec<SampleRow>, Vec<Arc<Task>>)>,
) -> anyhow::Result<Option<Judgement>> {
    match subject {
        Subject::Sample { run, task, index } => {
            let row = find_row(runs, run, task, *index)
                .ok_or_else(|| UsageError(format!("run {run} has no sample {task}#{index}")))?;
            let tasks = runs.get(run).map(|(_, tasks)| tasks.as_slice()).unwrap_or_default();
            Ok(jig_eval::runner::judge_stored(judge, tasks, row).await)
        }
        Subject::Rollout(path) => {
            let task_dir = labels
                .iter()
                .find(|l| l.rollout.as_ref() == Some(path))
                .and_then(|l| l.task_dir.clone());
            let task = task_dir
                .map(|dir| Task::load(&dir).with_context(|| format!("cannot load the task {}", dir.display())))
                .transpose()?;
            Ok(Some(jig_eval::runner::judge_rollout(judge, path, task.as_ref()).await))
        }
    }
}

fn print_calibration(report: &Calibration) {
    let kappa = |k: Option<f64>| k.map_or("undefined".to_owned(), |k| format!("{k:.3}"));
    let overall = &report.overall;
    println!(
        "{} labels compared ({} skipped): accuracy {:.1}%, Cohen's kappa {}",
        overall.pairs,
        report.skipped.len(),
        100.0 * overall.accuracy,
        kappa(overall.kappa)
    );
    for (criterion, agreement) in &report.per_criterion {
        println!(
            "  {criterion:<26} {} labels, accuracy {:.1}%, kappa {}",
            agreement.pairs,
            100.0 * agreement.accuracy,
            kappa(agreement.kappa)
        );
    }
    println!("confusion (rows: person, columns: judge):");
    let labels = &overall.confusion.labels;
    let head: Vec<String> = labels.iter().map(|l| format!("{l:>5}")).collect();
    println!("       {}", head.join(""));
    for (label, row) in labels.iter().zip(&overall.confusion.counts) {
        let cells: Vec<String> = row.iter().map(|c| format!("{c:>5}")).collect();
        println!("  {label:>5}{}", cells.join(""));
    }
    if !report.disagreements.is_empty() {
        println!("disagreements:");
        for pair in &report.disagreements {
            println!(
                "  {} {}: person {}, judge {}{}",
                pair.subject,
                pair.criterion,
                pair.human,
                pair.judge,
                pair.rationale.as_deref().map(|r| format!(" — {r}")).unwrap_or_default()
            );
        }
    }
    for why in &report.skipped {
        println!("skipped: {why}");
    }
}

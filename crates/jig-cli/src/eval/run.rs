//! `jig eval run`, `list`, `show` and `regrade`: the runner
//! (`jig_eval::runner`) driven from the command line, with a progress bar
//! (done/total, ETA, running pass rate) on a terminal, Ctrl-C that stops
//! cleanly (running samples are stopped and left for `--resume`), and the
//! results printed from `$JIG_HOME/evals.db`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use jig_eval::results::{JudgeSummary, Results, RunId, RunSpec, RunSummary, SampleStatus};
use jig_eval::runner::{self, Agent, Progress, RunnerOptions};
use jig_eval::traits::TraitOptions;
use tokio_util::sync::CancellationToken;

use crate::cli::{EvalRunArgs, RunnerKind};
use crate::{UsageError, exit};

pub(super) fn home() -> anyhow::Result<PathBuf> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, _) = crate::exec::settings(&here, None)?;
    Ok(settings.home)
}

pub(super) fn open_results(home: &Path) -> anyhow::Result<Results> {
    std::fs::create_dir_all(home).with_context(|| format!("cannot create {}", home.display()))?;
    Ok(Results::open(home.join("evals.db"))?)
}

pub(super) fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The samples `spec` runs with `agent`.
fn plan(spec: &RunSpec, agent: &Agent) -> anyhow::Result<Vec<runner::Planned>> {
    let filter = spec
        .filter
        .as_deref()
        .map(|glob| {
            globset::Glob::new(glob)
                .map(|g| g.compile_matcher())
                .map_err(|e| UsageError(format!("--filter {glob}: {e}")))
        })
        .transpose()?;
    let suites: Vec<PathBuf> = spec.suites.iter().map(PathBuf::from).collect();
    Ok(runner::plan(
        &suites,
        spec.samples_per_task,
        filter.as_ref(),
        Some(agent),
    )?)
}

/// Refuses a run whose judge would find a rubric it cannot use, before
/// anything runs.
fn check_rubrics(spec: &RunSpec, agent: &Agent) -> anyhow::Result<()> {
    for unit in plan(spec, agent)? {
        if let runner::Planned::Sample { task, .. } = unit {
            jig_eval::judge::Rubric::for_task(&task.dir, task.config.jig.rubric.as_ref())
                .map_err(|e| UsageError(format!("task {}: {e}", task.name)))?;
        }
    }
    Ok(())
}

/// `--in-place` deletes the suites from this filesystem while the agent
/// runs: only a pod's copy of them, and for one sample (one container).
fn check_in_place(suites: &[PathBuf], planned: &[runner::Planned]) -> anyhow::Result<()> {
    use jig_eval::runner::in_place::{SUITES_IN_IMAGE, deletable_suite};
    if let Some(suite) = suites.iter().find(|s| !deletable_suite(s)) {
        return Err(UsageError(format!(
            "--in-place deletes the suites while the agent runs, so it takes only suites under {SUITES_IN_IMAGE}/              (a pod's own copy), not {}",
            suite.display()
        ))
        .into());
    }
    let samples = planned
        .iter()
        .filter(|p| matches!(p, runner::Planned::Sample { .. }))
        .count();
    if samples > 1 {
        return Err(UsageError(format!(
            "--in-place runs one sample per container, and this slice holds {samples}; narrow it with --filter and --shard"
        ))
        .into());
    }
    Ok(())
}

/// `jig eval run`.
pub fn run(mut args: EvalRunArgs) -> anyhow::Result<u8> {
    let home = home()?;
    let mut results = open_results(&home)?;
    let resumed = args.resume.as_deref().map(|prefix| results.run(prefix)).transpose()?;
    if let (Some(stored), None) = (&resumed, args.runner) {
        // A resumed run keeps its runner: a Kubernetes run left its settings.
        let jig_home = std::fs::canonicalize(&home).unwrap_or_else(|_| home.clone());
        if super::kubernetes::started_there(&runner::work_dir(&jig_home, &stored.id)) {
            args.runner = Some(RunnerKind::Kubernetes);
        }
    }
    super::kubernetes::check_args(&args)?;
    let (run_id, spec) = match resumed {
        Some(stored) => (stored.id, stored.spec),
        None => {
            let suites: Vec<String> = args
                .suites
                .iter()
                .map(|s| {
                    std::fs::canonicalize(s)
                        .map(|p| p.display().to_string())
                        .with_context(|| format!("cannot find the suite {}", s.display()))
                })
                .collect::<anyhow::Result<_>>()?;
            let agent = Agent::parse(&args.agent, args.model.as_deref()).map_err(UsageError)?;
            // One more sample than cores: a sample is a chain of short
            // processes, and with one per core a core idles at every hand-off
            // (`jig bench eval` on 2 cores: 1.63x at 2, 1.72-1.89x at 3).
            let concurrency = args
                .concurrency
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32) + 1);
            let spec = RunSpec {
                suites,
                agent: args.agent.clone(),
                model: agent.model(),
                samples_per_task: args.samples,
                concurrency,
                filter: args.filter.clone(),
                judge: args.judge.clone(),
                user_model: args.user_model.clone(),
                started_at: now(),
                jig_version: env!("CARGO_PKG_VERSION").to_owned(),
            };
            if spec.judge.is_some() {
                check_rubrics(&spec, &agent)?;
            }
            if args.batch {
                super::batch::resolve(&args, &spec)?;
            }
            if args.dry_run {
                (RunId::unstored(), spec)
            } else {
                (results.create_run(&spec)?, spec)
            }
        }
    };
    let model = (spec.model != "-").then_some(spec.model.as_str());
    let agent = Agent::parse(&spec.agent, model).map_err(UsageError)?;
    let planned = plan(&spec, &agent)?;
    let planned = match args.shard {
        Some(shard) => shard.take(planned),
        None => planned,
    };
    let suites: Vec<PathBuf> = spec.suites.iter().map(PathBuf::from).collect();
    if planned.is_empty() && args.shard.is_none() {
        return Err(UsageError(format!(
            "no task to run in {}{}",
            spec.suites.join(", "),
            spec.filter
                .as_deref()
                .map(|f| format!(" matching {f}"))
                .unwrap_or_default()
        ))
        .into());
    }
    if args.in_place {
        check_in_place(&suites, &planned)?;
    }
    let jig_home = std::fs::canonicalize(&home).unwrap_or(home);
    if args.on_kubernetes() {
        let work_dir = runner::work_dir(&jig_home, &run_id);
        return super::kubernetes::run(&args, &mut results, &run_id, &spec, planned, work_dir);
    }
    let options = RunnerOptions {
        agent,
        concurrency: spec.concurrency,
        jig_exe: std::env::current_exe().context("cannot find jig's own executable")?,
        work_dir: runner::work_dir(&jig_home, &run_id),
        batch: super::batch::options(&args, &spec, &runner::work_dir(&jig_home, &run_id))?,
        jig_home,
        trait_options: TraitOptions::default(),
        judge: spec.judge.as_deref().map(super::judge::build_judge).transpose()?,
        user_driver: match spec.user_model.as_deref() {
            Some(model) => {
                jig_eval::interview::Driver::Model(super::judge::model_client(model, "the simulated user")?.0)
            }
            None => jig_eval::interview::Driver::Scripted,
        },
        in_place: args.in_place,
    };
    let show_progress = !args.json && std::io::stderr().is_terminal();
    if !args.json {
        eprintln!("eval run {run_id}: agent {}, model {}", spec.agent, spec.model);
    }
    let cancel = CancellationToken::new();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let outcome = runtime.block_on(async {
        let watcher = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                watcher.cancel();
            }
        });
        let mut bar = Bar::new(show_progress, args.json);
        runner::run(&mut results, &run_id, planned, &suites, &options, &cancel, |p| {
            bar.update(&p)
        })
        .await?;
        bar.finish();
        anyhow::Ok(())
    });
    outcome?;
    if cancel.is_cancelled() {
        eprintln!("interrupted: finish it with `jig eval run --resume {run_id}`");
        return Ok(exit::INTERRUPTED);
    }
    if let (Some(shard), true) = (args.shard, args.archive) {
        return super::kubernetes::print_archive(shard, &results, &options.work_dir);
    }
    results.finish_run(&run_id, &now())?;
    let summary = results.summary(&run_id)?;
    let batch = super::batch::report(&options.work_dir)?;
    match (&batch, args.json) {
        (Some(batch), true) => super::batch::print_json(&results, &run_id, &summary, batch)?,
        (None, true) => print_json(&results, &run_id, &summary)?,
        (_, false) => print_summary(&summary),
    }
    if let (Some(batch), false) = (&batch, args.json) {
        super::batch::print_report(batch);
    }
    let all_passed = summary.passed == summary.samples;
    Ok(if all_passed { exit::COMPLETED } else { exit::FAILED })
}

/// The progress bar, or one line per sample when there is no terminal.
struct Bar {
    bar: Option<ProgressBar>,
    quiet: bool,
    passed: u64,
    ran: u64,
}

impl Bar {
    fn new(show: bool, quiet: bool) -> Bar {
        let bar = show.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} samples, ETA {eta}, {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Bar {
            bar,
            quiet,
            passed: 0,
            ran: 0,
        }
    }

    fn update(&mut self, progress: &Progress) {
        match progress {
            Progress::Planned { total, done } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(*total as u64);
                    bar.set_position(*done as u64);
                    bar.reset_eta();
                } else if !self.quiet {
                    eprintln!("{total} samples, {done} already done");
                }
            }
            Progress::Finished(sample) => {
                self.ran += 1;
                if sample.status == SampleStatus::Passed {
                    self.passed += 1;
                }
                let rate = format!("pass rate {:.0}%", 100.0 * self.passed as f64 / self.ran as f64);
                match &self.bar {
                    Some(bar) => {
                        bar.inc(1);
                        bar.set_message(rate);
                    }
                    None if !self.quiet => {
                        eprintln!(
                            "{} #{}: {} ({rate})",
                            sample.task,
                            sample.sample_index,
                            status_text(&sample.status)
                        );
                    }
                    None => {}
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn status_text(status: &SampleStatus) -> String {
    match status {
        SampleStatus::Passed => "passed".into(),
        SampleStatus::Failed => "failed".into(),
        SampleStatus::Error { reason } => format!("error: {reason}"),
        SampleStatus::NeedsContainer { line, text } => format!("needs-container (line {line}: {text})"),
    }
}

pub(super) fn print_json(results: &Results, run: &RunId, summary: &RunSummary) -> anyhow::Result<()> {
    let samples = results.samples(run)?;
    let report = serde_json::json!({ "run_id": run.as_str(), "summary": summary, "samples": samples });
    println!("{report}");
    Ok(())
}

pub(super) fn print_summary(summary: &RunSummary) {
    let pct = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{:.1}%", 100.0 * v));
    println!(
        "run {}: {} samples, {} passed, {} failed, {} errors, {} need a container; pass rate {}",
        summary.run.id,
        summary.samples,
        summary.passed,
        summary.failed,
        summary.errors,
        summary.needs_container,
        pct(summary.pass_rate)
    );
    if let Some(mean) = summary.mean_reward {
        println!("  mean reward {mean:.3}");
    }
    for p in &summary.pass_at_k {
        println!("  pass@{} {:.3}", p.k, p.value);
    }
    for rate in summary.trait_rates.iter().filter(|r| r.applicable > 0) {
        println!(
            "  {:<28} {}/{} ({})",
            rate.name,
            rate.passed,
            rate.applicable,
            pct(rate.pass_rate)
        );
    }
    if let Some(per) = &summary.per_sample {
        println!(
            "  per sample: {:.0} input tokens ({:.0} cached), {:.0} output, agent {:.0} ms, verifier {:.0} ms{}",
            per.input_tokens,
            per.cached_input_tokens,
            per.output_tokens,
            per.agent_ms,
            per.verifier_ms,
            per.cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default()
        );
    }
    if let Some(judge) = &summary.judge {
        print_judge_summary(judge);
    }
}

/// The judge's part of a summary: its verdict counts, each criterion's
/// mean, its own tokens and cost.
pub(super) fn print_judge_summary(judge: &JudgeSummary) {
    println!(
        "  judge {}: {} graded, {} ungraded; {} input tokens, {} output{}",
        judge.judges.join(", "),
        judge.graded,
        judge.ungraded,
        judge.usage.input_tokens,
        judge.usage.output_tokens,
        judge.cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default()
    );
    for criterion in &judge.criteria {
        println!(
            "    {:<26} mean {:.2} ({:.0}%) over {}",
            criterion.criterion,
            criterion.mean,
            100.0 * criterion.mean_normalised,
            criterion.samples
        );
    }
}

/// `jig eval list`.
pub fn list(json: bool) -> anyhow::Result<u8> {
    let results = open_results(&home()?)?;
    let runs = results.list_runs()?;
    if json {
        println!("{}", serde_json::to_string(&runs)?);
        return Ok(exit::COMPLETED);
    }
    for run in runs {
        let summary = results.summary(&run.id)?;
        println!(
            "{}  {}  agent {} model {}  {}/{} passed{}",
            run.id,
            run.spec.started_at,
            run.spec.agent,
            run.spec.model,
            summary.passed,
            summary.samples,
            if run.finished_at.is_none() {
                "  (unfinished: --resume it)"
            } else {
                ""
            }
        );
    }
    Ok(exit::COMPLETED)
}

/// `jig eval show RUN`.
pub fn show(prefix: &str, json: bool) -> anyhow::Result<u8> {
    let results = open_results(&home()?)?;
    let run = results.run(prefix)?;
    let summary = results.summary(&run.id)?;
    if json {
        print_json(&results, &run.id, &summary)?;
        return Ok(exit::COMPLETED);
    }
    print_summary(&summary);
    for sample in results.samples(&run.id)? {
        let failed: Vec<&str> = sample
            .traits
            .iter()
            .filter(|t| t.applicable && !t.passed)
            .map(|t| t.name.as_str())
            .collect();
        println!(
            "  {} #{}: {}{}{}",
            sample.task,
            sample.sample_index,
            status_text(&sample.status),
            sample
                .reward
                .as_ref()
                .and_then(|r| r.primary())
                .map(|r| format!(", reward {r}"))
                .unwrap_or_default(),
            if failed.is_empty() {
                String::new()
            } else {
                format!(", traits missed: {}", failed.join(", "))
            }
        );
        if let Some(judgement) = &sample.judgement {
            println!("      judge: {}", super::judge::judgement_text(judgement));
        }
    }
    Ok(exit::COMPLETED)
}

/// `jig eval regrade RUN`.
pub fn regrade(prefix: &str) -> anyhow::Result<u8> {
    let mut results = open_results(&home()?)?;
    let run = results.run(prefix)?;
    let suites: Vec<PathBuf> = run.spec.suites.iter().map(PathBuf::from).collect();
    let count = runner::regrade(&mut results, &run.id, &suites, &TraitOptions::default())?;
    println!("re-graded {count} samples of run {}", run.id);
    Ok(exit::COMPLETED)
}

//! `jig bench eval [SUITE]`: the eval runner on a scripted suite at
//! concurrency 1 and 2, and what a sample costs over a bare `jig exec` of the
//! same script, all in the same run.
//!
//! The suite (default: the repository's `evals/core`) runs with each task's
//! reference script through [`runner::run`], in process, exactly as
//! `jig eval run SUITE --model reference` drives it: jig's own executable as
//! the view helper and the agent, results recorded in SQLite. Each run gets
//! a fresh scratch `JIG_HOME` (the runner passes it to the agent itself), so
//! no run finds another's database or sessions, and the user's is never
//! touched. Rounds interleave three sides (concurrency 1, concurrency 2,
//! the bare execs), rotating which goes first, so load from elsewhere falls
//! on all of them; one untimed pass of the bare execs first warms the caches
//! and finds the tasks whose script does not run bare.
//!
//! The reference for a sample is `jig exec` of the task's reference script,
//! instruction on stdin, in a temporary copy of the task's working directory
//! (laid out by [`materialise`], as the runner does), with no view and no
//! verifier. At concurrency 1 the runner's samples run one at a time, so the
//! time between two of its progress reports is one whole sample: view
//! set-up, agent, verifier, grading and recording. Both that and the agent
//! time the runner records are compared per task (median over rounds) with
//! the bare exec's wall time.
//!
//! CPU time (the runner's own, and its views' processes, each waited for)
//! over wall time says how many cores a side kept busy; the same figure for
//! the whole machine (`/proc/stat`) shows load from elsewhere. Concurrency 2
//! cannot beat the cores there are over what concurrency 1 keeps busy, and
//! the bench prints that bound next to the speed-up.
//!
//! Invariant: the bench never hides a broken suite: every sample that did
//! not pass, and every task whose bare exec failed (and so is left out of
//! the comparison), is printed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use jig_eval::dockerfile::materialise;
use jig_eval::results::{Results, RunSpec, SampleStatus};
use jig_eval::runner::{self, Agent, Planned, Progress, RunnerOptions};
use jig_eval::task::Task;
use jig_eval::traits::TraitOptions;
use jig_protocol::{Event, RolloutRecord, TurnOutcome};
use tokio_util::sync::CancellationToken;

use super::loop_gap::{children_cpu_time, cpu_time};
use super::{median, ms};
use crate::exit;

/// The speed-up concurrency 2 should reach on 2 cores.
const TARGET_SPEED_UP: f64 = 1.8;

/// The three sides of a round.
#[derive(Clone, Copy)]
enum Side {
    /// The runner, this many samples at once.
    Runner(u32),
    /// `jig exec` of each task's script, one after another.
    Bare,
}

/// What the bench runs with.
struct Bench {
    suite: PathBuf,
    planned: Vec<Planned>,
    tasks: Vec<Arc<Task>>,
    jig_exe: PathBuf,
    scratch: PathBuf,
}

/// One sample of a runner round.
struct Sample {
    task: String,
    status: SampleStatus,
    agent: Duration,
    verifier: Duration,
    /// From the previous progress report to this one: the whole sample when
    /// the runner runs one at a time.
    whole: Duration,
    rollout: Option<PathBuf>,
    /// How the agent's turn ended, when it did not complete (a verifier can
    /// pass a sample whose script broke off after its edits).
    unfinished: Option<String>,
}

/// One runner round.
struct RunnerRound {
    wall: Duration,
    cpu: Duration,
    children_cpu: Duration,
    /// Cores the whole machine kept busy (this bench and anything else).
    machine_busy: f64,
    samples: Vec<Sample>,
}

/// Every round of one concurrency.
#[derive(Default)]
struct RunnerSide {
    rounds: Vec<RunnerRound>,
}

/// `jig bench eval [SUITE] --rounds N`.
pub fn eval(suite: Option<&Path>, rounds: u32) -> anyhow::Result<u8> {
    let rounds = rounds.max(1);
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let bench = Bench::new(suite, scratch.path())?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;

    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    bench.bare_round("warm-up", &mut failures)?;
    let (mut c1, mut c2, mut cd) = (RunnerSide::default(), RunnerSide::default(), RunnerSide::default());
    let mut bare: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    // `jig eval run`'s default: one more sample than cores.
    let default = u32::try_from(std::thread::available_parallelism().map_or(1, |n| n.get())).unwrap_or(1) + 1;
    let mut sides = vec![Side::Runner(1), Side::Runner(2), Side::Bare];
    if default > 2 {
        sides.insert(2, Side::Runner(default));
    }
    for round in 0..rounds {
        for &side in &sides {
            let label = match side {
                Side::Runner(concurrency) => format!("round-{round}-c{concurrency}"),
                Side::Bare => format!("round-{round}-bare"),
            };
            match side {
                Side::Runner(concurrency) => {
                    let measured = runtime.block_on(bench.runner_round(&label, concurrency))?;
                    let side = match concurrency {
                        1 => &mut c1,
                        2 => &mut c2,
                        _ => &mut cd,
                    };
                    side.rounds.push(measured);
                }
                Side::Bare => {
                    for (task, took) in bench.bare_round(&label, &mut failures)? {
                        bare.entry(task).or_default().push(took);
                    }
                }
            }
        }
        sides.rotate_left(1);
    }
    runtime.shutdown_timeout(Duration::from_millis(100));
    bare.retain(|task, _| !failures.contains_key(task));

    println!(
        "bench eval: {} ({} samples, model reference), {rounds} rounds interleaved, median of rounds",
        bench.suite.display(),
        bench.planned.len()
    );
    print_concurrency(&c1, &c2, bench.planned.len());
    print_default(&c1, &cd, default, bench.planned.len());
    print_checks(&c1, &c2, rounds, bench.planned.len());
    print_overhead(&c1, &bare, &failures, bench.planned.len());
    Ok(exit::COMPLETED)
}

impl Bench {
    fn new(suite: Option<&Path>, scratch: &Path) -> anyhow::Result<Bench> {
        let suite = match suite {
            Some(suite) => suite.to_path_buf(),
            None => default_suite()?,
        };
        let suite =
            std::fs::canonicalize(&suite).with_context(|| format!("cannot find the suite {}", suite.display()))?;
        let agent = reference_agent()?;
        let planned = runner::plan(std::slice::from_ref(&suite), 1, None, Some(&agent))?;
        anyhow::ensure!(
            !planned.is_empty(),
            "no task with a [jig] reference_script in {}",
            suite.display()
        );
        let tasks = planned
            .iter()
            .filter_map(|unit| match unit {
                Planned::Sample { task, .. } => Some(Arc::clone(task)),
                Planned::Broken { .. } => None,
            })
            .collect();
        Ok(Bench {
            suite,
            planned,
            tasks,
            jig_exe: std::env::current_exe().context("cannot find jig's own executable")?,
            scratch: scratch.to_path_buf(),
        })
    }

    /// The suite through the runner, `concurrency` at a time, in a fresh
    /// `JIG_HOME` that is removed afterwards.
    async fn runner_round(&self, label: &str, concurrency: u32) -> anyhow::Result<RunnerRound> {
        let dir = self.scratch.join(label);
        let home = dir.join("home");
        std::fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
        let home = std::fs::canonicalize(&home)?;
        let (cpu_before, children_before) = (cpu_time(), children_cpu_time());
        let machine_before = machine_ticks();
        let started = Instant::now();
        let mut results = Results::open(home.join("evals.db"))?;
        let run_id = results.create_run(&RunSpec {
            suites: vec![self.suite.display().to_string()],
            agent: "jig".into(),
            model: "reference".into(),
            samples_per_task: 1,
            concurrency,
            filter: None,
            judge: None,
            user_model: None,
            started_at: now(),
            jig_version: env!("CARGO_PKG_VERSION").to_owned(),
        })?;
        let options = RunnerOptions {
            agent: reference_agent()?,
            concurrency,
            jig_exe: self.jig_exe.clone(),
            jig_home: home.clone(),
            work_dir: runner::work_dir(&home, &run_id),
            trait_options: TraitOptions::default(),
            judge: None,
            batch: None,
            user_driver: jig_eval::interview::Driver::Scripted,
            in_place: false,
        };
        let cancel = CancellationToken::new();
        let mut samples = Vec::new();
        let mut last = Instant::now();
        let suites = [self.suite.clone()];
        runner::run(
            &mut results,
            &run_id,
            self.planned.clone(),
            &suites,
            &options,
            &cancel,
            |p| {
                let now = Instant::now();
                if let Progress::Finished(result) = p {
                    samples.push(Sample {
                        task: result.task,
                        status: result.status,
                        agent: Duration::from_millis(result.agent_ms),
                        verifier: Duration::from_millis(result.verifier_ms),
                        whole: now - last,
                        rollout: result.rollout_path,
                        unfinished: None,
                    });
                }
                last = now;
            },
        )
        .await?;
        results.finish_run(&run_id, &now())?;
        let wall = started.elapsed();
        for sample in &mut samples {
            sample.unfinished = unfinished_turn(sample.rollout.as_deref());
        }
        let measured = RunnerRound {
            wall,
            cpu: cpu_time().saturating_sub(cpu_before),
            children_cpu: children_cpu_time().saturating_sub(children_before),
            machine_busy: machine_cores_busy(machine_before, machine_ticks()),
            samples,
        };
        drop(results);
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        Ok(measured)
    }

    /// One bare `jig exec` of every task not yet in `failures`; a task
    /// whose exec fails joins `failures`.
    fn bare_round(
        &self,
        label: &str,
        failures: &mut BTreeMap<String, String>,
    ) -> anyhow::Result<Vec<(String, Duration)>> {
        let dir = self.scratch.join(label);
        let home = dir.join("home");
        std::fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
        let mut times = Vec::new();
        for (i, task) in self.tasks.iter().enumerate() {
            if failures.contains_key(&task.name) {
                continue;
            }
            match self.bare_exec(task, &dir.join(i.to_string()), &home) {
                Ok(took) => times.push((task.name.clone(), took)),
                Err(why) => {
                    failures.insert(task.name.clone(), why);
                }
            }
        }
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        Ok(times)
    }

    /// `jig exec` of `task`'s reference script in a fresh copy of its
    /// working directory under `dir`; its wall time, or why it failed.
    fn bare_exec(&self, task: &Task, dir: &Path, home: &Path) -> Result<Duration, String> {
        let env = task.local_environment().ok_or("its environment needs a container")?;
        let script = task
            .config
            .jig
            .reference_script
            .as_ref()
            .map(|script| task.dir.join(script))
            .ok_or("it has no reference script")?;
        let root = dir.join("root");
        materialise(env, &task.environment_dir, &root).map_err(|e| format!("cannot lay out its files: {e}"))?;
        let workdir = task.config.environment.workdir.as_deref().unwrap_or(&env.workdir);
        let cwd = root.join(workdir.trim_start_matches('/'));
        std::fs::create_dir_all(&cwd).map_err(|e| format!("cannot create {}: {e}", cwd.display()))?;
        let output =
            |name: &str| std::fs::File::create(dir.join(name)).map_err(|e| format!("cannot create {name}: {e}"));
        let mut command = Command::new(&self.jig_exe);
        command
            .args(["exec", "--json", "--ask-for-approval", "never", "--model"])
            .arg(format!("scripted:{}", script.display()))
            .arg("-C")
            .arg(&cwd)
            .arg("-")
            .current_dir(&cwd)
            .env("JIG_HOME", home)
            .envs(env.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(output("stdout")?)
            .stderr(output("stderr")?);
        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| format!("cannot start jig exec: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A script that never reads its input closes the pipe; that is its business.
            let _ = stdin.write_all(task.instruction.as_bytes());
        }
        let status = child.wait().map_err(|e| format!("cannot wait for jig exec: {e}"))?;
        let took = started.elapsed();
        if status.success() {
            return Ok(took);
        }
        Err(format!("`jig exec` exited with {status}: {}", last_words(dir, &script)))
    }
}

/// `evals/core` here, else the one in the source tree jig was built from.
fn default_suite() -> anyhow::Result<PathBuf> {
    let candidates = [
        PathBuf::from("evals/core"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../evals/core"),
    ];
    candidates
        .into_iter()
        .find(|dir| dir.is_dir())
        .context("no suite given and no evals/core here or in jig's source tree; name a suite directory")
}

fn reference_agent() -> anyhow::Result<Agent> {
    Agent::parse("jig", Some("reference")).map_err(|e| anyhow::anyhow!(e))
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Why a bare exec failed: the turn's error from its last JSON event (the
/// script's path shortened), else the last line of its stderr, shortened.
fn last_words(dir: &Path, script: &Path) -> String {
    let last = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .ok()
            .and_then(|text| text.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_owned))
    };
    let error = last("stdout")
        .and_then(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .and_then(|event| event["outcome"]["error"].as_str().map(str::to_owned));
    let text = error
        .or_else(|| last("stderr"))
        .unwrap_or_else(|| "no output".into())
        .replace(&script.display().to_string(), "SCRIPT");
    shortened(&text)
}

/// How the last turn in `rollout` ended when it did not complete; `None`
/// when it completed.
fn unfinished_turn(rollout: Option<&Path>) -> Option<String> {
    let Some(path) = rollout else {
        return Some("no rollout was kept".into());
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return Some(format!("cannot read its rollout {}", path.display()));
    };
    let outcome = text
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<RolloutRecord>(line).ok())
        .filter_map(|record| match record {
            RolloutRecord::Event {
                event: Event::TurnCompleted { outcome, .. },
            } => Some(outcome),
            _ => None,
        })
        .next();
    let how = match outcome? {
        TurnOutcome::Completed => return None,
        TurnOutcome::Failed { error, .. } => format!("failed: {error}"),
        other => format!("{other:?}"),
    };
    Some(shortened(&how))
}

/// `text` on one line, at most 240 characters.
fn shortened(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(240) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Busy and total CPU ticks of the whole machine so far (`/proc/stat`).
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    let total: u64 = ticks.iter().sum();
    // idle and iowait are the 4th and 5th fields.
    let idle = ticks.get(3)? + ticks.get(4).unwrap_or(&0);
    Some((total - idle, total))
}

/// Cores busy between two readings of [`machine_ticks`]; NaN where
/// `/proc/stat` cannot be read.
fn machine_cores_busy(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> f64 {
    let (Some((busy0, total0)), Some((busy1, total1))) = (before, after) else {
        return f64::NAN;
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (busy1.saturating_sub(busy0)) as f64 / (total1.saturating_sub(total0)).max(1) as f64 * cpus as f64
}

fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

impl RunnerSide {
    fn median_of(&self, f: impl Fn(&RunnerRound) -> Duration) -> Duration {
        median(&self.rounds.iter().map(f).collect::<Vec<_>>())
    }

    /// Per task, the median over rounds of `f` of its sample.
    fn per_task(&self, f: impl Fn(&Sample) -> Duration) -> BTreeMap<String, Duration> {
        let mut all: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
        for sample in self.rounds.iter().flat_map(|r| &r.samples) {
            all.entry(sample.task.clone()).or_default().push(f(sample));
        }
        all.into_iter().map(|(task, times)| (task, median(&times))).collect()
    }
}

fn print_concurrency(c1: &RunnerSide, c2: &RunnerSide, samples: usize) {
    let n = samples as f64;
    let (wall1, wall2) = (c1.median_of(|r| r.wall), c2.median_of(|r| r.wall));
    let (cpu1, cpu2) = (c1.median_of(|r| r.cpu), c2.median_of(|r| r.cpu));
    let (children1, children2) = (c1.median_of(|r| r.children_cpu), c2.median_of(|r| r.children_cpu));
    let busy = |cpu: Duration, children: Duration, wall: Duration| (cpu + children).as_secs_f64() / wall.as_secs_f64();
    let (busy1, busy2) = (busy(cpu1, children1, wall1), busy(cpu2, children2, wall2));
    println!(
        "  {:<40} {:>22} {:>16} {:>8}",
        "runner (`jig eval run --model reference`)", "concurrency 1 (ref)", "concurrency 2", "ratio"
    );
    let rows = [
        ("wall / round", ms(wall1), ms(wall2), "ms"),
        (
            "samples per second",
            n / wall1.as_secs_f64(),
            n / wall2.as_secs_f64(),
            "/s",
        ),
        ("wall / sample", ms(wall1) / n, ms(wall2) / n, "ms"),
        ("CPU, runner process", ms(cpu1), ms(cpu2), "ms"),
        ("CPU, views (agents, verifiers)", ms(children1), ms(children2), "ms"),
        ("cores busy (CPU / wall)", busy1, busy2, ""),
        (
            "cores busy, whole machine (others too)",
            median_f64(c1.rounds.iter().map(|r| r.machine_busy).collect()),
            median_f64(c2.rounds.iter().map(|r| r.machine_busy).collect()),
            "",
        ),
    ];
    for (name, one, two, unit) in rows {
        println!(
            "  {name:<40} {one:>18.2} {unit:<3} {two:>12.2} {unit:<3} {:>7.2}x",
            two / one
        );
    }
    let speed_up = wall1.as_secs_f64() / wall2.as_secs_f64();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Concurrency 2 cannot beat the cores there are over the cores one
    // sample at a time keeps busy.
    let bound = (cpus.min(2) as f64 / busy1).min(2.0);
    println!(
        "  speed-up (concurrency 1 wall / concurrency 2 wall): {speed_up:.2}x; target >= {TARGET_SPEED_UP:.1}x on 2 cores: {} \
         ({cpus} CPUs here; one at a time keeps {busy1:.2} cores busy, so at most {bound:.2}x)",
        if speed_up >= TARGET_SPEED_UP { "met" } else { "MISSED" }
    );
}

/// The runner at `jig eval run`'s default concurrency against one at a time.
fn print_default(c1: &RunnerSide, cd: &RunnerSide, default: u32, samples: usize) {
    if cd.rounds.is_empty() {
        return;
    }
    let (wall1, walld) = (c1.median_of(|r| r.wall), cd.median_of(|r| r.wall));
    println!(
        "  at the default concurrency {default} (CPUs + 1): {:.2} ms / round, {:.2} samples/s, speed-up {:.2}x over concurrency 1",
        ms(walld),
        samples as f64 / walld.as_secs_f64(),
        wall1.as_secs_f64() / walld.as_secs_f64()
    );
}

/// Every sample that did not pass, or passed with its agent's turn broken
/// off: one line per task and kind of problem, with how many runs it
/// happened in and the first run's details.
fn print_checks(c1: &RunnerSide, c2: &RunnerSide, rounds: u32, samples: usize) {
    let runs = c1.rounds.len() + c2.rounds.len();
    let mut problems: BTreeMap<(String, &str), (usize, String)> = BTreeMap::new();
    for measured in c1.rounds.iter().chain(&c2.rounds) {
        if measured.samples.len() != samples {
            let what = format!(": {} of {samples} reported", measured.samples.len());
            problems
                .entry(("samples".into(), "went missing"))
                .or_insert((0, what))
                .0 += 1;
        }
        for sample in &measured.samples {
            let (kind, details) = match (&sample.status, &sample.unfinished) {
                (SampleStatus::Passed, None) => continue,
                (SampleStatus::Passed, Some(how)) => ("passed, but the agent's turn did not complete", how.clone()),
                (SampleStatus::Failed, _) => ("did not pass: failed", String::new()),
                (SampleStatus::Error { reason }, _) => ("did not pass: error", shortened(reason)),
                (SampleStatus::NeedsContainer { line, text }, _) => {
                    ("did not pass: needs a container", format!("line {line}: {text}"))
                }
            };
            let details = if details.is_empty() {
                details
            } else {
                format!(": {details}")
            };
            problems.entry((sample.task.clone(), kind)).or_insert((0, details)).0 += 1;
        }
    }
    for ((task, kind), (count, details)) in &problems {
        println!("  warning: {task} {kind} in {count} of {runs} runs{details}");
    }
    if problems.is_empty() {
        println!(
            "  checked: {samples}/{samples} samples passed, every agent turn completed, \
             in each of {rounds} rounds at concurrency 1 and 2"
        );
    }
}

fn print_overhead(
    c1: &RunnerSide,
    bare: &BTreeMap<String, Vec<Duration>>,
    failures: &BTreeMap<String, String>,
    samples: usize,
) {
    let agent = c1.per_task(|s| s.agent);
    let whole = c1.per_task(|s| s.whole);
    let verifier = c1.per_task(|s| s.verifier);
    let compared: Vec<(&String, Duration)> = bare
        .iter()
        .filter(|(task, _)| agent.contains_key(*task) && whole.contains_key(*task))
        .map(|(task, times)| (task, median(times)))
        .collect();
    println!(
        "  per-sample overhead at concurrency 1 against a bare `jig exec` of the same script \
         ({} of {samples} tasks; median per task over rounds, mean over tasks):",
        compared.len()
    );
    if compared.is_empty() {
        println!("  no task ran bare; nothing to compare");
    } else {
        let n = compared.len() as f64;
        let mean = |map: &BTreeMap<String, Duration>| {
            compared
                .iter()
                .filter_map(|(task, _)| map.get(*task))
                .map(|d| ms(*d))
                .sum::<f64>()
                / n
        };
        let reference = compared.iter().map(|(_, d)| ms(*d)).sum::<f64>() / n;
        let (agent, whole, verifier) = (mean(&agent), mean(&whole), mean(&verifier));
        println!(
            "  {:<52} {reference:>9.1} ms/sample",
            "bare `jig exec` (no view, no verifier; ref)"
        );
        for (name, value) in [
            ("agent inside the runner (its view, `jig exec`)", agent),
            ("whole sample (view set-up, agent, verifier, record)", whole),
        ] {
            println!(
                "  {name:<52} {value:>9.1} ms/sample {:>7.2}x {:>+9.1} ms/sample",
                value / reference,
                value - reference
            );
        }
        println!(
            "    {:<50} {verifier:>9.1} ms/sample",
            "of which the verifier (its view, test.sh)"
        );
        println!(
            "    {:<50} {:>9.1} ms/sample",
            "of which layout, hidden checks, grading, record",
            whole - agent - verifier
        );
    }
    for (task, why) in failures {
        println!("  left out: {task}: bare exec failed: {why}");
    }
}

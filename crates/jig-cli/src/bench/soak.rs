//! `jig bench soak`: one long in-process session, to show that per-request
//! time and memory stay flat as the session ages and compacts, and how long
//! resuming its rollout takes.
//!
//! Design: a real [`Session`] (per-record `fdatasync`, redactor, compaction
//! through the session's own provider) runs one turn of N model requests on
//! a [`ScriptedModel`]. Every response is a short text plus one tool call
//! cycling through `read_file` (files of 1 KiB to 64 KiB, the largest read
//! in 300-line pages), `list_dir`, `search` and, once a cycle,
//! `update_plan`. Every response can also serve as a compaction summary
//! (its text becomes the summary), because the scripted provider's position
//! counts summary requests too. Compaction runs with a 16k-token window so
//! it fires every few requests. `shell` is left out on purpose: spawning a
//! process (and the sandbox helper) would dominate each request and measure
//! the OS, not jig.
//!
//! The turn stops at `max_turns = N`, which counts summary requests as well,
//! so N is the number of model requests of every kind. Progress is driven by
//! events alone (`token_usage` per sampled request, `compaction_completed`
//! per summary request). Resume is timed as `scan_rollout` folding every
//! record into a `Rebuilder` — the work `Session::resume` does before it
//! reopens the file — against a plain read of the same file in the same run. Nothing here asserts a time: the
//! verdict line only reports whether growth stayed within 10%.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jig_core::compaction::CompactionConfig;
use jig_core::resume::{Rebuilder, Rebuilt};
use jig_core::rollout::scan_rollout;
use jig_core::{Session, SessionConfig};
use jig_model::scripted::{ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_protocol::{Event, Op, TurnOutcome};
use jig_tools::ToolRouter;
use serde_json::json;

use super::peak_rss_mib;
use crate::exit;

/// Model requests per progress line.
const WINDOW: u64 = 1000;
/// Growth past which a window is not called flat.
const FLAT_PERCENT: f64 = 10.0;
/// Runs of each resume measurement; the median is reported.
const RESUME_RUNS: usize = 3;

/// `jig bench soak --turns N`.
pub async fn soak(turns: u32) -> anyhow::Result<u8> {
    let turns = turns.max(1);
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    // The session home sits beside the workspace, never in it, so `search`
    // and `list_dir` do not walk the growing rollout.
    let workspace = scratch.path().join("ws");
    write_workspace(&workspace)?;
    let compaction = CompactionConfig {
        auto: true,
        context_window: 16_000,
        threshold: 0.8,
        keep_recent_tokens: 3_000,
        template: None,
        tiktoken: false,
    };
    println!(
        "bench soak: {turns} model requests in one session, scripted model, compaction at {} of a \
         {}-token window (keeps {})",
        compaction.limit(),
        compaction.context_window,
        compaction.keep_recent_tokens
    );
    println!(
        "  tools cycle read_file (1 KiB to 64 KiB), list_dir, search, update_plan; no shell; \
         rollout synced per record"
    );
    let config = SessionConfig {
        cwd: workspace.clone(),
        home: scratch.path().join("home"),
        model_spec: "scripted:soak".into(),
        instructions: "You are soaking jig: follow the script.".into(),
        dialect: "generic".into(),
        max_turns: Some(turns),
        limits: Default::default(),
        redactor: Default::default(),
        guard: Default::default(),
        compaction,
        fault_kill_after_records: None,
        path_prefix: None,
        parent_session_id: None,
    };
    // A few spare responses: a compaction right before the limit may take one more.
    let model = Arc::new(ScriptedModel::new("soak", script(turns as usize + 8)));
    let session = Session::create(&config, model, ToolRouter::builtin())?;
    let run = drive(session, turns).await?;
    let rss_after_run = current_rss_mib();

    report_flatness(&run.windows);
    println!(
        "  compactions: {} ({:.1} model requests per compaction)",
        run.compactions,
        f64::from(turns) / run.compactions.max(1) as f64
    );
    println!(
        "  RSS at the end of the run: {rss_after_run:.1} MiB (session peak, getrusage: {:.1} MiB)",
        peak_rss_mib()
    );
    report_resume(&run.dir.join("rollout.jsonl"), turns)?;
    // `clear_refs` above reset the high-water mark, so this is the peak of
    // the resume timing runs (freed records stay in the heap between them).
    println!(
        "  peak RSS (getrusage) since the resume runs began: {:.1} MiB",
        peak_rss_mib()
    );
    Ok(exit::COMPLETED)
}

/// What the session run left behind.
struct Run {
    windows: Vec<Window>,
    compactions: u64,
    dir: std::path::PathBuf,
}

/// One progress window of [`WINDOW`] model requests (the last may be shorter).
#[derive(Debug, Clone, Copy)]
struct Window {
    requests: u64,
    elapsed: Duration,
    /// Process CPU time (user + system): unlike wall time, it does not
    /// include waiting on a disk that other work on the machine shares.
    cpu: Duration,
    rss_mib: f64,
}

impl Window {
    fn micros_per_request(&self) -> f64 {
        self.elapsed.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }

    fn cpu_micros_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }
}

/// User + system CPU time of the whole process so far.
fn cpu_time() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    let micros = |tv: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(tv.tv_sec()).unwrap_or(0))
            + Duration::from_micros(u64::try_from(tv.tv_usec()).unwrap_or(0))
    };
    getrusage(UsageWho::RUSAGE_SELF).map_or(Duration::ZERO, |usage| {
        micros(usage.user_time()) + micros(usage.system_time())
    })
}

/// Runs the one turn, printing a line per window; returns once the session
/// has shut down, so its rollout is complete and closed.
async fn drive(session: Session, turns: u32) -> anyhow::Result<Run> {
    let mut handle = session.spawn();
    let dir = handle.dir.clone();
    println!(
        "  {:>9}  {:>9}  {:>11}  {:>11}  {:>8}  {:>11}",
        "requests", "window s", "µs/request", "CPU µs/req", "RSS MiB", "compactions"
    );
    let (mut requests, mut compactions, mut last_error) = (0u64, 0u64, None);
    let mut windows = Vec::new();
    let mut window_start = (Instant::now(), 0u64, cpu_time());
    handle.submit(Op::UserInput {
        text: "Soak: keep reading, listing and searching until the step limit.".into(),
    });
    let outcome = loop {
        let Some(event) = handle.next_event().await else {
            anyhow::bail!("the session ended before its turn completed");
        };
        match event {
            Event::TokenUsage { .. } => requests += 1,
            Event::CompactionCompleted { .. } => {
                requests += 1;
                compactions += 1;
            }
            Event::Error { message } => last_error = Some(message),
            Event::TurnCompleted { outcome, .. } => break outcome,
            _ => continue,
        }
        let in_window = requests - window_start.1;
        if in_window == WINDOW {
            let window = Window {
                requests: in_window,
                elapsed: window_start.0.elapsed(),
                cpu: cpu_time().saturating_sub(window_start.2),
                rss_mib: current_rss_mib(),
            };
            print_window(requests, &window, compactions);
            windows.push(window);
            window_start = (Instant::now(), requests, cpu_time());
        }
    };
    handle.submit(Op::Shutdown);
    while handle.next_event().await.is_some() {}
    match outcome {
        TurnOutcome::MaxTurns { .. } | TurnOutcome::Completed => {}
        other => anyhow::bail!(
            "the soak session ended with {other:?} after {requests} model requests{}",
            last_error.map(|e| format!(" (last error: {e})")).unwrap_or_default()
        ),
    }
    let rest = requests - window_start.1;
    if rest > 0 {
        println!(
            "  (last {rest} requests, {:.2} s, not a full window)",
            window_start.0.elapsed().as_secs_f64()
        );
    }
    anyhow::ensure!(
        requests >= u64::from(turns),
        "the soak session made {requests} model requests, expected {turns}"
    );
    Ok(Run {
        windows,
        compactions,
        dir,
    })
}

fn print_window(requests: u64, window: &Window, compactions: u64) {
    println!(
        "  {requests:>9}  {:>9.2}  {:>11.1}  {:>11.1}  {:>8.1}  {compactions:>11}",
        window.elapsed.as_secs_f64(),
        window.micros_per_request(),
        window.cpu_micros_per_request(),
        window.rss_mib
    );
}

/// The verdict: the last full window against the second (the first is warm-up).
fn report_flatness(windows: &[Window]) {
    let (Some(second), Some(last)) = (windows.get(1), windows.get(2).and(windows.last())) else {
        println!("  flatness: needs at least 3 windows of {WINDOW} requests; run with more --turns");
        return;
    };
    let growth = |from: f64, to: f64| (to - from) / from * 100.0;
    let verdict = |percent: f64| {
        if percent <= FLAT_PERCENT { "flat" } else { "GROWING" }
    };
    let time = growth(second.micros_per_request(), last.micros_per_request());
    let cpu = growth(second.cpu_micros_per_request(), last.cpu_micros_per_request());
    let rss = growth(second.rss_mib, last.rss_mib);
    println!(
        "  flatness (window {} vs window 2, after warm-up; limit +{FLAT_PERCENT:.0}%): per-request wall time \
         {time:+.1}% ({}), CPU time {cpu:+.1}% ({}), RSS {rss:+.1}% ({})",
        windows.len(),
        verdict(time),
        verdict(cpu),
        verdict(rss)
    );
}

/// Times the streaming rebuild against reading the file and counting lines.
fn report_resume(path: &Path, turns: u32) -> anyhow::Result<()> {
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("cannot stat the rollout {}", path.display()))?
        .len();
    // Memory first, while the heap holds no freed records from timing runs;
    // the plain read's buffer is one mapping, returned whole when freed.
    let reference_peak = peak_growth_mib(|| Ok(std::fs::read(path)?.len()))?;
    let resume_peak = peak_growth_mib(|| Ok(stream_rebuild(path)?.items.len()))?;
    let reference = median(|| {
        let data = std::fs::read(path)?;
        Ok(data.iter().filter(|&&b| b == b'\n').count())
    })?;
    let read = median(|| {
        let mut count = 0;
        scan_rollout(path, |_| {
            count += 1;
            Ok(())
        })?;
        Ok(count)
    })?;
    let both = median(|| Ok(stream_rebuild(path)?.items.len()))?;
    let rebuilt = stream_rebuild(path)?;
    println!(
        "  resume: rollout {:.1} MiB, {} records ({:.1} per request); rebuilt context {} items, \
         {} compactions",
        bytes as f64 / (1024.0 * 1024.0),
        reference.1,
        reference.1 as f64 / f64::from(turns),
        rebuilt.items.len(),
        rebuilt.compactions
    );
    println!("    bytes by record type: {}", bytes_by_type(path)?);
    println!("    reference (fs::read + count lines): {:>9.1} ms", ms(reference.0));
    println!("    parse every record (streamed):      {:>9.1} ms", ms(read.0));
    println!("    parse + rebuild (as resume does):   {:>9.1} ms", ms(both.0));
    println!(
        "    ratio (parse + rebuild)/reference: {:.2}x",
        both.0.as_secs_f64() / reference.0.as_secs_f64()
    );
    println!("    RSS peak growth: parse + rebuild {resume_peak:.1} MiB, fs::read {reference_peak:.1} MiB");
    Ok(())
}

/// What `Session::resume` does with the file: stream and fold.
fn stream_rebuild(path: &Path) -> anyhow::Result<Rebuilt> {
    let mut rebuilder = Rebuilder::new(path);
    scan_rollout(path, |record| rebuilder.push(record))?;
    Ok(rebuilder.finish()?)
}

/// MiB of the rollout per record type, largest first. Every record opens
/// with its `type` tag (serde writes the tag first), so the prefix names it.
fn bytes_by_type(path: &Path) -> anyhow::Result<String> {
    use std::io::BufRead;
    // Streamed, so the breakdown does not add the whole file to the peak RSS.
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut sizes: Vec<(String, usize)> = Vec::new();
    for line in reader.split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let head = String::from_utf8_lossy(&line[..line.len().min(40)]);
        let kind = head
            .strip_prefix("{\"type\":\"")
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("?")
            .to_string();
        match sizes.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, size)) => *size += line.len() + 1,
            None => sizes.push((kind, line.len() + 1)),
        }
    }
    sizes.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    Ok(sizes
        .iter()
        .map(|(kind, size)| format!("{kind} {:.1}", mib(*size)))
        .collect::<Vec<_>>()
        .join(", ")
        + " MiB")
}

/// Median wall time of [`RESUME_RUNS`] runs of `f`, with its last result.
fn median<T>(mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(Duration, T)> {
    let mut times = Vec::with_capacity(RESUME_RUNS);
    let mut last = None;
    for _ in 0..RESUME_RUNS {
        let start = Instant::now();
        let value = f()?;
        times.push(start.elapsed());
        last = Some(value);
    }
    times.sort();
    let value = last.context("no resume run was made")?;
    Ok((times[times.len() / 2], value))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// How far the RSS high-water mark rose above the current RSS while `f`
/// ran (Linux: `clear_refs` resets `VmHWM`); NaN where that is not possible.
fn peak_growth_mib<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<f64> {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_mib("VmRSS:");
    f()?;
    Ok(if reset { status_mib("VmHWM:") - before } else { f64::NAN })
}

/// Current resident set size (`VmRSS`), not the peak; NaN where unreadable.
fn current_rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// A `kB` field of `/proc/self/status` in MiB; NaN where unreadable.
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Files the tools work on, from 1 KiB to 64 KiB, with `TODO(name)` markers
/// every few lines for `search` to find.
const FILES: [(&str, usize); 4] = [
    ("src/small.rs", 1024),
    ("src/medium.rs", 8 * 1024),
    ("docs/large.md", 24 * 1024),
    ("data/huge.txt", 64 * 1024),
];

fn write_workspace(root: &Path) -> anyhow::Result<()> {
    for (index, (name, size)) in FILES.iter().enumerate() {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut text = String::with_capacity(size + 80);
        let mut line = 0usize;
        while text.len() < *size {
            line += 1;
            if line % 7 == index + 1 {
                text.push_str(&format!("// TODO(owner{}): revisit step {line} of {name}\n", line % 5));
            } else {
                text.push_str(&format!(
                    "fn item_{line}(x: u64) -> u64 {{ x.wrapping_mul({line}) ^ 0x5a5a }}\n"
                ));
            }
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `n` responses, each a short text and one tool call, cycling through ten calls.
fn script(n: usize) -> Vec<ScriptedResponse> {
    (0..n)
        .map(|i| {
            let (name, arguments) = call(i);
            ScriptedResponse::message(format!("Step {i}: checking with {name}."))
                .with_tool_call(ScriptedToolCall::new(name, arguments))
        })
        .collect()
}

fn call(i: usize) -> (&'static str, serde_json::Value) {
    match i % 10 {
        0 | 5 => ("read_file", json!({ "path": FILES[0].0 })),
        1 | 6 => ("read_file", json!({ "path": FILES[1].0 })),
        2 => ("read_file", json!({ "path": FILES[2].0 })),
        3 | 8 => (
            "read_file",
            json!({ "path": FILES[3].0, "offset": (i * 37) % 700 + 1, "limit": 300 }),
        ),
        4 => ("list_dir", json!({ "path": ".", "depth": 2 })),
        7 => (
            "search",
            json!({ "pattern": format!("TODO\\(owner{}\\)", i % 5), "max_results": 40 }),
        ),
        _ => (
            "update_plan",
            json!({
                "explanation": format!("cycle {}", i / 10),
                "plan": [
                    { "step": "read the sources", "status": "completed" },
                    { "step": format!("search markers, cycle {}", i / 10), "status": "in_progress" },
                    { "step": "summarise", "status": "pending" }
                ]
            }),
        ),
    }
}

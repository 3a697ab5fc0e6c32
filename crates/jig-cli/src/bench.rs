//! `jig bench`: measurements of jig itself, each reported as a ratio against
//! a reference measured in the same run.
//!
//! - `loop`: N model requests through a real [`Session`] (scripted model,
//!   each response one `read_file` call on a small file, rollout synced per
//!   record as always) against the reference of the same N tool calls
//!   dispatched directly. The difference per request is the harness overhead;
//!   the cost of one synced append, measured alone, shows how much of it is
//!   the durability the rollout promises. Then the loop gap of a shell step
//!   split into its parts against `bash -lc 'echo hi'` run directly, and the
//!   CPU and peak memory per MiB of a tool call's arguments, whole and
//!   streamed over SSE ([`loop_gap`], [`arguments`]); and the same session
//!   with OpenTelemetry export off and on, to a receiver on 127.0.0.1
//!   ([`telemetry`]).
//! - `startup`: `jig --version` against `true`, and `jig exec` to its first
//!   model request (a provider served on 127.0.0.1) against `jig --version`
//!   ([`startup`]).
//! - `soak`: one long session with frequent compaction; per-request time and
//!   RSS per window of 1000 requests, then resume time against a plain read
//!   ([`soak`]).
//! - `local`: the embedded model's load time, prompt and generation speed,
//!   grammar overhead, KV-reuse speed-up and peak RSS (`local`).
//! - `search`: jig's `rg` against real ripgrep over a tree, with an output
//!   comparison ([`search`]).
//! - `sessions`: N sessions built with `SessionBuilder`, each doing file work
//!   in its own workspace, run at once against the same N one after another
//!   (wall, CPU, peak RSS, per-session overhead); then the RSS of 4 sessions
//!   on one embedded model against 1, and against 4 unshared models
//!   ([`sessions()`], `shared_model`).
//! - `eval`: a scripted eval suite through the runner at concurrency 1 and
//!   2 (speed-up, samples per second), and the per-sample overhead against a
//!   bare `jig exec` of each task's script ([`eval()`]).
//! - `agents`: a parent that spawns N sub-agents at once, each running
//!   `sleep S`, and waits for all, against one session doing a child's
//!   work alone (wall against one and against the sum of N, peak RSS growth
//!   per child, spawn overhead per child) ([`agents()`]).
//! - `tui`: the terminal UI's start to first frame against `jig --version`,
//!   both in a pseudo-terminal made by `script`; its idle CPU against
//!   `sleep`; a keystroke and a frame with transcripts of 100 and 5,000
//!   items, against each other and against one 60 Hz frame ([`tui()`]).

mod agents;
mod arguments;
mod eval;
#[cfg(feature = "local")]
mod local;
mod loop_gap;
mod search;
mod sessions;
#[cfg(feature = "local")]
mod shared_model;
mod soak;
mod startup;
mod telemetry;
mod tui;

pub use agents::{Side as AgentsSide, agents};
pub use eval::eval;
#[cfg(feature = "local")]
pub use local::local;
pub use search::search;
pub use soak::soak;
pub use startup::startup;
pub use tui::tui;

/// `jig bench sessions --sessions N`: the scripted sessions on their own
/// runtime, then (outside any runtime, since the embedded model's blocking
/// calls must not run on one) the shared local model.
pub fn sessions(n: u32) -> anyhow::Result<u8> {
    let rt = crate::runtime()?;
    let scripted = rt.block_on(sessions::scripted_sessions(n));
    rt.shutdown_timeout(Duration::from_millis(100));
    scripted?;
    #[cfg(feature = "local")]
    shared_model::shared_model()?;
    #[cfg(not(feature = "local"))]
    println!("bench sessions: shared local model: skipped (built without the embedded model, cargo feature `local`)");
    Ok(exit::COMPLETED)
}

/// `jig bench local` in a build without the embedded model.
#[cfg(not(feature = "local"))]
pub fn local(_model: &str, _turns: u32) -> anyhow::Result<u8> {
    anyhow::bail!("this jig was built without the embedded model (cargo feature `local`)")
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jig_core::{Session, SessionConfig};
use jig_model::scripted::{ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_protocol::{Event, Op, ToolCall, TurnOutcome};
use jig_tools::{ToolContext, ToolRouter};

use crate::exit;

/// `jig bench loop --turns N`.
pub async fn agent_loop(turns: u32) -> anyhow::Result<u8> {
    let turns = turns.max(1);
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let workspace = scratch.path().join("ws");
    std::fs::create_dir_all(&workspace)?;
    std::fs::write(workspace.join("small.txt"), "one\ntwo\nthree\n")?;
    let arguments = serde_json::json!({ "path": "small.txt" });

    let router = ToolRouter::builtin();
    let ctx = ToolContext::new(&workspace);
    let call = ToolCall {
        call_id: "c".into(),
        name: "read_file".into(),
        arguments: arguments.to_string(),
    };
    let start = Instant::now();
    for _ in 0..turns {
        router
            .dispatch(&ctx, &call)
            .await
            .map_err(|e| anyhow::anyhow!("reference tool call failed: {e}"))?;
    }
    let reference = start.elapsed();

    let responses = read_file_script(turns, &arguments);
    let config = SessionConfig {
        max_turns: Some(turns),
        ..scripted_config(workspace.clone(), scratch.path().join("home"))
    };
    let model = Arc::new(ScriptedModel::new("bench", responses));
    let session = Session::create(&config, model, router)?;
    let mut handle = session.spawn();
    let (start, cpu_start) = (Instant::now(), loop_gap::cpu_time());
    handle.submit(Op::UserInput { text: "bench".into() });
    let outcome = crate::bench::turn_outcome(&mut handle).await;
    let session_time = start.elapsed();
    let session_cpu = loop_gap::cpu_time().saturating_sub(cpu_start);
    handle.submit(Op::Shutdown);
    anyhow::ensure!(
        outcome == Some(TurnOutcome::Completed),
        "bench session ended with {outcome:?}"
    );

    let records = std::fs::read_to_string(handle.dir.join("rollout.jsonl"))?
        .lines()
        .count();
    let sync = sync_reference(&scratch.path().join("sync-probe"), 1000)?;

    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(turns);
    let overhead = per(session_time.saturating_sub(reference));
    println!("bench loop: {turns} model requests, scripted model, one read_file call each");
    println!("  reference (tool calls alone): {:>9.1} µs/request", per(reference));
    println!("  session (full agent loop):    {:>9.1} µs/request", per(session_time));
    println!("  harness overhead:             {:>9.1} µs/request", overhead);
    // One group-commit sync per request is the durability the rollout
    // promises here: before the model request. A read-only call needs none
    // before it runs (a command or a mutating tool would: a second one).
    println!(
        "  overhead less 1 sync:         {:>9.1} µs/request",
        overhead - sync.as_secs_f64() * 1e6
    );
    // CPU time does not count the wait for the disk, so it is steady under
    // other load; it includes the tool calls themselves.
    println!("  session CPU (all threads):    {:>9.1} µs/request", per(session_cpu));
    println!(
        "  ratio session/reference:      {:>9.2}x",
        session_time.as_secs_f64() / reference.as_secs_f64()
    );
    println!(
        "  rollout: {records} records, {:.1} per request; one synced append alone: {:.1} µs",
        records as f64 / f64::from(turns),
        sync.as_secs_f64() * 1e6
    );
    println!("  peak RSS:                     {:>9.1} MiB", peak_rss_mib());
    loop_gap::shell_steps(turns.min(50)).await?;
    telemetry::telemetry_overhead(turns.min(200)).await?;
    arguments::large_arguments().await?;
    Ok(exit::COMPLETED)
}

/// Mean time of one small append + `fdatasync`, the floor under every record.
fn sync_reference(path: &std::path::Path, n: u32) -> anyhow::Result<Duration> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    let start = Instant::now();
    for _ in 0..n {
        file.write_all(b"{\"type\":\"event\",\"event\":{\"type\":\"turn_started\",\"turn_id\":1}}\n")?;
        file.sync_data()?;
    }
    Ok(start.elapsed() / n)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The median of `times` (the upper one of an even count); zero when empty.
pub(crate) fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

pub(crate) fn peak_rss_mib() -> f64 {
    // ru_maxrss is in KiB on Linux.
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .map(|usage| usage.max_rss() as f64 / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The sandbox the scripted benches run their sessions in, and its name:
/// workspace-write where Landlock confines it, else danger-full-access.
pub(crate) fn sandbox() -> (jig_config::SandboxMode, &'static str) {
    if jig_sandbox::landlock_available() {
        (jig_config::SandboxMode::WorkspaceWrite, "workspace-write (Landlock)")
    } else {
        (
            jig_config::SandboxMode::DangerFullAccess,
            "danger-full-access (no Landlock here)",
        )
    }
}

/// How the running turn ends, or `None` when the session's events end first.
pub(crate) async fn turn_outcome(handle: &mut jig_core::SessionHandle) -> Option<TurnOutcome> {
    while let Some(event) = handle.next_event().await {
        if let Event::TurnCompleted { outcome, .. } = event {
            return Some(outcome);
        }
    }
    None
}

/// The session every scripted bench runs: generic tools in `cwd`, its data
/// under `home`, the scripted model, no redaction or compaction settings of
/// the user's; callers override the fields they measure.
pub(crate) fn scripted_config(cwd: std::path::PathBuf, home: std::path::PathBuf) -> SessionConfig {
    SessionConfig {
        cwd,
        home,
        model_spec: "scripted:bench".into(),
        instructions: "bench".into(),
        dialect: "generic".into(),
        max_turns: None,
        limits: Default::default(),
        redactor: Default::default(),
        guard: Default::default(),
        compaction: Default::default(),
        fault_kill_after_records: None,
        path_prefix: None,
        parent_session_id: None,
    }
}

/// The loop benchmarks' script: `turns - 1` responses that each read a file
/// with `arguments`, then one that answers `done`.
fn read_file_script(turns: u32, arguments: &serde_json::Value) -> Vec<ScriptedResponse> {
    let mut responses: Vec<ScriptedResponse> = (0..turns.saturating_sub(1))
        .map(|_| ScriptedResponse {
            tool_calls: vec![ScriptedToolCall::new("read_file", arguments.clone())],
            ..Default::default()
        })
        .collect();
    responses.push(ScriptedResponse {
        text: Some("done".into()),
        ..Default::default()
    });
    responses
}

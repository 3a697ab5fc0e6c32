//! `jig bench sessions`: N sessions in one process at once, against the same
//! N sessions run one after another in the same run.
//!
//! Each session is what a front-end builds ([`SessionBuilder`] from settings
//! loaded with `JIG_HOME` in a scratch directory, never the user's), with a
//! scripted model that does real file work in the session's own workspace:
//! `apply_patch` adds `note.txt`, `shell` reads it back under the sandbox
//! (workspace-write where Landlock is available), the model answers. Both
//! sides run the same sessions on the same runtime; one untimed session
//! first takes the one-time costs (page faults, the helper's first exec) off
//! both. Wall time, CPU time (jig's own threads, and the commands' processes
//! apart) and peak RSS (`VmHWM`, reset before each side) are reported side by
//! side with their ratio; the one-after-another side is the reference.
//!
//! Invariant: a figure is printed only once every session of both sides has
//! completed its turn and its note reads back as written; anything else
//! fails the bench.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jig_config::{CliOverrides, EnvSnapshot, LoadInputs, SandboxMode};
use jig_core::SessionBuilder;
use jig_model::scripted::{Expect, ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_protocol::{Op, ToolStatus, TurnOutcome};

use super::loop_gap::{children_cpu_time, cpu_time, reset_peak_rss, status_kib};

/// What one side (one after another, or all at once) cost.
struct Side {
    wall: Duration,
    cpu: Duration,
    children_cpu: Duration,
    /// `VmHWM` at the end, MiB.
    peak: f64,
    /// Peak growth over the RSS at the start of the side, MiB.
    growth: f64,
}

/// How the two sides run their sessions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Schedule {
    OneAfterAnother,
    AllAtOnce,
}

/// Where the sessions run and with what.
struct Bench {
    scratch: PathBuf,
    env: EnvSnapshot,
    sandbox: SandboxMode,
}

/// Runs the scripted part of `jig bench sessions --sessions N` and prints it.
pub async fn scripted_sessions(n: u32) -> anyhow::Result<()> {
    let n = n.max(1);
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let home = scratch.path().join("home");
    let (sandbox, sandbox_name) = super::sandbox();
    let bench = Arc::new(Bench {
        scratch: scratch.path().to_path_buf(),
        env: EnvSnapshot::from_pairs([("JIG_HOME", home.display().to_string())]),
        sandbox,
    });
    run_session(Arc::clone(&bench), "warm-up".into()).await?;
    let reference = side(&bench, n, Schedule::OneAfterAnother).await?;
    let at_once = side(&bench, n, Schedule::AllAtOnce).await?;

    println!(
        "bench sessions: {n} scripted sessions, each: apply_patch adds note.txt, `shell` cats it, answer; \
         sandbox {sandbox_name}"
    );
    let header = format!("{n} at once");
    println!(
        "  {:<34} {:>24} {:>14} {:>8}",
        "", "one after another (ref)", header, "ratio"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per = |d: Duration| ms(d) / f64::from(n);
    let rows = [
        ("wall", ms(reference.wall), ms(at_once.wall), "ms"),
        ("wall / session", per(reference.wall), per(at_once.wall), "ms"),
        ("CPU, jig process", ms(reference.cpu), ms(at_once.cpu), "ms"),
        (
            "CPU, commands (child processes)",
            ms(reference.children_cpu),
            ms(at_once.children_cpu),
            "ms",
        ),
        ("peak RSS (VmHWM)", reference.peak, at_once.peak, "MiB"),
        ("peak RSS growth over start", reference.growth, at_once.growth, "MiB"),
    ];
    for (name, reference, at_once, unit) in rows {
        println!(
            "  {name:<34} {reference:>20.1} {unit:<3} {at_once:>10.1} {unit:<3} {:>7.2}x",
            at_once / reference
        );
    }
    println!(
        "  per-session overhead: {:.2} ms/session at once vs {:.2} ms/session one after another ({:.2}x)",
        per(at_once.wall),
        per(reference.wall),
        at_once.wall.as_secs_f64() / reference.wall.as_secs_f64()
    );
    if n > 1 {
        println!(
            "  RSS growth per extra concurrent session: {:.2} MiB ((peak at once - peak one at a time) / {})",
            (at_once.peak - reference.peak) / f64::from(n - 1),
            n - 1
        );
    } else {
        println!("  RSS growth per extra concurrent session: n/a (one session)");
    }
    println!("  checked: {n}/{n} sessions completed on each side, {n}/{n} notes read back");
    Ok(())
}

/// Runs `n` sessions on `schedule` and measures them.
async fn side(bench: &Arc<Bench>, n: u32, schedule: Schedule) -> anyhow::Result<Side> {
    let prefix = match schedule {
        Schedule::OneAfterAnother => "seq",
        Schedule::AllAtOnce => "par",
    };
    let start_rss = reset_peak_rss();
    let (cpu_before, children_before) = (cpu_time(), children_cpu_time());
    let started = Instant::now();
    match schedule {
        Schedule::OneAfterAnother => {
            for i in 0..n {
                run_session(Arc::clone(bench), format!("{prefix}-{i}")).await?;
            }
        }
        Schedule::AllAtOnce => {
            let runs: Vec<_> = (0..n)
                .map(|i| tokio::spawn(run_session(Arc::clone(bench), format!("{prefix}-{i}"))))
                .collect();
            for run in runs {
                run.await.context("a bench session panicked")??;
            }
        }
    }
    let wall = started.elapsed();
    let peak = status_kib("VmHWM:").unwrap_or(f64::NAN) / 1024.0;
    Ok(Side {
        wall,
        cpu: cpu_time().saturating_sub(cpu_before),
        children_cpu: children_cpu_time().saturating_sub(children_before),
        peak,
        growth: peak - start_rss,
    })
}

/// Builds and runs session `name` to the end of its turn, then checks its note.
async fn run_session(bench: Arc<Bench>, name: String) -> anyhow::Result<()> {
    let workspace = bench.scratch.join(&name);
    std::fs::create_dir_all(&workspace)?;
    let settings = jig_config::load(&LoadInputs {
        cwd: workspace.clone(),
        env: bench.env.clone(),
        cli: CliOverrides::default(),
    })?;
    let text = format!("session {name} was here");
    let model = Arc::new(ScriptedModel::new("bench", script(&text)));
    let built = SessionBuilder::new(&settings, &bench.env)
        .workspace(&workspace)
        .client("scripted:bench", model)
        .sandbox(bench.sandbox)
        .create()
        .with_context(|| format!("cannot build session {name}"))?;
    let mut handle = built.session.spawn();
    handle.submit(Op::UserInput {
        text: "write a note and read it back".into(),
    });
    let outcome = crate::bench::turn_outcome(&mut handle).await;
    handle.submit(Op::Shutdown);
    // The session's task ends (its last records written) when its events close.
    while handle.next_event().await.is_some() {}
    anyhow::ensure!(
        outcome == Some(TurnOutcome::Completed),
        "bench session {name} ended with {outcome:?}"
    );
    check_note(&workspace, &text).with_context(|| format!("bench session {name}"))
}

fn check_note(workspace: &Path, text: &str) -> anyhow::Result<()> {
    let note = std::fs::read_to_string(workspace.join("note.txt")).context("cannot read its note.txt")?;
    anyhow::ensure!(note == format!("{text}\n"), "its note.txt holds {note:?}");
    Ok(())
}

/// The model's side: add the note, read it back, answer. Each response
/// checks the tool output it answers, so a failed step fails the turn.
fn script(text: &str) -> Vec<ScriptedResponse> {
    let patch = format!("*** Begin Patch\n*** Add File: note.txt\n+{text}\n*** End Patch\n");
    vec![
        ScriptedResponse::tool_call("apply_patch", serde_json::json!({ "input": patch })),
        ScriptedResponse::default()
            .with_tool_call(ScriptedToolCall::new(
                "shell",
                serde_json::json!({ "command": "cat note.txt" }),
            ))
            .with_expect(Expect {
                last_status: Some(ToolStatus::Ok),
                ..Expect::default()
            }),
        ScriptedResponse::message("read back").with_expect(Expect {
            last_output_contains: Some(text.to_owned()),
            last_status: Some(ToolStatus::Ok),
            ..Expect::default()
        }),
    ]
}

//! `jig bench loop`, shell part: where the loop gap of one shell step goes,
//! against `bash -lc 'echo hi'` run directly in the same run.
//!
//! The loop gap is the time from the end of one model response to the next
//! model request. With the scripted model the stream itself costs almost
//! nothing, so a session step of `echo hi` is the loop gap. It is split by
//! measuring each layer alone, in interleaved rounds so that load on the
//! machine hits every layer alike, and taking medians: the command itself
//! (process spawn), the sandbox helper in `danger-full-access` (supervisor
//! stage) and in `workspace-write` (confinement), the `shell` tool over the
//! helper (output capture), the guard's review (policy), the scripted
//! stream (model stream), and the rollout's syncs (recording and sync). The
//! rest of the session step is reported as such, never hidden.
//!
//! Invariant: every figure comes from this run; nothing is a constant.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use jig_core::guard::Guard;
use jig_core::{Session, SessionConfig};
use jig_model::scripted::{ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_model::{ModelClient, ModelRequest};
use jig_protocol::{Event, Op, ToolCall, TurnOutcome};
use jig_sandbox::{SandboxMode, SandboxPolicy};
use jig_tools::{ToolContext, ToolRouter};

const SCRIPT: &str = "echo hi";

/// Medians of each layer, one step each.
struct Layers {
    bash: Duration,
    helper_danger: Duration,
    helper_confined: Option<Duration>,
    tool: Duration,
    /// Two appends with `fdatasync`, the group commits of one step.
    syncs: Duration,
}

/// Prints the shell-step split for `steps` steps.
pub async fn shell_steps(steps: u32) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let workspace = scratch.path().join("ws");
    // A repository, as in real use: its `.git` is bound read-only.
    std::fs::create_dir_all(workspace.join(".git"))?;
    std::fs::write(workspace.join(".git/HEAD"), "ref: refs/heads/main\n")?;
    let jig = std::env::current_exe().context("cannot find the jig executable")?;
    let confined = jig_sandbox::landlock_available()
        .then(|| Arc::new(SandboxPolicy::workspace_write(&workspace).with_mode(SandboxMode::WorkspaceWrite)));
    let layers = measure_layers(&jig, scratch.path(), &workspace, confined.clone(), steps).await?;
    let policy = review_time(confined.clone());
    let stream = stream_time().await?;
    let (step, records) = session_steps(scratch.path(), &workspace, confined.clone(), steps).await?;
    let plain = (0..steps.min(20))
        .map(|_| timed_run(&workspace, &["bash".into(), "-c".into(), SCRIPT.into()]))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let reference = layers.bash;
    let supervisor = layers.helper_danger.saturating_sub(reference);
    let confinement = layers
        .helper_confined
        .map_or(Duration::ZERO, |c| c.saturating_sub(layers.helper_danger));
    let helper = layers.helper_confined.unwrap_or(layers.helper_danger);
    let capture = layers.tool.saturating_sub(helper);
    let syncs = layers.syncs;
    let parts = [
        ("model stream (scripted, whole response)", stream),
        ("recording and sync (2 group commits, fdatasync)", syncs),
        ("policy (exec rules + guard review)", policy),
        ("sandbox: supervisor stage (helper, danger mode)", supervisor),
        (
            "sandbox: confinement (namespaces, binds, Landlock, seccomp)",
            confinement,
        ),
        ("process spawn: `bash -lc 'echo hi'` itself", reference),
        ("output capture and shell tool (tokio spawn, pipes)", capture),
    ];
    let accounted: Duration = parts.iter().map(|(_, d)| *d).sum();
    let mode = if confined.is_some() {
        "workspace-write"
    } else {
        "danger-full-access (no Landlock here)"
    };
    println!("bench loop: {steps} shell steps (`{SCRIPT}`), {mode} sandbox, medians of interleaved rounds");
    println!(
        "  reference `bash -lc '{SCRIPT}'` run directly: {:>8.2} ms  (`bash -c`: {:.2} ms; the rest is the login files)",
        ms(reference),
        ms(median(plain))
    );
    println!(
        "  loop gap per step (session):               {:>8.2} ms  ({:.2}x reference; {:.1} records/step)",
        ms(step),
        step.as_secs_f64() / reference.as_secs_f64(),
        records
    );
    println!(
        "  jig's share of the step (gap less command): {:>7.2} ms",
        ms(step.saturating_sub(reference))
    );
    for (name, d) in parts {
        println!("    {name:<62} {:>8.3} ms", ms(d));
    }
    println!(
        "    {:<62} {:>8.3} ms",
        "rest of the session step (events, records, redaction, tasks)",
        ms(step).max(ms(accounted)) - ms(accounted)
    );
    Ok(())
}

/// Medians of the layers under a step, measured in interleaved rounds.
async fn measure_layers(
    jig: &Path,
    scratch: &Path,
    workspace: &Path,
    confined: Option<Arc<SandboxPolicy>>,
    rounds: u32,
) -> anyhow::Result<Layers> {
    let argv: Vec<String> = ["bash", "-lc", SCRIPT].map(String::from).to_vec();
    let danger = SandboxPolicy::workspace_write(workspace)
        .with_mode(SandboxMode::DangerFullAccess)
        .with_limits(jig_sandbox::Limits {
            max_processes: None,
            max_file_size_bytes: None,
            max_cpu_seconds: None,
        });
    let router = ToolRouter::builtin();
    let mut ctx = ToolContext::new(workspace);
    ctx.sandbox = confined.clone();
    let call = ToolCall {
        call_id: "c".into(),
        name: "shell".into(),
        arguments: serde_json::json!({ "command": SCRIPT }).to_string(),
    };
    let (mut bash, mut helper_danger, mut helper_confined, mut tool) = (vec![], vec![], vec![], vec![]);
    let mut syncs = vec![];
    let mut probe = std::fs::File::create(scratch.join("sync-probe"))?;
    for _ in 0..rounds.max(1) {
        bash.push(timed_run(workspace, &argv)?);
        helper_danger.push(timed_run(workspace, &jig_sandbox::wrap_command(jig, &danger, &argv))?);
        if let Some(policy) = &confined {
            helper_confined.push(timed_run(workspace, &jig_sandbox::wrap_command(jig, policy, &argv))?);
        }
        let start = Instant::now();
        let result = router
            .dispatch(&ctx, &call)
            .await
            .map_err(|e| anyhow::anyhow!("shell tool failed: {e}"))?;
        anyhow::ensure!(result.output.contains("hi"), "shell tool printed {:?}", result.output);
        tool.push(start.elapsed());
        syncs.push(synced_appends(&mut probe, 2)?);
    }
    Ok(Layers {
        bash: median(bash),
        helper_danger: median(helper_danger),
        helper_confined: (!helper_confined.is_empty()).then(|| median(helper_confined)),
        tool: median(tool),
        syncs: median(syncs),
    })
}

/// Time of `n` small appends, each made durable with `fdatasync`.
fn synced_appends(file: &mut std::fs::File, n: u32) -> anyhow::Result<Duration> {
    use std::io::Write;
    let start = Instant::now();
    for _ in 0..n {
        file.write_all(b"{\"type\":\"event\",\"event\":{\"type\":\"turn_started\",\"turn_id\":1}}\n")?;
        file.sync_data()?;
    }
    Ok(start.elapsed())
}

fn timed_run(cwd: &Path, argv: &[String]) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", argv[0]))?;
    let elapsed = start.elapsed();
    anyhow::ensure!(
        output.status.success() && output.stdout == b"hi\n",
        "{} failed: {:?} {}",
        argv[0],
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(elapsed)
}

/// Mean time of the guard's review of `echo hi` under jig's default rules.
fn review_time(sandbox: Option<Arc<SandboxPolicy>>) -> Duration {
    let guard = Guard {
        approval: jig_config::ApprovalPolicy::Never,
        sandbox,
        rules: Some(Arc::new(jig_policy::Policy::defaults())),
        ..Guard::default()
    };
    let preview = jig_tools::CommandPreview {
        command: jig_tools::shell::CommandLine::Script(SCRIPT.into()),
        escalation: None,
    };
    let n = 200;
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(guard.review(&preview, false));
    }
    start.elapsed() / n
}

/// Mean time to stream one scripted response with one shell call.
async fn stream_time() -> anyhow::Result<Duration> {
    let response = ScriptedResponse {
        tool_calls: vec![ScriptedToolCall::new("shell", serde_json::json!({ "command": SCRIPT }))],
        ..Default::default()
    };
    let model = ScriptedModel::new("bench", vec![response]);
    let request = ModelRequest {
        session_id: "bench",
        instructions: "bench",
        items: &[],
        tools: &[],
        output_schema: None,
    };
    let n = 200;
    let start = Instant::now();
    for _ in 0..n {
        let mut stream = model.stream(&request).await?;
        while let Some(event) = stream.next().await {
            event?;
        }
    }
    Ok(start.elapsed() / n)
}

/// Median loop gap per shell step of a real session, and records per step.
async fn session_steps(
    scratch: &Path,
    workspace: &Path,
    sandbox: Option<Arc<SandboxPolicy>>,
    steps: u32,
) -> anyhow::Result<(Duration, f64)> {
    let mut responses: Vec<ScriptedResponse> = (0..steps)
        .map(|_| ScriptedResponse {
            tool_calls: vec![ScriptedToolCall::new("shell", serde_json::json!({ "command": SCRIPT }))],
            ..Default::default()
        })
        .collect();
    responses.push(ScriptedResponse {
        text: Some("done".into()),
        ..Default::default()
    });
    let config = SessionConfig {
        guard: Guard {
            approval: jig_config::ApprovalPolicy::Never,
            sandbox,
            rules: Some(Arc::new(jig_policy::Policy::defaults())),
            ..Guard::default()
        },
        ..crate::bench::scripted_config(workspace.to_path_buf(), scratch.join("home"))
    };
    let model = Arc::new(ScriptedModel::new("bench", responses));
    let session = Session::create(&config, model, ToolRouter::builtin())?;
    let mut handle = session.spawn();
    handle.submit(Op::UserInput { text: "bench".into() });
    // A step runs from one `token_usage` (the response is recorded) to the next.
    let (mut gaps, mut last, mut outcome) = (Vec::new(), None::<Instant>, None);
    while let Some(event) = handle.next_event().await {
        match event {
            Event::TokenUsage { .. } => {
                let now = Instant::now();
                if let Some(last) = last {
                    gaps.push(now - last);
                }
                last = Some(now);
            }
            Event::ToolCallEnd { status, output, .. } if status != jig_protocol::ToolStatus::Ok => {
                anyhow::bail!("the shell step failed: {output}")
            }
            Event::TurnCompleted { outcome: o, .. } => {
                outcome = Some(o);
                break;
            }
            _ => {}
        }
    }
    handle.submit(Op::Shutdown);
    anyhow::ensure!(
        outcome == Some(TurnOutcome::Completed),
        "bench session ended with {outcome:?}"
    );
    let records = std::fs::read_to_string(handle.dir.join("rollout.jsonl"))?
        .lines()
        .count();
    Ok((median(gaps), records as f64 / f64::from(steps + 1)))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// User + system CPU time of this process so far (all threads).
pub(super) fn cpu_time() -> Duration {
    rusage_time(nix::sys::resource::UsageWho::RUSAGE_SELF)
}

/// User + system CPU time of this process's children that have been waited
/// for (the commands the tools ran).
pub(super) fn children_cpu_time() -> Duration {
    rusage_time(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
}

/// User + system CPU time of the calling thread so far.
pub(super) fn thread_cpu_time() -> Duration {
    rusage_time(nix::sys::resource::UsageWho::RUSAGE_THREAD)
}

fn rusage_time(who: nix::sys::resource::UsageWho) -> Duration {
    nix::sys::resource::getrusage(who).map_or(Duration::ZERO, |usage| {
        let tv = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
                + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
        };
        tv(usage.user_time()) + tv(usage.system_time())
    })
}

/// Resets the peak RSS (`VmHWM`) to the current RSS and returns it in MiB;
/// where the reset is not possible, the growth is measured from today's peak.
pub(super) fn reset_peak_rss() -> f64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_kib("VmHWM:").unwrap_or(f64::NAN) / 1024.0
}

pub(super) fn status_kib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

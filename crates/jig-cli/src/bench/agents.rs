//! `jig bench agents`: a parent session that spawns N sub-agents at once,
//! each running `sleep S` through `shell`, and waits for all of them,
//! against one session doing a child's work alone, measured in the same run.
//!
//! Both sides are built with [`SessionBuilder`] from settings loaded with
//! `JIG_HOME` in a scratch directory (never the user's), scripted models
//! and the same sandbox as `jig bench sessions`. Each side runs in a fresh
//! jig process (this command again, with the hidden `--side`), which prints
//! its figures as one JSON line: peak RSS (`VmHWM`) is then that side's
//! alone, with no memory the other side freed and the allocator kept to
//! hide its growth, and one-time costs (first exec of the sandbox helper,
//! lazy statics) land on both sides alike. The tree side follows every
//! event of the parent and its children through one event sink, stamped
//! when it arrives, for the spawn breakdown and the children's own turns.
//!
//! Invariant: a figure is printed only once the parent's turn completed
//! after its wait and every child completed with its job's output; anything
//! else fails the bench.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jig_config::{CliOverrides, EnvSnapshot, LoadInputs};
use jig_core::SessionBuilder;
use jig_model::scripted::{Expect, ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_protocol::{AgentStatus, Envelope, Event, Op, TurnOutcome};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

use super::loop_gap::{reset_peak_rss, status_kib};
use super::{median, ms};
use crate::exit;

/// What the children's command prints; each child answers with it.
const JOB_OUTPUT: &str = "job done";

/// Which side a `--side` process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    /// One session doing a child's work alone: the reference.
    One,
    /// The parent and its N children.
    Tree,
}

/// One side's figures, as its process reports them.
struct Figures {
    wall: Duration,
    /// `VmHWM` at the end, MiB.
    peak: f64,
    /// Peak growth over the RSS before the top session was built, MiB.
    growth: f64,
    children: Vec<ChildTimes>,
}

/// One child's times, from the tree's events.
struct ChildTimes {
    /// The `spawn_agent` call, begin to end.
    spawn_call: Duration,
    /// From its spawn call's begin to its first model response (the
    /// scripted model answers at once, so this is its first request).
    to_response: Duration,
    /// From the tree's first spawn call to its first model response.
    from_first_spawn: Duration,
    /// Its own turn, start to end.
    turn: Duration,
}

/// `jig bench agents --children N --seconds S`: runs both sides in fresh
/// processes and prints them; with `--side`, runs that side here.
pub fn agents(children: u32, seconds: u32, side: Option<Side>) -> anyhow::Result<u8> {
    if let Some(side) = side {
        let rt = crate::runtime()?;
        let figures = rt.block_on(run_side(side, children, seconds));
        rt.shutdown_timeout(Duration::from_millis(100));
        println!("{}", figures?.to_json());
        return Ok(exit::COMPLETED);
    }
    let one = side_process(Side::One, children, seconds)?;
    let tree = side_process(Side::Tree, children, seconds)?;
    print_report(children, seconds, &one, &tree);
    Ok(exit::COMPLETED)
}

/// Runs `side` in a fresh jig process and reads its figures.
fn side_process(side: Side, children: u32, seconds: u32) -> anyhow::Result<Figures> {
    let name = match side {
        Side::One => "one",
        Side::Tree => "tree",
    };
    let jig = std::env::current_exe().context("cannot find the jig executable")?;
    let out = Command::new(jig)
        .args(["bench", "agents", "--side", name])
        .args(["--children", &children.to_string(), "--seconds", &seconds.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start a bench process")?;
    anyhow::ensure!(
        out.status.success(),
        "the bench's `{name}` side failed ({})",
        out.status
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    Figures::parse(stdout.lines().last().unwrap_or_default())
        .with_context(|| format!("the bench's `{name}` side reported {stdout:?}"))
}

fn print_report(n: u32, seconds: u32, one: &Figures, tree: &Figures) {
    println!(
        "bench agents: a parent spawns {n} sub-agents at once, each runs `sleep {seconds}` through `shell` and \
         answers; the parent waits for all; sandbox {}",
        super::sandbox().1
    );
    println!("  (each side in a fresh jig process; the reference is one session doing a child's work alone)");
    let sum = one.wall * n;
    let longest = tree.children.iter().map(|c| c.turn).max().unwrap_or_default();
    let turns: Duration = tree.children.iter().map(|c| c.turn).sum();
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "  {:<44} {:>10} {:>14} {:>12}",
        "wall",
        "ms",
        "vs one alone",
        format!("vs sum of {n}")
    );
    let rows = [
        ("one session alone (ref), build to answer", one.wall),
        ("parent + n children, build to answer", tree.wall),
        ("sum of n sessions alone (n x ref)", sum),
        ("longest child's turn, in the tree", longest),
        ("sum of the children's turns, in the tree", turns),
    ];
    for (name, time) in rows {
        println!(
            "  {name:<44} {:>10.1} {:>13.2}x {:>11.2}x",
            ms(time),
            ratio(time, one.wall),
            ratio(time, sum)
        );
    }
    println!(
        "  tree / one alone: {:.2}x (target <= 1.30x); tree / sum of {n}: {:.2}x",
        ratio(tree.wall, one.wall),
        ratio(tree.wall, sum)
    );

    println!("  {:<44} {:>10} {:>14}", "memory", "MiB", "vs one alone");
    let rows = [
        ("peak RSS (VmHWM), one session alone (ref)", one.peak, one.peak),
        ("peak RSS (VmHWM), parent + n children", tree.peak, one.peak),
        ("peak RSS growth, one session alone (ref)", one.growth, one.growth),
        ("peak RSS growth, parent + n children", tree.growth, one.growth),
    ];
    for (name, mib, reference) in rows {
        println!("  {name:<44} {mib:>10.2} {:>13.2}x", mib / reference);
    }
    let per_child = (tree.peak - one.peak) / f64::from(n);
    println!(
        "  per child: (tree peak - one peak) / {n} = {per_child:.2} MiB, {:.2}x one session's growth \
         (which holds the process's one-time costs)",
        per_child / one.growth
    );

    let spread = |times: Vec<Duration>| (median(&times), times.iter().max().copied().unwrap_or_default());
    let children = &tree.children;
    println!(
        "  {:<44} {:>10} {:>14}",
        format!("spawn, over {n} children"),
        "median ms",
        "max ms"
    );
    let rows = [
        (
            "spawn_agent call",
            spread(children.iter().map(|c| c.spawn_call).collect()),
        ),
        (
            "spawn call -> child's first model response",
            spread(children.iter().map(|c| c.to_response).collect()),
        ),
        (
            "first spawn call -> child's first response",
            spread(children.iter().map(|c| c.from_first_spawn).collect()),
        ),
    ];
    for (name, (median, max)) in rows {
        println!("  {name:<44} {:>10.2} {:>14.2}", ms(median), ms(max));
    }
    println!(
        "  checked: {n}/{n} children completed with {JOB_OUTPUT:?}; the parent completed after its wait; \
         the session alone completed"
    );
}

/// Runs one side in this process: builds the top session, runs its turn to
/// the end, checks it, and measures it.
async fn run_side(side: Side, n: u32, seconds: u32) -> anyhow::Result<Figures> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let workspace = scratch.path().join("ws");
    std::fs::create_dir_all(&workspace)?;
    let child_script = scratch.path().join("child.toml");
    std::fs::write(&child_script, child_script_text(seconds))?;
    let child_spec = format!("scripted:{}", child_script.display());
    let env = EnvSnapshot::from_pairs([("JIG_HOME", scratch.path().join("home").display().to_string())]);
    let mut settings = jig_config::load(&LoadInputs {
        cwd: workspace.clone(),
        env: env.clone(),
        cli: CliOverrides::default(),
    })?;
    // All N at once, even past the default limit of children working at once.
    settings.agents.max_concurrent = Some(n);
    let (sink, mut events) = tokio::sync::mpsc::unbounded_channel();

    let start_rss = reset_peak_rss();
    let started = Instant::now();
    let builder = SessionBuilder::new(&settings, &env)
        .workspace(&workspace)
        .sandbox(super::sandbox().0)
        .event_sink(sink);
    let (builder, results) = match side {
        Side::One => (builder.model(child_spec), 0),
        Side::Tree => {
            let model = ScriptedModel::new("bench-parent", parent_script(n, seconds, &child_spec));
            (builder.client("scripted:bench-parent", Arc::new(model)), n)
        }
    };
    let built = builder.create().context("cannot build the bench's top session")?;
    let handle = built.session.spawn();
    handle.submit(Op::UserInput {
        text: "Run the jobs and report back.".into(),
    });
    let limit = Duration::from_secs(u64::from(seconds) * 4 + 120);
    let timeline = tokio::time::timeout(limit, follow(&handle.session_id, &mut events, results))
        .await
        .with_context(|| format!("the bench's top session did not finish in {}s", limit.as_secs()))??;
    let wall = timeline.done.saturating_duration_since(started);
    handle.submit(Op::Shutdown);
    // The tree's sessions end (their last records written) when the sink closes.
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while events.recv().await.is_some() {}
    })
    .await;
    let peak = status_kib("VmHWM:").unwrap_or(f64::NAN) / 1024.0;
    let children = match side {
        Side::One => Vec::new(),
        Side::Tree => child_times(&handle.session_id, &timeline.events, n)?,
    };
    Ok(Figures {
        wall,
        peak,
        growth: peak - start_rss,
        children,
    })
}

/// Every envelope of a tree, stamped when it arrived, until the top turn ended.
struct Timeline {
    events: Vec<(Instant, Envelope)>,
    done: Instant,
}

/// Follows the tree until the top session's turn completed and `results`
/// children's final statuses were recorded; fails on any other end.
async fn follow(top: &str, events: &mut UnboundedReceiver<Envelope>, results: u32) -> anyhow::Result<Timeline> {
    let mut seen = Vec::new();
    let mut done = None;
    let mut completed = 0;
    while let Some(envelope) = events.recv().await {
        let at = Instant::now();
        if envelope.session_id == top {
            match &envelope.event {
                Event::TurnCompleted { outcome, .. } => {
                    anyhow::ensure!(
                        *outcome == TurnOutcome::Completed,
                        "the bench's top session ended with {outcome:?}"
                    );
                    done = Some(at);
                }
                Event::AgentUpdated { agent_id, status, .. } => {
                    anyhow::ensure!(
                        matches!(status, AgentStatus::Completed(Some(m)) if m == JOB_OUTPUT),
                        "sub-agent {agent_id} ended with {status:?}"
                    );
                    completed += 1;
                }
                _ => {}
            }
        }
        if let Event::ApprovalRequested { command, .. } = &envelope.event {
            anyhow::bail!("`{command}` asked for approval; the bench's sandbox should allow it");
        }
        seen.push((at, envelope));
        if let Some(done) = done.filter(|_| completed >= results) {
            return Ok(Timeline { events: seen, done });
        }
    }
    anyhow::bail!("the bench's sessions ended before the top session's turn completed")
}

/// Each child's times: its spawn call (the parent's `spawn_agent` begin and
/// end, whose output names the child) and its own events.
fn child_times(top: &str, events: &[(Instant, Envelope)], n: u32) -> anyhow::Result<Vec<ChildTimes>> {
    let mut begins: HashMap<&str, Instant> = HashMap::new();
    let mut spawns: HashMap<String, (Instant, Instant)> = HashMap::new();
    let mut turns: HashMap<&str, Instant> = HashMap::new();
    let mut responses: HashMap<&str, Instant> = HashMap::new();
    let mut ends: HashMap<&str, Instant> = HashMap::new();
    for (at, envelope) in events {
        let id = envelope.session_id.as_str();
        match &envelope.event {
            Event::ToolCallBegin { call_id, name, .. } if id == top && name == "spawn_agent" => {
                begins.insert(call_id, *at);
            }
            Event::ToolCallEnd {
                call_id, name, output, ..
            } if id == top && name == "spawn_agent" => {
                let child = serde_json::from_str::<Value>(output)
                    .ok()
                    .and_then(|v| v["agent_id"].as_str().map(str::to_owned))
                    .with_context(|| format!("a spawn_agent call answered {output:?}"))?;
                let begin = begins.get(call_id.as_str()).copied().unwrap_or(*at);
                spawns.insert(child, (begin, *at));
            }
            _ if id == top => {}
            Event::TurnStarted { .. } => {
                turns.entry(id).or_insert(*at);
            }
            Event::AgentMessageDelta { .. } | Event::AgentMessage { .. } | Event::ToolCallBegin { .. } => {
                responses.entry(id).or_insert(*at);
            }
            Event::TurnCompleted { .. } => {
                ends.entry(id).or_insert(*at);
            }
            _ => {}
        }
    }
    anyhow::ensure!(
        spawns.len() == n as usize,
        "{} of {n} spawn calls started a child",
        spawns.len()
    );
    let first = spawns.values().map(|(begin, _)| *begin).min();
    spawns
        .iter()
        .map(|(id, (begin, end))| {
            let at = |map: &HashMap<&str, Instant>, what: &str| {
                map.get(id.as_str())
                    .copied()
                    .with_context(|| format!("sub-agent {id} has no {what} in the events"))
            };
            let (turn, response, done) = (
                at(&turns, "turn start")?,
                at(&responses, "response")?,
                at(&ends, "turn end")?,
            );
            Ok(ChildTimes {
                spawn_call: end.saturating_duration_since(*begin),
                to_response: response.saturating_duration_since(*begin),
                from_first_spawn: response.saturating_duration_since(first.unwrap_or(*begin)),
                turn: done.saturating_duration_since(turn),
            })
        })
        .collect()
}

/// A child's work (and the reference's): `sleep S` through `shell`, then
/// the command's output as its answer.
fn child_script_text(seconds: u32) -> String {
    format!(
        r#"[[response]]
text = "Running the job."
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "sleep {seconds} && echo {JOB_OUTPUT}" }}

[[response]]
text = "{JOB_OUTPUT}"
[response.expect]
last_output_contains = "{JOB_OUTPUT}"
"#
    )
}

/// The parent: spawn `n` children in one response, wait for all, answer.
fn parent_script(n: u32, seconds: u32, child_spec: &str) -> Vec<ScriptedResponse> {
    let mut spawn = ScriptedResponse::message(format!("Starting {n} sub-agents, one per job."));
    for i in 1..=n {
        spawn = spawn.with_tool_call(ScriptedToolCall::new(
            "spawn_agent",
            json!({ "message": format!("Part {i} of {n}: run the job and report back."), "model": child_spec }),
        ));
    }
    let timeout_ms = (u64::from(seconds) * 4 + 60) * 1000;
    vec![
        spawn,
        ScriptedResponse::tool_call("wait_agents", json!({ "timeout_ms": timeout_ms })),
        ScriptedResponse::message("All jobs finished and reported back.").with_expect(Expect {
            last_output_contains: Some(JOB_OUTPUT.to_owned()),
            ..Expect::default()
        }),
    ]
}

impl Figures {
    fn to_json(&self) -> Value {
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        json!({
            "wall_us": us(self.wall),
            "peak_mib": self.peak,
            "growth_mib": self.growth,
            "children": self.children.iter().map(|c| json!({
                "spawn_call_us": us(c.spawn_call),
                "to_response_us": us(c.to_response),
                "from_first_spawn_us": us(c.from_first_spawn),
                "turn_us": us(c.turn),
            })).collect::<Vec<_>>(),
        })
    }

    fn parse(line: &str) -> anyhow::Result<Figures> {
        let v: Value = serde_json::from_str(line)?;
        let us = |v: &Value, key: &str| {
            v[key]
                .as_u64()
                .map(Duration::from_micros)
                .with_context(|| format!("no {key}"))
        };
        let mib = |key: &str| v[key].as_f64().with_context(|| format!("no {key}"));
        let children = v["children"]
            .as_array()
            .context("no children")?
            .iter()
            .map(|c| {
                Ok(ChildTimes {
                    spawn_call: us(c, "spawn_call_us")?,
                    to_response: us(c, "to_response_us")?,
                    from_first_spawn: us(c, "from_first_spawn_us")?,
                    turn: us(c, "turn_us")?,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Figures {
            wall: us(&v, "wall_us")?,
            peak: mib("peak_mib")?,
            growth: mib("growth_mib")?,
            children,
        })
    }
}

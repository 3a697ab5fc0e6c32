//! `jig bench loop`, telemetry part: the same scripted session (one
//! `read_file` call per model request) with OpenTelemetry export off and on,
//! in the same run. On, it exports to an OTLP/HTTP receiver this bench
//! starts on 127.0.0.1 (`jig_telemetry::receiver`), so the SDK's batch
//! thread really encodes and sends every span.
//!
//! Rounds alternate off and on so that load on the machine hits both
//! alike; each side's figure is the median round. Wall time includes the
//! rollout's syncs, which dominate and vary with the disk; CPU time (all
//! threads: the session, the SDK's batch thread and its HTTP client, and
//! this bench's receiver) is steadier, and on the "on" side it runs until
//! the exporters were flushed, so every span's encoding and sending counts.
//!
//! Invariant: every figure comes from this run; nothing is a constant.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jig_core::{Session, SessionConfig};
use jig_model::scripted::ScriptedModel;
use jig_protocol::{Op, TurnOutcome};
use jig_telemetry::Telemetry;
use jig_telemetry::receiver::Receiver;
use jig_tools::ToolRouter;

/// Alternating rounds per side.
const ROUNDS: usize = 5;

/// Prints per-request time with telemetry off and on, for `turns` requests.
pub async fn telemetry_overhead(turns: u32) -> anyhow::Result<()> {
    let turns = turns.max(2);
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let workspace = scratch.path().join("ws");
    std::fs::create_dir_all(&workspace)?;
    std::fs::write(workspace.join("small.txt"), "one\ntwo\nthree\n")?;
    let receiver = Receiver::start().context("cannot start the OTLP receiver")?;
    let settings = jig_config::TelemetrySettings {
        otlp_endpoint: Some(receiver.endpoint()),
        ..Default::default()
    };
    let telemetry = Telemetry::for_settings(&settings)?.context("telemetry did not turn on")?;
    let config = SessionConfig {
        max_turns: Some(turns),
        ..super::scripted_config(workspace.clone(), scratch.path().join("home"))
    };
    let (mut off, mut on, mut off_cpu, mut on_cpu) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (wall, cpu) = session_time(&config, turns, None).await?;
        off.push(wall);
        off_cpu.push(cpu);
        let (wall, cpu) = session_time(&config, turns, Some(&telemetry)).await?;
        on.push(wall);
        on_cpu.push(cpu);
    }
    let flush_start = Instant::now();
    let flushed = tokio::task::spawn_blocking({
        let telemetry = Arc::clone(&telemetry);
        move || telemetry.flush()
    })
    .await?;
    let flush = flush_start.elapsed();
    flushed?;
    let received = receiver.received();
    let bytes: usize = received.iter().map(|r| r.body.len()).sum();

    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(turns);
    let (off, on) = (per(super::median(&off)), per(super::median(&on)));
    let (off_cpu, on_cpu) = (per(super::median(&off_cpu)), per(super::median(&on_cpu)));
    println!("bench loop: telemetry, {turns} model requests per session, median of {ROUNDS} alternating rounds");
    println!("  telemetry off:                {off:>9.1} µs/request");
    println!("  telemetry on (OTLP/HTTP):     {on:>9.1} µs/request");
    println!("  overhead:                     {:>9.1} µs/request", on - off);
    println!("  ratio on/off:                 {:>9.2}x", on / off);
    println!("  CPU off (all threads):        {off_cpu:>9.1} µs/request");
    println!("  CPU on, flushed (all threads):{on_cpu:>9.1} µs/request");
    println!("  CPU overhead:                 {:>9.1} µs/request", on_cpu - off_cpu);
    println!("  CPU ratio on/off:             {:>9.2}x", on_cpu / off_cpu);
    println!(
        "  flush at exit: {:.1} ms; received {} export requests, {:.1} KiB",
        super::ms(flush),
        received.len(),
        bytes as f64 / 1024.0
    );
    Ok(())
}

/// Wall time of one session of `turns` requests, telemetry on or off, and
/// the process's CPU time until its telemetry (if on) was flushed.
async fn session_time(
    config: &SessionConfig,
    turns: u32,
    telemetry: Option<&Arc<Telemetry>>,
) -> anyhow::Result<(Duration, Duration)> {
    let arguments = serde_json::json!({ "path": "small.txt" });
    let responses = super::read_file_script(turns, &arguments);
    let model = Arc::new(ScriptedModel::new("bench", responses));
    let mut session = Session::create(config, model, ToolRouter::builtin())?;
    if let Some(telemetry) = telemetry {
        session.export_telemetry(telemetry);
    }
    let mut handle = session.spawn();
    let (start, cpu_start) = (Instant::now(), super::loop_gap::cpu_time());
    handle.submit(Op::UserInput { text: "bench".into() });
    let outcome = super::turn_outcome(&mut handle).await;
    let elapsed = start.elapsed();
    handle.submit(Op::Shutdown);
    while handle.next_event().await.is_some() {}
    if let Some(telemetry) = telemetry {
        let telemetry = Arc::clone(telemetry);
        tokio::task::spawn_blocking(move || telemetry.flush()).await??;
    }
    let cpu = super::loop_gap::cpu_time().saturating_sub(cpu_start);
    anyhow::ensure!(
        outcome == Some(TurnOutcome::Completed),
        "bench session ended with {outcome:?}"
    );
    Ok((elapsed, cpu))
}

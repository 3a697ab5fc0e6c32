//! `jig bench loop`, arguments part: what a tool call with large arguments
//! costs per MiB, in CPU seconds and peak-RSS growth, against the floor of
//! parsing the same arguments once, measured in the same run.
//!
//! Two paths. Through the scripted model, the arguments arrive whole, so the
//! figure is the session's own work: recording, redaction, dispatch, the
//! patch. Through the OpenAI Responses wire format, a server on 127.0.0.1
//! that this process runs streams the call the way the API does: one
//! `response.function_call_arguments.delta` event per token (here every
//! [`DELTA_BYTES`] bytes of the arguments), then the whole arguments again
//! in `…arguments.done`, `response.output_item.done` and
//! `response.completed`. That adds the transport, the SSE parser and the
//! decoder. The server thread's own CPU time is measured apart and left out.
//!
//! Invariant: every figure comes from this run; nothing is a constant.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jig_core::Session;
use jig_model::ModelClient;
use jig_model::http::RetryPolicy;
use jig_model::openai::{ResponsesClient, ResponsesOptions};
use jig_model::scripted::{ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_protocol::{Op, TurnOutcome};
use jig_tools::ToolRouter;
use serde_json::{Value, json};

use super::loop_gap::{cpu_time, reset_peak_rss, status_kib, thread_cpu_time};
use super::startup::{ANSWER, read_request};

/// Size of the arguments of the large-arguments case.
const LARGE_ARGUMENTS_BYTES: usize = 1 << 20;

/// Bytes of the arguments per streamed delta event: about one token of
/// source text, as the API sends them.
const DELTA_BYTES: usize = 8;

/// What one large call cost.
struct Cost {
    cpu: Duration,
    peak_mib: f64,
}

/// Prints CPU seconds and peak-RSS growth per MiB of a 1 MiB `apply_patch`
/// call, through the scripted model and through the Responses wire format.
pub async fn large_arguments() -> anyhow::Result<()> {
    let arguments = large_patch_arguments();
    let text = arguments.to_string();
    let mib = text.len() as f64 / f64::from(1u32 << 20);

    let floor_start = cpu_time();
    let parsed: Value = serde_json::from_str(&text)?;
    std::hint::black_box(parsed);
    let floor = cpu_time().saturating_sub(floor_start);

    let scripted = scripted_session(arguments).await?;
    let streamed = streamed_session(&text).await?;
    let events = text.len().div_ceil(DELTA_BYTES);
    println!("bench loop: one apply_patch call with {mib:.2} MiB of arguments");
    println!(
        "  floor, one JSON parse of the arguments:      {:>7.3} CPU-s/MiB",
        floor.as_secs_f64() / mib
    );
    for (path, cost) in [
        ("scripted model (arguments whole)", &scripted),
        ("OpenAI Responses SSE on 127.0.0.1", &streamed),
    ] {
        println!(
            "  {path:<36} {:>7.3} CPU-s/MiB  {:>6.1} MiB peak RSS growth/MiB",
            cost.cpu.as_secs_f64() / mib,
            cost.peak_mib / mib
        );
    }
    println!(
        "    (the SSE stream: {events} delta events of {DELTA_BYTES} bytes, then the arguments whole three times)"
    );
    Ok(())
}

/// `{"input": PATCH}` of about [`LARGE_ARGUMENTS_BYTES`]: a patch adding one
/// generated source file.
fn large_patch_arguments() -> Value {
    let line = "+let value = \"some source text of a generated file, about eighty bytes\";\n";
    let mut patch = String::from("*** Begin Patch\n*** Add File: big.rs\n");
    while patch.len() + line.len() < LARGE_ARGUMENTS_BYTES - 64 {
        patch.push_str(line);
    }
    patch.push_str("*** End Patch\n");
    json!({ "input": patch })
}

async fn scripted_session(arguments: Value) -> anyhow::Result<Cost> {
    let responses = vec![
        ScriptedResponse {
            tool_calls: vec![ScriptedToolCall::new("apply_patch", arguments)],
            ..Default::default()
        },
        ScriptedResponse {
            text: Some("done".into()),
            ..Default::default()
        },
    ];
    let model = Arc::new(ScriptedModel::new("bench", responses));
    run_session(model).await
}

async fn streamed_session(arguments: &str) -> anyhow::Result<Cost> {
    let stream = responses_stream(arguments);
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1")?;
    let base = format!("http://{}/v1", listener.local_addr()?);
    let server = std::thread::spawn(move || -> anyhow::Result<Duration> {
        let started = thread_cpu_time();
        for body in [stream.as_str(), ANSWER] {
            let (connection, _) = listener.accept().context("cannot accept jig's connection")?;
            connection.set_read_timeout(Some(Duration::from_secs(30)))?;
            read_request(&mut BufReader::new(connection.try_clone()?))?;
            let mut writer = std::io::BufWriter::with_capacity(16 << 10, &connection);
            write!(
                writer,
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )?;
            writer.flush()?;
        }
        Ok(thread_cpu_time().saturating_sub(started))
    });
    let model = Arc::new(ResponsesClient::new(
        base,
        ResponsesOptions::new("gpt-5-codex"),
        None,
        RetryPolicy::default(),
    )?);
    let cost = run_session(model).await?;
    let server_cpu = server
        .join()
        .map_err(|_| anyhow::anyhow!("the bench server panicked"))??;
    Ok(Cost {
        cpu: cost.cpu.saturating_sub(server_cpu),
        peak_mib: cost.peak_mib,
    })
}

/// Runs one session whose model makes the large call and then answers;
/// checks the patch was applied.
async fn run_session(model: Arc<dyn ModelClient>) -> anyhow::Result<Cost> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let workspace = scratch.path().join("ws");
    std::fs::create_dir_all(&workspace)?;
    let config = crate::bench::scripted_config(workspace.clone(), scratch.path().join("home"));
    let hwm_before = reset_peak_rss();
    let cpu_before = cpu_time();
    let session = Session::create(&config, model, ToolRouter::builtin())?;
    let mut handle = session.spawn();
    handle.submit(Op::UserInput { text: "bench".into() });
    let outcome = crate::bench::turn_outcome(&mut handle).await;
    let cpu = cpu_time().saturating_sub(cpu_before);
    let peak_mib = status_kib("VmHWM:").unwrap_or(f64::NAN) / 1024.0 - hwm_before;
    handle.submit(Op::Shutdown);
    anyhow::ensure!(
        outcome == Some(TurnOutcome::Completed),
        "large-arguments session ended with {outcome:?}"
    );
    anyhow::ensure!(workspace.join("big.rs").is_file(), "the large patch was not applied");
    Ok(Cost { cpu, peak_mib })
}

/// The Responses API's stream of one `apply_patch` function call with
/// `arguments`, as the API sends it.
fn responses_stream(arguments: &str) -> String {
    let mut out = String::with_capacity(arguments.len() * 8);
    let mut event = |data: Value| {
        let kind = data["type"].as_str().unwrap_or_default().to_owned();
        out.push_str(&format!("event: {kind}\ndata: {data}\n\n"));
    };
    let item = |status: &str, arguments: &str| {
        json!({"id": "fc_1", "type": "function_call", "status": status, "call_id": "call_1",
               "name": "apply_patch", "arguments": arguments})
    };
    event(json!({"type": "response.created", "response": {"id": "resp_1", "status": "in_progress", "output": []}}));
    event(json!({"type": "response.output_item.added", "output_index": 0, "item": item("in_progress", "")}));
    let mut rest = arguments;
    while !rest.is_empty() {
        let mut end = DELTA_BYTES.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (delta, tail) = rest.split_at(end);
        event(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1",
                     "output_index": 0, "delta": delta}),
        );
        rest = tail;
    }
    event(
        json!({"type": "response.function_call_arguments.done", "item_id": "fc_1",
                 "output_index": 0, "arguments": arguments}),
    );
    event(json!({"type": "response.output_item.done", "output_index": 0, "item": item("completed", arguments)}));
    event(
        json!({"type": "response.completed", "response": {"id": "resp_1", "status": "completed",
                 "output": [item("completed", arguments)],
                 "usage": {"input_tokens": 100, "output_tokens": 300_000, "total_tokens": 300_100}}}),
    );
    out
}

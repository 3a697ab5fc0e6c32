//! `jig bench startup`: how soon jig gets going, against references timed
//! in the same run.
//!
//! Two figures. `jig --version` against `true` is the floor of any process
//! start (loading, relocation, static constructors). Start-up to the first
//! model request is `jig exec` against a provider on 127.0.0.1 that this
//! process serves itself: the clock starts just before the child is spawned
//! and stops once the whole request (headers and body) has arrived, which is
//! the instant the request is made from the provider's side; it is reported
//! against `jig --version`, the part of it no session work can remove.
//!
//! The provider speaks just enough of the OpenAI Responses wire format (one
//! streamed text answer) to end the turn, so each run is a whole session:
//! settings, model resolution, rollout creation, the first request. OpenAI is
//! the family whose sessions count tokens with o200k, so a tokenizer built on
//! the way to the first request shows up here. Each run gets its own data
//! directory and workspace, and the child never sees the caller's provider
//! keys or URLs, so a real API is never reached.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::ms;
use crate::exit;

/// The model every first-request run asks for.
const MODEL: &str = "openai:gpt-5-codex";

/// The whole answer the fake provider streams: one short text message.
pub(super) const ANSWER: &str = concat!(
    "event: response.created\n",
    r#"data: {"type":"response.created","response":{"id":"resp_1","status":"in_progress","output":[]}}"#,
    "\n\n",
    "event: response.output_item.done\n",
    r#"data: {"type":"response.output_item.done","output_index":0,"item":{"id":"msg_1","type":"message","#,
    r#""status":"completed","role":"assistant","content":[{"type":"output_text","annotations":[],"text":"done"}]}}"#,
    "\n\n",
    "event: response.completed\n",
    r#"data: {"type":"response.completed","response":{"id":"resp_1","status":"completed","usage":"#,
    r#"{"input_tokens":10,"output_tokens":1,"total_tokens":11}}}"#,
    "\n\n",
);

/// `jig bench startup --runs N`.
pub fn startup(runs: u32) -> anyhow::Result<u8> {
    let runs = runs.max(1);
    let jig = std::env::current_exe().context("cannot find the jig executable")?;
    let reference = median(runs, || command_time(&mut Command::new("true")))?;
    let version = median(runs, || command_time(Command::new(&jig).arg("--version")))?;
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let mut first = Vec::new();
    let mut whole = Vec::new();
    for run in 0..runs {
        let (to_request, to_exit) = first_request(&jig, &scratch.path().join(run.to_string()))?;
        first.push(to_request);
        whole.push(to_exit);
    }
    let (first, whole) = (middle(first), middle(whole));
    println!("bench startup: median of {runs} runs");
    println!("  `true` (reference):            {:>8.2} ms", ms(reference));
    println!(
        "  `jig --version`:               {:>8.2} ms  {:>6.2}x `true`",
        ms(version),
        ratio(version, reference)
    );
    println!(
        "  `jig exec` to first request:   {:>8.2} ms  {:>6.2}x `jig --version`",
        ms(first),
        ratio(first, version)
    );
    println!(
        "  `jig exec` whole session:      {:>8.2} ms  ({MODEL}, one text answer)",
        ms(whole)
    );
    Ok(exit::COMPLETED)
}

/// One `jig exec` against the fake provider: the time until its request has
/// arrived whole, and until the process exited. Each run listens on a port
/// of its own, so nothing of one run can reach the next.
fn first_request(jig: &Path, dir: &Path) -> anyhow::Result<(Duration, Duration)> {
    let workspace = dir.join("ws");
    std::fs::create_dir_all(&workspace)?;
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1 for the fake provider")?;
    let listener = &listener;
    let base_url = format!("http://{}/v1", listener.local_addr()?);
    let mut command = Command::new(jig);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") || name.starts_with("JIG_") {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env_remove("OLLAMA_HOST")
        .env("JIG_HOME", dir.join("home"))
        .env("OPENAI_BASE_URL", base_url)
        .env("OPENAI_API_KEY", "sk-bench")
        .current_dir(&workspace)
        .args(["exec", "--json", "--model", MODEL, "say done"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (output, to_exit, served) = std::thread::scope(|scope| -> anyhow::Result<_> {
        let start = Instant::now();
        let child = command.spawn().context("cannot start `jig exec`")?;
        let server = scope.spawn(move || serve_one(listener, start));
        let output = child.wait_with_output()?;
        let to_exit = start.elapsed();
        if !server.is_finished() {
            // jig ended without a request: wake the server from its accept.
            let _ = TcpStream::connect(listener.local_addr()?);
        }
        let served = server
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the fake provider's thread panicked")));
        Ok((output, to_exit, served))
    })?;
    // With --json, a failed turn is told in the last events, not on stderr.
    let said = || {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let last: Vec<&str> = stdout.lines().rev().take(3).collect();
        format!("{}{}", String::from_utf8_lossy(&output.stderr), last.join("\n"))
    };
    anyhow::ensure!(
        output.status.success(),
        "`jig exec` failed ({}): {}",
        output.status,
        said()
    );
    let to_request = served.with_context(|| format!("the fake provider got no whole request; jig said: {}", said()))?;
    Ok((to_request, to_exit))
}

/// Accepts one connection, reads one request and answers it; returns when
/// (after `start`) the request had arrived whole. A connection that closes
/// before a whole request is an error.
fn serve_one(listener: &TcpListener, start: Instant) -> anyhow::Result<Duration> {
    let (stream, _) = listener.accept().context("cannot accept jig's connection")?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    read_request(&mut reader)?;
    let arrived = start.elapsed();
    answer(&stream)?;
    Ok(arrived)
}

/// Reads a request's head and its body (by `content-length`, or chunked).
pub(super) fn read_request(reader: &mut BufReader<TcpStream>) -> anyhow::Result<()> {
    let mut length = 0;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        anyhow::ensure!(reader.read_line(&mut line)? > 0, "connection closed mid-request");
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse().context("bad content-length")?;
        }
        chunked |= line.starts_with("transfer-encoding:") && line.contains("chunked");
    }
    if !chunked {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        return Ok(());
    }
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim(), 16).context("bad chunk size")?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(());
        }
    }
}

fn answer(mut stream: &TcpStream) -> anyhow::Result<()> {
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ANSWER}",
        ANSWER.len()
    )?;
    stream.flush()?;
    Ok(())
}

fn command_time(command: &mut Command) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let output = command.output().context("cannot start the benchmarked command")?;
    let took = start.elapsed();
    anyhow::ensure!(
        output.status.success(),
        "benchmarked command failed: {:?}",
        output.status
    );
    Ok(took)
}

fn median(runs: u32, mut run: impl FnMut() -> anyhow::Result<Duration>) -> anyhow::Result<Duration> {
    let times = (0..runs).map(|_| run()).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(middle(times))
}

fn middle(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

//! A fake model vendor on 127.0.0.1 with both vendors' live *and* batch
//! endpoints: OpenAI's Responses API, Files and Batches (`/v1/responses`,
//! `/v1/files`, `/v1/batches`, `/v1/files/ID/content`) and Anthropic's
//! Messages API and Message Batches (`/v1/messages`, `/v1/messages/batches`,
//! `…/ID/results`). Every answer comes from one [`Model`] function of the
//! request body, so a batched run and a live run get the same answers.
//!
//! Batches behave as the real ones may: results come back in reverse order
//! of the input, a batch is still running at its first poll, and [`Faults`]
//! fail one request, expire one batch (its odd-numbered requests), or hold
//! batches running until [`FakeVendor::release`]. Live requests stream (SSE
//! built here, independently of jig's own) or not, as `stream` asks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod wire;
pub use wire::{messages_body, responses_body};
use wire::{messages_events, responses_events};

/// Which API a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// OpenAI's Responses API.
    Responses,
    /// Anthropic's Messages API.
    Messages,
}

/// What the model answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    /// One tool call with these arguments (a JSON object), and its call id.
    Call {
        /// The call id.
        id: String,
        /// The tool.
        name: String,
        /// Its arguments.
        arguments: Value,
    },
    /// A final text.
    Text(String),
}

/// One answer and its usage (`input` counts the `cached` tokens too).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// What the model says.
    pub turn: Turn,
    /// Prompt tokens.
    pub input: u64,
    /// Of those, read from the prompt cache.
    pub cached: u64,
    /// Generated tokens.
    pub output: u64,
}

/// The model: an answer for a request body of an API.
pub type Model = Arc<dyn Fn(Api, &Value) -> Answer + Send + Sync>;

/// What goes wrong, by batch number (0-based, in creation order) and line
/// number (0-based, in input order).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// This request of this batch errors.
    pub fail: Option<(usize, usize)>,
    /// This batch expires with its odd-numbered requests not done.
    pub expire: Option<usize>,
    /// Batches from this number on stay running until released.
    pub hold_from: Option<usize>,
}

/// One line of a submitted batch, as received.
#[derive(Debug, Clone)]
pub struct BatchLine {
    /// The batch's number.
    pub batch: usize,
    /// The line's `custom_id`.
    pub custom_id: String,
    /// The request body (`body` or `params`).
    pub body: Value,
}

#[derive(Default)]
struct Batch {
    /// Result lines, in the order they are served.
    results: Vec<Value>,
    expired: bool,
    polls: usize,
    api: Option<Api>,
    counts: (usize, usize, usize),
}

#[derive(Default)]
struct State {
    files: HashMap<String, String>,
    batches: Vec<Batch>,
    lines: Vec<BatchLine>,
    live: Vec<Value>,
    released: bool,
    /// Requests without an auth header.
    unauthorised: usize,
    /// What the fake saw that the real API would refuse.
    problems: Vec<String>,
}

/// The running fake; it stops with the runtime that started it.
pub struct FakeVendor {
    port: u16,
    state: Arc<Mutex<State>>,
}

struct Ctx {
    model: Model,
    faults: Faults,
    port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeVendor {
    /// Starts the fake answering with `model` and going wrong as `faults` say.
    pub async fn start(model: Model, faults: Faults) -> FakeVendor {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let ctx = Arc::new(Ctx {
            model,
            faults,
            port,
            state: state.clone(),
        });
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, &ctx).await;
                });
            }
        });
        FakeVendor { port, state }
    }

    /// OpenAI's base URL (with `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Anthropic's base URL (without `/v1`).
    pub fn root_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Lets held batches end at their next poll.
    pub fn release(&self) {
        self.state.lock().unwrap().released = true;
    }

    /// Batches created so far.
    pub fn batches_created(&self) -> usize {
        self.state.lock().unwrap().batches.len()
    }

    /// Every line of every batch, in the order received.
    pub fn batch_lines(&self) -> Vec<BatchLine> {
        self.state.lock().unwrap().lines.clone()
    }

    /// The body of every live request, in the order received.
    pub fn live_requests(&self) -> Vec<Value> {
        self.state.lock().unwrap().live.clone()
    }

    /// Requests that came without an API key header.
    pub fn unauthorised(&self) -> usize {
        self.state.lock().unwrap().unauthorised
    }

    /// What the fake received that the real API would refuse (a streaming
    /// batch request, a wrong endpoint, a file without purpose `batch`).
    pub fn problems(&self) -> Vec<String> {
        self.state.lock().unwrap().problems.clone()
    }
}

struct Http {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Http {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

enum Out {
    Json(u16, Value),
    Text(String),
    Sse(Vec<Value>),
}

async fn serve(mut socket: TcpStream, ctx: &Ctx) -> std::io::Result<()> {
    let request = read(&mut socket).await?;
    if request.header("authorization").is_none() && request.header("x-api-key").is_none() {
        ctx.state.lock().unwrap().unauthorised += 1;
    }
    let out = route(&request, ctx);
    match out {
        Out::Json(status, body) => respond(&mut socket, status, "application/json", &body.to_string()).await,
        Out::Text(text) => respond(&mut socket, 200, "application/jsonl", &text).await,
        Out::Sse(events) => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                        transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            socket.write_all(head.as_bytes()).await?;
            for event in events {
                let chunk = format!(
                    "event: {}\ndata: {event}\n\n",
                    event["type"].as_str().unwrap_or_default()
                );
                socket
                    .write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
                    .await?;
                socket.flush().await?;
            }
            socket.write_all(b"0\r\n\r\n").await?;
            socket.shutdown().await
        }
    }
}

fn route(request: &Http, ctx: &Ctx) -> Out {
    let path = request.path.as_str();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "responses"]) => live(ctx, Api::Responses, request.json()),
        ("POST", ["v1", "messages"]) => live(ctx, Api::Messages, request.json()),
        ("POST", ["v1", "files"]) => upload(ctx, request),
        ("POST", ["v1", "batches"]) => {
            let body = request.json();
            let file = body["input_file_id"].as_str().unwrap_or_default();
            let text = ctx.state.lock().unwrap().files.get(file).cloned();
            let Some(text) = text else {
                return Out::Json(404, json!({"error": {"message": "no such file"}}));
            };
            if body["endpoint"] != "/v1/responses" || body["completion_window"] != "24h" {
                problem(ctx, format!("a batch of {body}"));
            }
            let requests: Vec<(String, Value)> = text
                .lines()
                .map(|line| {
                    let line: Value = serde_json::from_str(line).unwrap_or(Value::Null);
                    if line["method"] != "POST" || line["url"] != "/v1/responses" {
                        problem(ctx, format!("a batch line {line}"));
                    }
                    (
                        line["custom_id"].as_str().unwrap_or_default().to_owned(),
                        line["body"].clone(),
                    )
                })
                .collect();
            let n = create(ctx, Api::Responses, requests);
            Out::Json(200, openai_batch(ctx, n))
        }
        ("GET", ["v1", "batches", id]) => match number(ctx, id, "batch_") {
            Some(n) => {
                poll(ctx, n);
                Out::Json(200, openai_batch(ctx, n))
            }
            None => Out::Json(404, json!({"error": {"message": "no such batch"}})),
        },
        ("GET", ["v1", "files", id, "content"]) => {
            let text = ctx.state.lock().unwrap().files.get(*id).cloned();
            text.map_or_else(
                || Out::Json(404, json!({"error": {"message": "no such file"}})),
                Out::Text,
            )
        }
        ("POST", ["v1", "messages", "batches"]) => {
            let body = request.json();
            let requests: Vec<(String, Value)> = body["requests"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    (
                        r["custom_id"].as_str().unwrap_or_default().to_owned(),
                        r["params"].clone(),
                    )
                })
                .collect();
            let n = create(ctx, Api::Messages, requests);
            Out::Json(200, anthropic_batch(ctx, n))
        }
        ("GET", ["v1", "messages", "batches", id]) => match number(ctx, id, "msgbatch_") {
            Some(n) => {
                poll(ctx, n);
                Out::Json(200, anthropic_batch(ctx, n))
            }
            None => Out::Json(404, json!({"type": "error", "error": {"type": "not_found_error"}})),
        },
        ("GET", ["v1", "messages", "batches", id, "results"]) => match number(ctx, id, "msgbatch_") {
            Some(n) => {
                let state = ctx.state.lock().unwrap();
                let lines: Vec<String> = state.batches[n].results.iter().map(Value::to_string).collect();
                Out::Text(lines.join("\n") + "\n")
            }
            None => Out::Json(404, json!({"type": "error", "error": {"type": "not_found_error"}})),
        },
        _ => Out::Json(
            404,
            json!({"error": {"message": format!("no route {} {path}", request.method)}}),
        ),
    }
}

fn problem(ctx: &Ctx, text: String) {
    ctx.state.lock().unwrap().problems.push(text);
}

/// The number of the batch `id` names, when the fake made it.
fn number(ctx: &Ctx, id: &str, prefix: &str) -> Option<usize> {
    let n: usize = id.strip_prefix(prefix)?.parse().ok()?;
    (n < ctx.state.lock().unwrap().batches.len()).then_some(n)
}

/// A live request: streamed when it asks, else one body.
fn live(ctx: &Ctx, api: Api, body: Value) -> Out {
    ctx.state.lock().unwrap().live.push(body.clone());
    let answer = (ctx.model)(api, &body);
    let model = body["model"].as_str().unwrap_or("fake").to_owned();
    let streamed = body["stream"] == true;
    match (api, streamed) {
        (Api::Responses, false) => Out::Json(200, responses_body(&model, &answer)),
        (Api::Messages, false) => Out::Json(200, messages_body(&model, &answer)),
        (Api::Responses, true) => Out::Sse(responses_events(&model, &answer)),
        (Api::Messages, true) => Out::Sse(messages_events(&model, &answer)),
    }
}

/// `POST /v1/files`: the multipart form's `file` part, kept as the file.
fn upload(ctx: &Ctx, request: &Http) -> Out {
    let content_type = request.header("content-type").unwrap_or_default();
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap_or_default()
        .trim_matches('"');
    let text = String::from_utf8_lossy(&request.body).into_owned();
    let delimiter = format!("--{boundary}");
    let mut purpose = None;
    let mut file = None;
    for part in text.split(&delimiter) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        if head.contains("name=\"purpose\"") {
            purpose = Some(content.to_owned());
        } else if head.contains("name=\"file\"") {
            file = Some(content.to_owned());
        }
    }
    if purpose.as_deref() != Some("batch") {
        problem(ctx, format!("a file with purpose {purpose:?}"));
    }
    let mut state = ctx.state.lock().unwrap();
    let id = format!("file-in{}", state.files.len());
    state.files.insert(id.clone(), file.unwrap_or_default());
    Out::Json(
        200,
        json!({"id": id, "object": "file", "purpose": "batch", "status": "processed"}),
    )
}

/// Creates batch number N of `requests` and computes its results now.
fn create(ctx: &Ctx, api: Api, requests: Vec<(String, Value)>) -> usize {
    let mut state = ctx.state.lock().unwrap();
    let n = state.batches.len();
    let mut results = Vec::new();
    let mut counts = (0, 0, 0);
    for (i, (custom_id, body)) in requests.iter().enumerate() {
        if body.get("stream").is_some() {
            state.problems.push(format!("a batch request with stream: {custom_id}"));
        }
        state.lines.push(BatchLine {
            batch: n,
            custom_id: custom_id.clone(),
            body: body.clone(),
        });
        let model = body["model"].as_str().unwrap_or("fake").to_owned();
        let failed = ctx.faults.fail == Some((n, i));
        let expired = ctx.faults.expire == Some(n) && i % 2 == 1;
        let line = match (api, failed, expired) {
            (Api::Responses, true, _) => {
                counts.1 += 1;
                json!({"id": format!("batch_req_{n}_{i}"), "custom_id": custom_id, "response": {
                    "status_code": 500, "request_id": format!("req_{n}_{i}"),
                    "body": {"error": {"message": "the fake failed this request", "type": "server_error"}}},
                    "error": null})
            }
            (Api::Responses, _, true) => {
                counts.2 += 1;
                json!({"id": format!("batch_req_{n}_{i}"), "custom_id": custom_id, "response": null,
                    "error": {"code": "batch_expired",
                        "message": "This request could not be executed before the completion window expired."}})
            }
            (Api::Responses, false, false) => {
                counts.0 += 1;
                let answer = (ctx.model)(api, body);
                json!({"id": format!("batch_req_{n}_{i}"), "custom_id": custom_id, "response": {
                    "status_code": 200, "request_id": format!("req_{n}_{i}"),
                    "body": responses_body(&model, &answer)}, "error": null})
            }
            (Api::Messages, true, _) => {
                counts.1 += 1;
                json!({"custom_id": custom_id, "result": {"type": "errored", "error": {"type": "error",
                    "error": {"type": "api_error", "message": "the fake failed this request"}}}})
            }
            (Api::Messages, _, true) => {
                counts.2 += 1;
                json!({"custom_id": custom_id, "result": {"type": "expired"}})
            }
            (Api::Messages, false, false) => {
                counts.0 += 1;
                let answer = (ctx.model)(api, body);
                json!({"custom_id": custom_id, "result": {"type": "succeeded",
                    "message": messages_body(&model, &answer)}})
            }
        };
        results.push(line);
    }
    // Never in input order.
    results.reverse();
    state.batches.push(Batch {
        results,
        expired: ctx.faults.expire == Some(n),
        polls: 0,
        api: Some(api),
        counts,
    });
    n
}

fn poll(ctx: &Ctx, n: usize) {
    ctx.state.lock().unwrap().batches[n].polls += 1;
}

/// Whether batch `n` has ended: not at its first poll, never while held.
fn ended(ctx: &Ctx, state: &State, n: usize) -> bool {
    let held = ctx.faults.hold_from.is_some_and(|from| n >= from) && !state.released;
    state.batches[n].polls >= 2 && !held
}

fn openai_batch(ctx: &Ctx, n: usize) -> Value {
    let mut state = ctx.state.lock().unwrap();
    let done = ended(ctx, &state, n);
    let batch = &state.batches[n];
    let (ok, failed, expired) = batch.counts;
    let mut value = json!({"id": format!("batch_{n}"), "object": "batch", "endpoint": "/v1/responses",
        "input_file_id": format!("file-in{n}"), "completion_window": "24h",
        "status": if done { if batch.expired { "expired" } else { "completed" } } else { "in_progress" },
        "output_file_id": null, "error_file_id": null,
        "request_counts": {"total": ok + failed + expired, "completed": if done { ok } else { 0 },
                           "failed": if done { failed + expired } else { 0 }}});
    if done {
        let (good, bad): (Vec<&Value>, Vec<&Value>) = batch
            .results
            .iter()
            .partition(|line| line["response"]["status_code"] == 200);
        let joined = |lines: Vec<&Value>| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let (good, bad) = (joined(good), joined(bad));
        if !good.is_empty() {
            value["output_file_id"] = json!(format!("file-out{n}"));
            state.files.insert(format!("file-out{n}"), good);
        }
        if !bad.is_empty() {
            value["error_file_id"] = json!(format!("file-err{n}"));
            state.files.insert(format!("file-err{n}"), bad);
        }
    }
    value
}

fn anthropic_batch(ctx: &Ctx, n: usize) -> Value {
    let state = ctx.state.lock().unwrap();
    let done = ended(ctx, &state, n);
    let batch = &state.batches[n];
    assert_eq!(batch.api, Some(Api::Messages));
    let (ok, failed, expired) = batch.counts;
    let id = format!("msgbatch_{n}");
    json!({"id": id, "type": "message_batch",
    "processing_status": if done { "ended" } else { "in_progress" },
    "request_counts": if done {
        json!({"processing": 0, "succeeded": ok, "errored": failed, "canceled": 0, "expired": expired})
    } else {
        json!({"processing": ok + failed + expired, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0})
    },
    "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
    "ended_at": if done { json!("2026-01-01T00:10:00Z") } else { Value::Null },
    "cancel_initiated_at": null, "archived_at": null,
    "results_url": if done {
        json!(format!("http://127.0.0.1:{}/v1/messages/batches/{id}/results", ctx.port))
    } else {
        Value::Null
    }})
}

async fn respond(socket: &mut TcpStream, status: u16, content_type: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} Fake\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.shutdown().await
}

async fn read(socket: &mut TcpStream) -> std::io::Result<Http> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = socket.read(&mut buf).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..read]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let path = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let read = socket.read(&mut buf).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..read]);
    }
    Ok(Http {
        method,
        path,
        headers,
        body: data[head_end..head_end + length].to_vec(),
    })
}

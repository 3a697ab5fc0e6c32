//! One undecodable SSE event in a response, for each wire format: it is
//! skipped and reported, and the response is kept when the rest of it is
//! consistent (text, reasoning and unrelated events), or retried when the
//! event may have carried a piece of a tool call. Also the time-to-headers
//! limit. The mangled event keeps its `event:` line and loses the second
//! half of its JSON, as a proxy that drops bytes leaves it.

use std::time::Duration;

use jig_model::anthropic::{MessagesClient, MessagesOptions};
use jig_model::chat::ChatClient;
use jig_model::http::RetryPolicy;
use jig_model::openai::{ResponsesClient, ResponsesOptions};
use jig_model::{ModelClient, ReasoningPart, ResponseEvent};
use jig_protocol::{Item, ToolCall};
use jig_testkit::streams::{anthropic, chat, openai};
use jig_testkit::{End, FakeServer, Reply};
use serde_json::{Value, json};

use crate::http_providers::{anthropic_tool_call, openai_tool_call, run};
use crate::support::{policy, text_of};

fn openai_client(server: &FakeServer, policy: RetryPolicy) -> Box<dyn ModelClient> {
    let options = ResponsesOptions::new("gpt-5-codex");
    Box::new(ResponsesClient::new(server.base_url(), options, Some("sk-test".into()), policy).unwrap())
}

fn anthropic_client(server: &FakeServer, policy: RetryPolicy) -> Box<dyn ModelClient> {
    let options = MessagesOptions {
        model: "claude-sonnet-4-5".into(),
        max_tokens: 32000,
        thinking_budget: Some(8000),
    };
    Box::new(MessagesClient::new(server.root_url(), options, Some("sk-ant-test".into()), policy).unwrap())
}

fn chat_client(server: &FakeServer, policy: RetryPolicy) -> Box<dyn ModelClient> {
    Box::new(ChatClient::new(server.base_url(), "m", None, policy).unwrap())
}

type Client = fn(&FakeServer, RetryPolicy) -> Box<dyn ModelClient>;

/// The events of one request served by `replies`, and how many requests the
/// server saw; the request must succeed.
async fn respond(client: Client, replies: Vec<Reply>) -> (Vec<ResponseEvent>, usize) {
    let server = FakeServer::start(replies).await;
    let (events, error) = run(client(&server, policy()).as_ref(), &[Item::user("hi")]).await;
    assert!(error.is_none(), "{error:?} after {events:?}");
    (events, server.requests().len())
}

/// `reply` served alone: one request, one skipped event named `skipped`, no
/// retry, and a completed response. Returns its events.
async fn kept(client: Client, reply: Reply, skipped: &str) -> Vec<ResponseEvent> {
    let (events, requests) = respond(client, vec![reply]).await;
    assert_eq!(requests, 1, "{events:?}");
    let names: Vec<&str> = events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::Skipped { event, .. } => Some(event.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, [skipped], "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(e, ResponseEvent::Retrying { .. })),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(ResponseEvent::Completed { .. })),
        "{events:?}"
    );
    events
}

/// `mangled`, then the good `stream`: exactly one retry, whose reason starts
/// with `reason`, and then the good response alone. Returns its events.
async fn retried(client: Client, mangled: Reply, good: Reply, reason: &str) -> Vec<ResponseEvent> {
    let (events, requests) = respond(client, vec![mangled, good]).await;
    assert_eq!(requests, 2, "{events:?}");
    let at = events
        .iter()
        .position(|e| matches!(e, ResponseEvent::Retrying { .. }))
        .unwrap_or_else(|| panic!("no retry in {events:?}"));
    let ResponseEvent::Retrying { reason: why, .. } = &events[at] else {
        unreachable!()
    };
    assert!(why.starts_with(reason), "{why:?} should start with {reason:?}");
    assert!(
        !events[..at].iter().any(|e| matches!(e, ResponseEvent::ToolCall(_))),
        "the broken attempt emitted a call: {events:?}"
    );
    events[at + 1..].to_vec()
}

fn calls(events: &[ResponseEvent]) -> Vec<ToolCall> {
    events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::ToolCall(call) => Some(call.clone()),
            _ => None,
        })
        .collect()
}

fn reasoning(events: &[ResponseEvent]) -> Vec<ReasoningPart> {
    events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::Reasoning(part) => Some(part.clone()),
            _ => None,
        })
        .collect()
}

fn shell_ls(call_id: &str) -> ToolCall {
    ToolCall {
        call_id: call_id.into(),
        name: "shell".into(),
        arguments: r#"{"cmd":"ls"}"#.into(),
    }
}

/// The index of the first event of `stream` that `test` picks.
fn find<T>(stream: &[T], test: impl Fn(&T) -> bool) -> usize {
    stream.iter().position(test).expect("the event to mangle")
}

fn is_type(event: &Value, kind: &str) -> bool {
    event["type"] == kind
}

fn is_delta(event: &Value, kind: &str) -> bool {
    event["type"] == "content_block_delta" && event["delta"]["type"] == kind
}

fn chat_chunk(delta: Value, finish_reason: Option<&str>) -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})
    .to_string()
}

#[tokio::test]
async fn a_mangled_text_delta_is_skipped_and_the_rest_kept() {
    let stream = openai::text(&["Hel", "lo", "!"]);
    let at = find(&stream, |e| e["delta"] == "lo");
    let events = kept(
        openai_client,
        Reply::events_mangling(&stream, at, End::Clean),
        "response.output_text.delta",
    )
    .await;
    assert_eq!(text_of(&events), "Hel!");

    let stream = anthropic::text(&["Hel", "lo", "!"]);
    let at = find(&stream, |e| e["delta"]["text"] == "lo");
    let events = kept(
        anthropic_client,
        Reply::events_mangling(&stream, at, End::Clean),
        "content_block_delta",
    )
    .await;
    assert_eq!(text_of(&events), "Hel!");

    let stream = chat::text(&["Hel", "lo", "!"]);
    let at = find(&stream, |c| c.contains(r#""content":"lo""#));
    let events = kept(
        chat_client,
        Reply::sse_mangling(&stream, at, End::Clean),
        "chat.completion.chunk",
    )
    .await;
    assert_eq!(text_of(&events), "Hel!");
}

#[tokio::test]
async fn a_mangled_reasoning_event_is_skipped_and_the_rest_kept() {
    // The reasoning item's `done` repeats the summary, so nothing is lost.
    let stream = openai_tool_call();
    let at = find(&stream, |e| is_type(e, "response.reasoning_summary_text.delta"));
    let reply = Reply::events_mangling(&stream, at, End::Clean);
    let events = kept(openai_client, reply, "response.reasoning_summary_text.delta").await;
    assert_eq!(reasoning(&events)[0].text, "Listing first.");
    assert_eq!(calls(&events), [shell_ls("call_1")]);

    // A damaged thinking block no longer matches its signature: kept unsigned.
    let mut stream = vec![
        anthropic::message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Think"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "ing."}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig-1"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello"}}),
        json!({"type": "content_block_stop", "index": 1}),
    ];
    stream.extend(anthropic::message_end("end_turn"));
    let at = find(&stream, |e| is_delta(e, "thinking_delta"));
    let reply = Reply::events_mangling(&stream, at, End::Clean);
    let events = kept(anthropic_client, reply, "content_block_delta").await;
    assert_eq!(reasoning(&events), [ReasoningPart::text("ing.")]);
    assert_eq!(text_of(&events), "Hello");

    let stream = [
        chat_chunk(json!({"role": "assistant", "reasoning_content": "Think"}), None),
        chat_chunk(json!({"reasoning_content": "ing."}), None),
        chat_chunk(json!({"content": "Hello"}), None),
        chat_chunk(json!({}), Some("stop")),
        chat::usage(),
        "[DONE]".to_owned(),
    ];
    let reply = Reply::sse_mangling(&stream, 0, End::Clean);
    let events = kept(chat_client, reply, "chat.completion.chunk").await;
    assert_eq!(reasoning(&events), [ReasoningPart::text("ing.")]);
    assert_eq!(text_of(&events), "Hello");
}

#[tokio::test]
async fn a_mangled_unrelated_event_is_skipped_and_the_call_kept() {
    let stream = openai::function_call("call_1", "shell", r#"{"cmd":"ls"}"#);
    let reply = Reply::events_mangling(&stream, 0, End::Clean);
    let events = kept(openai_client, reply, "response.created").await;
    assert_eq!(calls(&events), [shell_ls("call_1")]);

    let mut stream = anthropic::tool_use("toolu_1", "shell", r#"{"cmd":"ls"}"#);
    stream.insert(1, json!({"type": "ping"}));
    let reply = Reply::events_mangling(&stream, 1, End::Clean);
    let events = kept(anthropic_client, reply, "ping").await;
    assert_eq!(calls(&events), [shell_ls("toolu_1")]);

    // After `finish_reason` only the usage chunk is left to lose.
    let stream = chat::tool_call("call_1", "shell", r#"{"cmd":"ls"}"#);
    let at = find(&stream, |c| c.contains(r#""usage""#));
    let events = kept(
        chat_client,
        Reply::sse_mangling(&stream, at, End::Clean),
        "chat.completion.chunk",
    )
    .await;
    assert_eq!(calls(&events), [shell_ls("call_1")]);
    assert!(matches!(events.last(), Some(ResponseEvent::Completed { usage }) if usage.input_tokens == 0));
}

#[tokio::test]
async fn openai_arguments_lost_mid_stream_come_back_whole_with_the_done_item() {
    let stream = openai::function_call("call_1", "shell", r#"{"cmd":"ls"}"#);
    let at = find(&stream, |e| is_type(e, "response.function_call_arguments.delta"));
    let reply = Reply::events_mangling(&stream, at, End::Clean);
    let events = kept(openai_client, reply, "response.function_call_arguments.delta").await;
    assert_eq!(calls(&events), [shell_ls("call_1")]);
}

#[tokio::test]
async fn a_mangled_event_that_breaks_a_tool_call_is_retried() {
    const UNUSABLE: &str = "the response is not usable: ";
    let stream = openai::function_call("call_1", "shell", r#"{"cmd":"ls"}"#);
    let at = find(&stream, |e| is_type(e, "response.output_item.done"));
    let mangled = Reply::events_mangling(&stream, at, End::Clean);
    let after = retried(openai_client, mangled, Reply::events(&stream, End::Clean), UNUSABLE).await;
    assert_eq!(calls(&after), [shell_ls("call_1")]);

    let stream = anthropic::tool_use("toolu_1", "shell", r#"{"cmd":"ls"}"#);
    let at = find(&stream, |e| is_delta(e, "input_json_delta"));
    let mangled = Reply::events_mangling(&stream, at, End::Clean);
    let after = retried(anthropic_client, mangled, Reply::events(&stream, End::Clean), UNUSABLE).await;
    assert_eq!(calls(&after), [shell_ls("toolu_1")]);

    let stream = chat::tool_call("call_1", "shell", r#"{"cmd":"ls"}"#);
    let at = find(&stream, |c| c.contains(r#"ls\"}"#));
    let mangled = Reply::sse_mangling(&stream, at, End::Clean);
    let after = retried(chat_client, mangled, Reply::sse(&stream, End::Clean), UNUSABLE).await;
    assert_eq!(calls(&after), [shell_ls("call_1")]);

    // A whole call in the one chunk that was lost.
    let whole = json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
        "function": {"name": "shell", "arguments": r#"{"cmd":"ls"}"#}}]});
    let stream = [
        chat_chunk(whole, None),
        chat_chunk(json!({}), Some("tool_calls")),
        "[DONE]".to_owned(),
    ];
    let mangled = Reply::sse_mangling(&stream, 0, End::Clean);
    let after = retried(chat_client, mangled, Reply::sse(&stream, End::Clean), UNUSABLE).await;
    assert_eq!(calls(&after), [shell_ls("call_1")]);
}

#[tokio::test]
async fn anthropic_damaged_thinking_before_a_tool_call_is_retried() {
    // The API needs the signed thinking block back with the tool result.
    let stream = anthropic_tool_call();
    let at = find(&stream, |e| is_delta(e, "thinking_delta"));
    let mangled = Reply::events_mangling(&stream, at, End::Clean);
    let good = Reply::events(&stream, End::Clean);
    let after = retried(anthropic_client, mangled, good, "the response is not usable: ").await;
    assert_eq!(reasoning(&after)[0].signature.as_deref(), Some("sig-1"));
    assert_eq!(calls(&after), [shell_ls("toolu_1")]);
}

#[tokio::test]
async fn more_mangled_events_than_the_limit_mean_a_mangled_stream() {
    let stream = openai::text(&["a", "b", "c", "d", "e"]);
    let mut chunks: Vec<String> = stream
        .iter()
        .map(|e| format!("event: {}\ndata: {e}", e["type"].as_str().unwrap()))
        .collect();
    for chunk in chunks.iter_mut().filter(|c| c.contains("output_text.delta")) {
        *chunk = chunk[..chunk.len() / 2].to_owned();
    }
    let chunks: Vec<&str> = chunks.iter().map(String::as_str).collect();
    let mangled = Reply::raw(&chunks, End::Clean);
    let good = Reply::events(&openai::text(&["Hel", "lo"]), End::Clean);
    let after = retried(
        openai_client,
        mangled,
        good,
        "malformed response.output_text.delta event",
    )
    .await;
    assert_eq!(text_of(&after), "Hello");
}

#[tokio::test]
async fn a_server_that_never_sends_headers_is_retried_on_its_own_clock() {
    // A long idle limit shows the headers limit is a separate clock.
    let patient = || RetryPolicy {
        idle_timeout: Duration::from_secs(120),
        ..policy()
    };
    let cases: [(Client, Reply); 3] = [
        (openai_client, Reply::events(&openai::text(&["Hel", "lo"]), End::Clean)),
        (
            anthropic_client,
            Reply::events(&anthropic::text(&["Hel", "lo"]), End::Clean),
        ),
        (chat_client, Reply::sse(&chat::text(&["Hel", "lo"]), End::Clean)),
    ];
    for (client, good) in cases {
        let server = FakeServer::start(vec![Reply::Silent, good]).await;
        let (events, error) = run(client(&server, patient()).as_ref(), &[Item::user("hi")]).await;
        assert!(error.is_none(), "{error:?}");
        let ResponseEvent::Retrying { attempt, reason, .. } = &events[0] else {
            panic!("no retry first: {events:?}");
        };
        assert_eq!((*attempt, reason.as_str()), (1, "no response headers within 0.300s"));
        assert_eq!(text_of(&events), "Hello");
        assert_eq!(server.requests().len(), 2);
    }
}

//! The Chat Completions provider over real HTTP against the fake server:
//! streaming, tool-call assembly, usage, the request body, and the retry
//! fault matrix.

use futures::StreamExt;
use jig_model::chat::{ChatClient, chat_body};
use jig_model::http::RetryPolicy;
use jig_model::{ModelClient, ModelError, ModelRequest, ResponseEvent};
use jig_protocol::{Item, TokenUsage, ToolCall, ToolOutput, ToolSpec, ToolStatus};
use jig_testkit::streams::{self, chat};
use jig_testkit::{End, FakeServer, Reply};

use crate::support::{policy, without_model};

fn client(server: &FakeServer) -> ChatClient {
    ChatClient::new(server.base_url(), "gpt-test", Some("sk-test".into()), policy())
        .unwrap()
        .with_provider("openai")
}

async fn run(client: &ChatClient) -> (Vec<ResponseEvent>, Option<ModelError>) {
    let items = vec![Item::user("hi")];
    let request = ModelRequest {
        session_id: "s",
        instructions: "be brief",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let mut stream = client.stream(&request).await.unwrap();
    let mut events = Vec::new();
    while let Some(next) = stream.next().await {
        match next {
            Ok(event) => events.push(event),
            Err(error) => return (without_model(events), Some(error)),
        }
    }
    (without_model(events), None)
}

/// "Hello" from a server that ignores `include_usage` (older Ollama builds).
const HELLO_WITHOUT_USAGE: &[&str] = &[
    r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
    r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
    r#"{"choices":[{"index":0,"delta":{"content":"lo"}}]}"#,
    r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
    "[DONE]",
];

fn text(delta: &str) -> ResponseEvent {
    ResponseEvent::TextDelta(delta.into())
}

/// "Hel" + "lo" as the kit streams it, usage chunk included.
fn hello() -> Reply {
    Reply::sse(&chat::text(&["Hel", "lo"]), End::Clean)
}

fn done() -> ResponseEvent {
    ResponseEvent::Completed {
        usage: TokenUsage {
            input_tokens: streams::INPUT_TOKENS,
            cached_input_tokens: 0,
            output_tokens: streams::OUTPUT_TOKENS,
        },
    }
}

fn hello_events() -> Vec<ResponseEvent> {
    vec![text("Hel"), text("lo"), done()]
}

fn call(id: &str, name: &str, arguments: &str) -> ResponseEvent {
    ResponseEvent::ToolCall(ToolCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.into(),
    })
}

/// The retry reasons of `events`, with their delays.
fn retries(events: &[ResponseEvent]) -> Vec<(u32, u64, String)> {
    events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::Retrying {
                attempt,
                delay_ms,
                reason,
                ..
            } => Some((*attempt, *delay_ms, reason.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn streams_text_with_auth_header() {
    let server = FakeServer::start(vec![hello()]).await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events, hello_events());
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(requests[0].header("authorization"), Some("Bearer sk-test"));
    assert_eq!(requests[0].json()["model"], "gpt-test");
}

#[tokio::test]
async fn a_stream_without_usage_reports_zero_usage() {
    let server = FakeServer::start(vec![Reply::sse(HELLO_WITHOUT_USAGE, End::Clean)]).await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    let zero = ResponseEvent::Completed {
        usage: TokenUsage::default(),
    };
    assert_eq!(events, vec![text("Hel"), text("lo"), zero]);
}

#[tokio::test]
async fn no_key_sends_no_authorization() {
    let server = FakeServer::start(vec![hello()]).await;
    let client = ChatClient::new(server.base_url() + "/", "llama", None, policy()).unwrap();
    assert_eq!(client.spec(), "chat:llama");
    let (events, _) = run(&client).await;
    assert_eq!(events, hello_events());
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn assembles_two_tool_calls_from_pieces_and_reads_usage() {
    let chunks = [
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Looking."}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"read_file","arguments":""}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"pa"}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"shell","arguments":"{\"cmd\":"}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":\"a.rs\"}"}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"ls\"}"}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        r#"{"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100}}}"#,
        "[DONE]",
    ];
    let server = FakeServer::start(vec![Reply::sse(&chunks, End::Clean)]).await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    let usage = TokenUsage {
        input_tokens: 120,
        cached_input_tokens: 100,
        output_tokens: 30,
    };
    assert_eq!(
        events,
        vec![
            text("Looking."),
            call("call_a", "read_file", r#"{"path":"a.rs"}"#),
            call("call_b", "shell", r#"{"cmd":"ls"}"#),
            ResponseEvent::Completed { usage },
        ]
    );
}

#[test]
fn request_body_for_a_conversation_with_tools() {
    let items = vec![
        Item::user("list the files"),
        Item::reasoning("not sent"),
        Item::assistant("I'll look."),
        Item::ToolCall(ToolCall {
            call_id: "call_1".into(),
            name: "shell".into(),
            arguments: r#"{"cmd":"ls"}"#.into(),
        }),
        Item::ToolCall(ToolCall {
            call_id: "call_2".into(),
            name: "read_file".into(),
            arguments: r#"{"path":"a.rs"}"#.into(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_1".into(),
            output: "a.rs".into(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_2".into(),
            output: "fn main() {}".into(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }),
        Item::ToolCall(ToolCall {
            call_id: "call_3".into(),
            name: "shell".into(),
            arguments: "{}".into(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_3".into(),
            output: "error: no cmd".into(),
            status: ToolStatus::Error,
            images: Vec::new(),
        }),
        Item::assistant("There is one file."),
        Item::user("thanks"),
    ];
    let tools = vec![ToolSpec {
        namespace: None,
        format: jig_protocol::ToolFormat::Function,
        name: "shell".into(),
        description: "Runs a command.".into(),
        parameters: serde_json::json!({"type":"object","properties":{"cmd":{"type":"string"}}}),
    }];
    let request = ModelRequest {
        session_id: "s",
        instructions: "You are jig.",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    insta::assert_json_snapshot!(chat_body(&request, "gpt-test"));
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let server = FakeServer::start(vec![
        Reply::status_with(429, &[("retry-after-ms", "7")], r#"{"error":{"message":"slow down"}}"#),
        Reply::status_with(429, &[("retry-after", "5")], r#"{"error":{"message":"slow down"}}"#),
        hello(),
    ])
    .await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    // 7 ms as asked; 5 s capped at the policy's 40 ms.
    assert_eq!(
        retries(&events),
        vec![
            (1, 7, "429 Too Many Requests (server asked to wait 0.007s)".into()),
            (2, 40, "429 Too Many Requests (server asked to wait 5s)".into()),
        ]
    );
    let tail: Vec<_> = events[2..].to_vec();
    assert_eq!(tail, hello_events());
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].body, requests[2].body, "a retry re-sends the same body");
}

/// One fault, then a good stream: the only events are the `Retrying`
/// notice and the good response, and its reason starts with `reason`.
async fn fault_then_success(fault: Reply, reason: &str) -> Vec<ResponseEvent> {
    let server = FakeServer::start(vec![fault, hello()]).await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    let retried = retries(&events);
    assert_eq!(retried.len(), 1, "{events:?}");
    assert_eq!((retried[0].0, retried[0].1), (1, 1));
    assert!(
        retried[0].2.starts_with(reason),
        "{:?} should start with {reason:?}",
        retried[0].2
    );
    assert_eq!(server.requests().len(), 2);
    let position = events.iter().position(|e| matches!(e, ResponseEvent::Retrying { .. }));
    events[position.unwrap_or(0) + 1..].to_vec()
}

#[tokio::test]
async fn server_errors_are_retried() {
    for (status, reason) in [
        (500, "500 Internal Server Error"),
        (502, "502 Bad Gateway"),
        (503, "503 Service Unavailable"),
        (504, "504 Gateway Timeout"),
    ] {
        let after = fault_then_success(Reply::status(status, "oops"), reason).await;
        assert_eq!(after, hello_events());
    }
}

#[tokio::test]
async fn reset_before_headers_is_retried() {
    let after = fault_then_success(Reply::Reset, "error sending request").await;
    assert_eq!(after, hello_events());
}

#[tokio::test]
async fn stream_cut_after_partial_tool_call_never_emits_it() {
    let cut = Reply::sse(
        &[
            r#"{"choices":[{"index":0,"delta":{"content":"Let me"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_x","function":{"name":"shell","arguments":"{\"cmd\":\"rm"}}]}}]}"#,
        ],
        End::Cut,
    );
    let server = FakeServer::start(vec![cut, hello()]).await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    let reason = retries(&events).remove(0).2;
    assert!(reason.starts_with("the connection broke mid-stream"), "{reason}");
    assert_eq!(
        events,
        vec![
            text("Let me"),
            ResponseEvent::Retrying {
                attempt: 1,
                max_attempts: 3,
                delay_ms: 1,
                reason,
            },
            text("Hel"),
            text("lo"),
            done(),
        ]
    );
}

#[tokio::test]
async fn stream_ending_early_is_retried() {
    let early = Reply::sse(&[r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#], End::Clean);
    let after = fault_then_success(early, "the stream ended before the response was complete").await;
    assert_eq!(after, hello_events());
}

#[tokio::test]
async fn a_stream_of_only_a_malformed_event_is_retried() {
    // The bad chunk is skipped; what is left never finishes.
    let bad = Reply::sse(&[r#"{"choices":[{"delta":"#], End::Clean);
    let after = fault_then_success(bad, "the stream ended before the response was complete").await;
    assert_eq!(after, hello_events());
}

#[tokio::test]
async fn idle_stream_is_retried() {
    let stall = Reply::sse(&[r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#], End::Stall);
    let after = fault_then_success(stall, "no data for 0.300s").await;
    assert_eq!(after, hello_events());
}

#[tokio::test]
async fn unauthorized_fails_at_once_with_a_hint() {
    let body = r#"{"error":{"message":"Incorrect API key provided: sk-test.","type":"invalid_request_error"}}"#;
    let server = FakeServer::start(vec![Reply::status(401, body), hello()]).await;
    let (events, error) = run(&client(&server)).await;
    assert_eq!(events, vec![]);
    assert_eq!(server.requests().len(), 1, "a 401 is never retried");
    insta::assert_snapshot!(error.unwrap().to_string(), @"openai request failed with HTTP 401: Incorrect API key provided: sk-test.; check OPENAI_API_KEY");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 403, 404, 422] {
        let server = FakeServer::start(vec![Reply::status(status, "nope"), hello()]).await;
        let (events, error) = run(&client(&server)).await;
        assert_eq!(events, vec![]);
        assert_eq!(server.requests().len(), 1, "{status} is never retried");
        assert!(matches!(error, Some(ModelError::Http { status: s, .. }) if s == status));
    }
}

#[tokio::test]
async fn exhausted_retries_name_provider_and_status() {
    let overloaded = || Reply::status(503, r#"{"error":{"message":"The engine is currently overloaded"}}"#);
    let server = FakeServer::start((0..4).map(|_| overloaded()).collect()).await;
    let (events, error) = run(&client(&server)).await;
    assert_eq!(retries(&events).len(), 3);
    assert_eq!(server.requests().len(), 4);
    insta::assert_snapshot!(error.unwrap().to_string(), @"openai request failed with HTTP 503: The engine is currently overloaded; gave up after 3 retries; the server is overloaded; try again later or raise the retry budget");
}

#[tokio::test]
async fn connection_refused_says_to_check_the_server() {
    // Bind then drop a listener: its port is now (almost surely) closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let policy = RetryPolicy {
        max_retries: 1,
        ..policy()
    };
    let client = ChatClient::new(format!("http://127.0.0.1:{port}/v1"), "m", None, policy).unwrap();
    let (events, error) = run(&client).await;
    assert_eq!(retries(&events).len(), 1);
    let text = error.unwrap().to_string();
    assert!(text.starts_with("chat request failed: "), "{text}");
    assert!(
        text.ends_with("gave up after 1 retries; check the base URL and that the server is running"),
        "{text}"
    );
}

#[tokio::test]
async fn the_kits_call_stream_decodes_to_one_call() {
    let stream = chat::tool_call("call_1", "shell", r#"{"cmd":"ls -la"}"#);
    let server = FakeServer::start(vec![Reply::sse(&stream, End::Clean)]).await;
    let (events, error) = run(&client(&server)).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events, vec![call("call_1", "shell", r#"{"cmd":"ls -la"}"#), done()]);
}

//! The Responses and Messages clients over real HTTP against the fake
//! server: a two-request tool loop per provider (the second request must
//! carry the call, its output and the reasoning back), then one fault matrix
//! run for both providers from a table of their streams.

use futures::StreamExt;
use jig_model::anthropic::{MessagesClient, MessagesOptions};
use jig_model::openai::{ResponsesClient, ResponsesOptions};
use jig_model::{ModelClient, ModelError, ModelRequest, ResponseEvent};
use jig_protocol::{Item, TokenUsage, ToolOutput, ToolSpec, ToolStatus};
use jig_testkit::streams::{anthropic, openai};
use jig_testkit::{End, FakeServer, Reply};
use serde_json::{Value, json};

use crate::support::{policy, without_model};

/// What differs between providers: the client and the shape of its streams.
struct Provider {
    name: &'static str,
    key_var: &'static str,
    path: &'static str,
    client: fn(&FakeServer) -> Box<dyn ModelClient>,
    /// A text answer, "Hel" + "lo", 20 tokens in and 2 out.
    hello: fn() -> Vec<Value>,
    /// Reasoning, then a `shell {"cmd":"ls"}` call.
    tool_call: fn() -> Vec<Value>,
    /// The text "Let me", then a tool call cut off mid-arguments.
    partial_call: fn() -> Vec<Value>,
    /// A text delta whose JSON is cut short, as raw SSE.
    malformed: &'static str,
    /// An in-body 401 error.
    unauthorized: &'static str,
}

fn providers() -> [Provider; 2] {
    [
        Provider {
            name: "openai",
            key_var: "OPENAI_API_KEY",
            path: "/v1/responses",
            client: |server| {
                let options = ResponsesOptions::new("gpt-5-codex");
                Box::new(ResponsesClient::new(server.base_url(), options, Some("sk-test".into()), policy()).unwrap())
            },
            hello: || openai::text(&["Hel", "lo"]),
            tool_call: openai_tool_call,
            partial_call: || {
                let mut events = openai::text(&["Let me"]);
                events.pop();
                events.extend([
                    json!({"type": "response.output_item.added", "output_index": 1, "item":
                        {"id": "fc_9", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "call_9", "name": "shell"}}),
                    json!({"type": "response.function_call_arguments.delta", "item_id": "fc_9", "output_index": 1, "delta": "{\"cmd\":\"rm"}),
                ]);
                events
            },
            malformed: "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":",
            unauthorized: r#"{"error":{"message":"Incorrect API key provided: sk-test.","type":"invalid_request_error","code":"invalid_api_key"}}"#,
        },
        Provider {
            name: "anthropic",
            key_var: "ANTHROPIC_API_KEY",
            path: "/v1/messages",
            client: |server| {
                let options = MessagesOptions {
                    model: "claude-sonnet-4-5".into(),
                    max_tokens: 32000,
                    thinking_budget: Some(8000),
                };
                Box::new(MessagesClient::new(server.root_url(), options, Some("sk-ant-test".into()), policy()).unwrap())
            },
            hello: || anthropic::text(&["Hel", "lo"]),
            tool_call: anthropic_tool_call,
            partial_call: || {
                let mut events = anthropic::text(&["Let me"]);
                events.truncate(events.len() - 2);
                events.extend([
                    json!({"type": "content_block_start", "index": 1, "content_block":
                        {"type": "tool_use", "id": "toolu_9", "name": "shell", "input": {}}}),
                    json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"cmd\":\"rm"}}),
                ]);
                events
            },
            malformed: "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":",
            unauthorized: r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        },
    ]
}

/// Reasoning, then a `shell {"cmd":"ls"}` call, as the Responses API streams it.
pub(crate) fn openai_tool_call() -> Vec<Value> {
    let reasoning = json!({"id": "rs_1", "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Listing first."}], "encrypted_content": "enc-1"});
    let call = json!({"id": "fc_1", "type": "function_call", "status": "completed",
        "arguments": "{\"cmd\":\"ls\"}", "call_id": "call_1", "name": "shell"});
    vec![
        openai::created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item":
            {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "enc-1"}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Listing first."}),
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "text": "Listing first."}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": reasoning}),
        json!({"type": "response.output_item.added", "output_index": 1, "item":
            {"id": "fc_1", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "call_1", "name": "shell"}}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 1, "delta": "{\"cmd\":"}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 1, "delta": "\"ls\"}"}),
        json!({"type": "response.function_call_arguments.done", "item_id": "fc_1", "output_index": 1, "arguments": "{\"cmd\":\"ls\"}"}),
        json!({"type": "response.output_item.done", "output_index": 1, "item": call}),
        openai::completed(),
    ]
}

/// A signed thinking block, then a `shell {"cmd":"ls"}` call, as the Messages API streams it.
pub(crate) fn anthropic_tool_call() -> Vec<Value> {
    let mut events = vec![
        anthropic::message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Listing first."}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig-1"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"cmd\":"}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "\"ls\"}"}}),
        json!({"type": "content_block_stop", "index": 1}),
    ];
    events.extend(anthropic::message_end("tool_use"));
    events
}

/// The one tool the requests offer: `shell`.
pub(crate) fn tools() -> Vec<ToolSpec> {
    vec![ToolSpec {
        namespace: None,
        name: "shell".into(),
        description: "Runs a command.".into(),
        parameters: json!({"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}),
        format: jig_protocol::ToolFormat::Function,
    }]
}

/// Every event of one response, and the error that ended it, if any.
pub(crate) async fn run(client: &dyn ModelClient, items: &[Item]) -> (Vec<ResponseEvent>, Option<ModelError>) {
    let tools = tools();
    let request = ModelRequest {
        session_id: "s",
        instructions: "be brief",
        items,
        tools: &tools,
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

/// The items a session records for one response, in its order: reasoning,
/// text (unless empty with calls), then the calls.
fn recorded(events: &[ResponseEvent]) -> Vec<Item> {
    let mut reasoning = Vec::new();
    let mut text = String::new();
    let mut calls = Vec::new();
    for event in events {
        match event {
            ResponseEvent::Reasoning(part) => reasoning.push(part.clone().into_item()),
            ResponseEvent::TextDelta(delta) => text.push_str(delta),
            ResponseEvent::ToolCall(call) => calls.push(Item::ToolCall(call.clone())),
            ResponseEvent::Retrying { .. }
            | ResponseEvent::Skipped { .. }
            | ResponseEvent::Model(_)
            | ResponseEvent::Completed { .. } => {}
        }
    }
    if !text.is_empty() || calls.is_empty() {
        reasoning.push(Item::assistant(text));
    }
    reasoning.extend(calls);
    reasoning
}

fn hello_events() -> Vec<ResponseEvent> {
    let usage = TokenUsage {
        input_tokens: 20,
        cached_input_tokens: 0,
        output_tokens: 2,
    };
    vec![
        ResponseEvent::TextDelta("Hel".into()),
        ResponseEvent::TextDelta("lo".into()),
        ResponseEvent::Completed { usage },
    ]
}

fn retries(events: &[ResponseEvent]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::Retrying { delay_ms, reason, .. } => Some((*delay_ms, reason.clone())),
            _ => None,
        })
        .collect()
}

/// Two requests: a tool call, then the final text. Returns the second body.
async fn tool_loop(provider: &Provider) -> Value {
    let server = FakeServer::start(vec![
        Reply::events(&(provider.tool_call)(), End::Clean),
        Reply::events(&(provider.hello)(), End::Clean),
    ])
    .await;
    let client = (provider.client)(&server);
    let mut items = vec![Item::user("list the files")];
    let (events, error) = run(client.as_ref(), &items).await;
    assert!(error.is_none(), "{}: {error:?}", provider.name);
    items.extend(recorded(&events));
    let Some(Item::ToolCall(call)) = items.last().cloned() else {
        panic!("{}: no tool call in {events:?}", provider.name);
    };
    assert_eq!(call.arguments, r#"{"cmd":"ls"}"#);
    items.push(Item::ToolOutput(ToolOutput {
        call_id: call.call_id,
        output: "a.rs\nb.rs".into(),
        status: ToolStatus::Ok,
        images: Vec::new(),
    }));
    let (events, error) = run(client.as_ref(), &items).await;
    assert!(error.is_none(), "{}: {error:?}", provider.name);
    assert_eq!(events, hello_events(), "{}", provider.name);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.path, provider.path);
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
    requests[1].json()
}

#[tokio::test]
async fn openai_tool_loop_sends_call_output_and_reasoning_back() {
    let [openai, _] = providers();
    let body = tool_loop(&openai).await;
    let input = json!([
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list the files"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Listing first."}], "encrypted_content": "enc-1"},
        {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"cmd\":\"ls\"}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "a.rs\nb.rs"},
    ]);
    assert_eq!(body["input"], input);
    assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(body["store"], json!(false));
}

#[tokio::test]
async fn anthropic_tool_loop_sends_tool_use_result_and_thinking_back() {
    let [_, anthropic] = providers();
    let body = tool_loop(&anthropic).await;
    let messages = json!([
        {"role": "user", "content": [{"type": "text", "text": "list the files"}]},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Listing first.", "signature": "sig-1"},
            {"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {"cmd": "ls"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.rs\nb.rs", "is_error": false, "cache_control": {"type": "ephemeral"}},
        ]},
    ]);
    assert_eq!(body["messages"], messages);
    assert_eq!(body["thinking"], json!({"type": "enabled", "budget_tokens": 8000}));
}

#[tokio::test]
async fn clients_send_their_headers_spec_and_path() {
    let server = FakeServer::start(vec![
        Reply::events(&openai::text(&["Hel", "lo"]), End::Clean),
        Reply::events(&anthropic::text(&["Hel", "lo"]), End::Clean),
        Reply::events(&anthropic::text(&["Hel", "lo"]), End::Clean),
    ])
    .await;
    let [openai, anthropic] = providers();
    let openai = (openai.client)(&server);
    assert_eq!(openai.spec(), "openai:gpt-5-codex");
    let anthropic = (anthropic.client)(&server);
    assert_eq!(anthropic.spec(), "anthropic:claude-sonnet-4-5");
    // A base URL given with `/v1` reaches the same path.
    let options = MessagesOptions {
        model: "claude-haiku-4-5".into(),
        max_tokens: 1024,
        thinking_budget: None,
    };
    let with_v1 = MessagesClient::new(server.base_url() + "/", options, None, policy()).unwrap();
    for client in [openai.as_ref(), anthropic.as_ref(), &with_v1] {
        let (events, error) = run(client, &[Item::user("hi")]).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(events, hello_events());
    }
    let requests = server.requests();
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(requests[0].header("authorization"), Some("Bearer sk-test"));
    assert_eq!(requests[1].path, "/v1/messages");
    assert_eq!(requests[1].header("x-api-key"), Some("sk-ant-test"));
    assert_eq!(requests[1].header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(requests[1].header("authorization"), None);
    assert_eq!(requests[2].path, "/v1/messages");
    assert_eq!(requests[2].header("x-api-key"), None);
}

/// One fault, then a good stream: one `Retrying` whose reason starts with
/// `reason`, then exactly the good response; the body is sent unchanged.
async fn recovers(provider: &Provider, fault: Reply, reason: &str) {
    let server = FakeServer::start(vec![fault, Reply::events(&(provider.hello)(), End::Clean)]).await;
    let (events, error) = run((provider.client)(&server).as_ref(), &[Item::user("hi")]).await;
    let name = provider.name;
    assert!(error.is_none(), "{name}: {error:?}");
    let retried = retries(&events);
    assert_eq!(retried.len(), 1, "{name}: {events:?}");
    assert!(
        retried[0].1.starts_with(reason),
        "{name}: {:?} should start with {reason:?}",
        retried[0].1
    );
    assert!(
        !events.iter().any(|event| matches!(event, ResponseEvent::ToolCall(_))),
        "{name}: a cut attempt emitted a tool call: {events:?}"
    );
    let position = events.iter().position(|e| matches!(e, ResponseEvent::Retrying { .. }));
    assert_eq!(events[position.unwrap() + 1..], hello_events(), "{name}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{name}");
    assert_eq!(
        requests[0].body, requests[1].body,
        "{name}: a retry re-sends the same body"
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried() {
    for provider in providers() {
        let limited = Reply::status_with(429, &[("retry-after", "1")], r#"{"error":{"message":"slow down"}}"#);
        recovers(&provider, limited, "429 Too Many Requests (server asked to wait 1s)").await;
        recovers(&provider, Reply::status(500, "oops"), "500 Internal Server Error").await;
        recovers(&provider, Reply::status(503, "busy"), "503 Service Unavailable").await;
    }
    let [_, anthropic] = providers();
    let overloaded = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    recovers(&anthropic, Reply::status(529, overloaded), "529").await;
}

#[tokio::test]
async fn broken_connections_and_streams_are_retried() {
    for provider in providers() {
        recovers(&provider, Reply::Reset, "error sending request").await;
        let cut = Reply::events(&(provider.partial_call)(), End::Cut);
        recovers(&provider, cut, "the connection broke mid-stream").await;
        // The bad event is skipped; what is left never finishes.
        let malformed = Reply::raw(&[provider.malformed], End::Clean);
        recovers(
            &provider,
            malformed,
            "the stream ended before the response was complete",
        )
        .await;
        let mut first = (provider.hello)();
        first.truncate(3);
        recovers(&provider, Reply::events(&first, End::Stall), "no data for 0.300s").await;
    }
}

#[tokio::test]
async fn unauthorized_fails_at_once_naming_the_key() {
    for provider in providers() {
        let server = FakeServer::start(vec![
            Reply::status(401, provider.unauthorized),
            Reply::events(&(provider.hello)(), End::Clean),
        ])
        .await;
        let (events, error) = run((provider.client)(&server).as_ref(), &[Item::user("hi")]).await;
        assert_eq!(events, vec![]);
        assert_eq!(server.requests().len(), 1, "a 401 is never retried");
        let text = error.unwrap().to_string();
        let expected = match provider.name {
            "openai" => {
                "openai request failed with HTTP 401: Incorrect API key provided: sk-test.; check OPENAI_API_KEY"
            }
            _ => "anthropic request failed with HTTP 401: invalid x-api-key; check ANTHROPIC_API_KEY",
        };
        assert_eq!(text, expected);
        assert!(text.contains(provider.key_var));
    }
}

#[tokio::test]
async fn exhausted_retries_say_so() {
    let overloaded = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    for (provider, status) in providers().into_iter().zip([503, 529]) {
        let server = FakeServer::start((0..4).map(|_| Reply::status(status, overloaded)).collect()).await;
        let (events, error) = run((provider.client)(&server).as_ref(), &[Item::user("hi")]).await;
        assert_eq!(retries(&events).len(), 3);
        assert_eq!(server.requests().len(), 4);
        let text = error.unwrap().to_string();
        let expected = match provider.name {
            "openai" => {
                "openai request failed with HTTP 503: Overloaded; gave up after 3 retries; the server is overloaded; try again later or raise the retry budget"
            }
            _ => {
                "anthropic request failed with HTTP 529: Overloaded; gave up after 3 retries; the server is overloaded or rate-limited; try again later or raise the retry budget"
            }
        };
        assert_eq!(text, expected);
    }
}

#[tokio::test]
async fn a_cut_tool_call_is_never_emitted_even_when_retries_run_out() {
    for provider in providers() {
        let cut = || Reply::events(&(provider.partial_call)(), End::Cut);
        let server = FakeServer::start(vec![cut(), cut(), cut(), cut()]).await;
        let (events, error) = run((provider.client)(&server).as_ref(), &[Item::user("hi")]).await;
        assert!(
            !events.iter().any(|e| matches!(e, ResponseEvent::ToolCall(_))),
            "{events:?}"
        );
        let text = error.unwrap().to_string();
        assert!(
            text.starts_with(&format!("{} response stream failed: ", provider.name)),
            "{text}"
        );
        assert!(text.contains("gave up after 3 retries"), "{text}");
    }
}

#[tokio::test]
async fn the_kits_call_streams_decode_to_one_call() {
    let arguments = r#"{"cmd":"ls -la"}"#;
    for provider in providers() {
        let stream = match provider.name {
            "openai" => openai::function_call("call_1", "shell", arguments),
            _ => anthropic::tool_use("call_1", "shell", arguments),
        };
        let server = FakeServer::start(vec![Reply::events(&stream, End::Clean)]).await;
        let (events, error) = run((provider.client)(&server).as_ref(), &[Item::user("hi")]).await;
        assert!(error.is_none(), "{}: {error:?}", provider.name);
        let call = jig_protocol::ToolCall {
            call_id: "call_1".into(),
            name: "shell".into(),
            arguments: arguments.into(),
        };
        let usage = hello_events().pop().unwrap();
        assert_eq!(events, vec![ResponseEvent::ToolCall(call), usage], "{}", provider.name);
    }
}

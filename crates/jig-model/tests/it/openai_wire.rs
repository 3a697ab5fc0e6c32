//! The Responses API wire format: request bodies pinned by snapshot, and the
//! decoder driven with streams shaped like the documented event sequences.
//! Also home of the small SSE reader and conversation both wire tests share.

use jig_model::ModelRequest;
use jig_model::openai::{ResponsesDecoder, ResponsesOptions, responses_body};
use jig_model::wire::{DecodeError, SseDecoder};
use jig_model::{ReasoningPart, ResponseEvent};
use jig_protocol::{Item, TokenUsage, ToolCall, ToolOutput, ToolSpec, ToolStatus};
use serde_json::json;

/// `(event name, data)` pairs of an SSE text (blank-line separated events).
pub fn sse_events(text: &str) -> Vec<(String, String)> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = String::new();
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(rest) = line.strip_prefix("event:") {
                    name = rest.trim().to_owned();
                } else if let Some(rest) = line.strip_prefix("data:") {
                    data.push(rest.trim_start());
                }
            }
            (name, data.join("\n"))
        })
        .collect()
}

/// Feeds `events` to `decoder`, collecting what it emits, then finishes it.
/// Stops at the first error and returns it with what came before it.
pub fn drive(
    decoder: &mut dyn SseDecoder,
    events: &[(String, String)],
) -> (Vec<ResponseEvent>, Result<(), DecodeError>) {
    let mut out = Vec::new();
    for (name, data) in events {
        match decoder.event(name, data) {
            Ok(events) => out.extend(events),
            Err(err) => return (out, Err(err)),
        }
    }
    match decoder.finish() {
        Ok(events) => {
            out.extend(events);
            (out, Ok(()))
        }
        Err(err) => (out, Err(err)),
    }
}

/// One event as `(name, data)`, with the name taken from `data.type`.
pub fn event(data: serde_json::Value) -> (String, String) {
    let name = data["type"].as_str().unwrap_or_default().to_owned();
    (name, data.to_string())
}

/// Instructions, a user message, reasoning, an assistant message with two
/// tool calls, their outputs (one failed) and an interjected user message.
pub fn conversation() -> (Vec<Item>, Vec<ToolSpec>) {
    let items = vec![
        Item::user("Fix the failing test in jig-model."),
        // As streamed: OpenAI fills id and encrypted content, Anthropic the
        // signature; each body sends back what its provider can check.
        Item::Reasoning {
            text: "The test compares untrimmed output.".to_owned(),
            id: Some("rs_68c1f0a2d1fc8190a7c4".to_owned()),
            encrypted_content: Some("gAAAAABowfCi...".to_owned()),
            signature: Some("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...".to_owned()),
        },
        Item::assistant("Running the tests and reading the file."),
        Item::ToolCall(ToolCall {
            call_id: "call_1".to_owned(),
            name: "shell".to_owned(),
            arguments: r#"{"cmd":"cargo test -p jig-model"}"#.to_owned(),
        }),
        Item::ToolCall(ToolCall {
            call_id: "call_2".to_owned(),
            name: "read_file".to_owned(),
            arguments: r#"{"path":"src/missing.rs""#.to_owned(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_1".to_owned(),
            output: "test result: FAILED. 11 passed; 1 failed".to_owned(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_2".to_owned(),
            output: "error: invalid arguments: EOF while parsing an object".to_owned(),
            status: ToolStatus::Error,
            images: Vec::new(),
        }),
        Item::user("Also run clippy when you are done."),
    ];
    let tools = vec![
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "shell".to_owned(),
            description: "Runs a shell command.".to_owned(),
            parameters: json!({
                "type": "object",
                "properties": { "cmd": { "type": "string" } },
                "required": ["cmd"],
            }),
        },
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "read_file".to_owned(),
            description: "Reads a file.".to_owned(),
            parameters: json!({
                "type": "object",
                "properties": { "path": { "type": "string" } },
                "required": ["path"],
            }),
        },
    ];
    (items, tools)
}

fn fixture(name: &str) -> Vec<(String, String)> {
    let path = format!("{}/tests/it/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    sse_events(&std::fs::read_to_string(path).unwrap())
}

fn decode(events: &[(String, String)]) -> (Vec<ResponseEvent>, Result<(), DecodeError>) {
    drive(&mut ResponsesDecoder::new(), events)
}

#[test]
fn body_matches_codex_request_shape() {
    let (items, tools) = conversation();
    let request = ModelRequest {
        session_id: "0199a3c4-5e6f-7a8b-9c0d-e1f2a3b4c5d6",
        instructions: "You are jig, a coding agent.",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let mut options = ResponsesOptions::new("gpt-5-codex");
    options.reasoning_effort = Some("medium".to_owned());
    insta::assert_json_snapshot!(responses_body(&request, &options));
}

#[test]
fn body_without_tools_or_storage_flags() {
    let items = [Item::user("hi")];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let options = ResponsesOptions {
        model: "gpt-5".to_owned(),
        reasoning_effort: None,
        reasoning_summary: None,
        store: true,
        parallel_tool_calls: true,
    };
    let body = responses_body(&request, &options);
    assert_eq!(
        body,
        json!({
            "model": "gpt-5",
            "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
            "store": true,
            "stream": true,
            "prompt_cache_key": "s",
        })
    );
}

#[test]
fn text_answer_streams_deltas_then_completes_with_cached_usage() {
    let (events, end) = decode(&fixture("openai_text.sse"));
    end.unwrap();
    assert_eq!(
        events,
        vec![
            ResponseEvent::TextDelta("The tests".to_owned()),
            ResponseEvent::TextDelta(" pass".to_owned()),
            ResponseEvent::TextDelta(" now.".to_owned()),
            // `response.completed` names it; reported for `gen_ai.response.model`.
            ResponseEvent::Model("gpt-5-codex".to_owned()),
            ResponseEvent::Completed {
                usage: TokenUsage {
                    input_tokens: 2154,
                    cached_input_tokens: 1920,
                    output_tokens: 37,
                },
            },
        ]
    );
}

#[test]
fn reasoning_is_emitted_with_id_and_encrypted_content_at_item_done() {
    let (events, end) = decode(&fixture("openai_reasoning.sse"));
    end.unwrap();
    assert_eq!(
        events[..2],
        [
            ResponseEvent::Reasoning(ReasoningPart {
                text: "**Checking the failing test**\n\nThe assertion compares trimmed output.".to_owned(),
                id: Some("rs_68c1f0a2d1fc8190a7c4".to_owned()),
                encrypted_content: Some("gAAAAABowfCi...".to_owned()),
                signature: None,
            }),
            ResponseEvent::TextDelta("Trim before comparing.".to_owned()),
        ]
    );
    assert_eq!(events[2], ResponseEvent::Model("gpt-5-codex".to_owned()));
    assert!(matches!(events[3], ResponseEvent::Completed { .. }));
    assert_eq!(events.len(), 4);
}

#[test]
fn interleaved_function_calls_are_assembled_and_emitted_at_done() {
    let stream = fixture("openai_two_calls.sse");
    let mut decoder = ResponsesDecoder::new();
    let mut emitted_at = Vec::new();
    let mut calls = Vec::new();
    for (name, data) in &stream {
        for event in decoder.event(name, data).unwrap() {
            if let ResponseEvent::ToolCall(call) = event {
                emitted_at.push(serde_json::from_str::<serde_json::Value>(data).unwrap()["type"].clone());
                calls.push(call);
            }
        }
    }
    decoder.finish().unwrap();
    assert_eq!(
        calls,
        vec![
            ToolCall {
                call_id: "call_Xq3v9LmN0pRk".to_owned(),
                name: "exec_command".to_owned(),
                arguments: r#"{"cmd":"cargo test -p jig-model","workdir":"/work/main"}"#.to_owned(),
            },
            ToolCall {
                call_id: "call_7hTzW2bYcE5u".to_owned(),
                name: "view_image".to_owned(),
                arguments: r#"{"path":"crates/jig-model/src/lib.rs"}"#.to_owned(),
            },
        ]
    );
    assert_eq!(emitted_at, vec![json!("response.output_item.done"); 2]);
}

#[test]
fn streamed_arguments_fill_in_when_done_item_omits_them() {
    let events = [
        event(json!({"type": "response.output_item.added", "output_index": 0,
            "item": {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "shell", "arguments": ""}})),
        event(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": "{\"cmd\":"}),
        ),
        event(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": "\"ls\"}"}),
        ),
        event(json!({"type": "response.output_item.done", "output_index": 0,
            "item": {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "shell"}})),
        event(json!({"type": "response.completed", "response": {"usage": null}})),
    ];
    let (out, end) = decode(&events);
    end.unwrap();
    assert_eq!(
        out[0],
        ResponseEvent::ToolCall(ToolCall {
            call_id: "call_1".to_owned(),
            name: "shell".to_owned(),
            arguments: r#"{"cmd":"ls"}"#.to_owned(),
        })
    );
}

#[test]
fn stream_cut_mid_tool_call_is_incomplete_and_emits_no_call() {
    let stream = fixture("openai_two_calls.sse");
    let cut = stream
        .iter()
        .position(|(name, _)| name == "response.function_call_arguments.done")
        .unwrap();
    let (events, end) = decode(&stream[..cut - 3]);
    assert_eq!(end, Err(DecodeError::Incomplete));
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn failed_response_and_error_event_are_provider_errors() {
    let failed = [event(
        json!({"type": "response.failed", "sequence_number": 3, "response": {
        "id": "resp_1", "status": "failed",
        "error": {"code": "server_error", "message": "The server had an error processing your request."}}}),
    )];
    assert_eq!(
        decode(&failed).1,
        Err(DecodeError::Provider(
            "server_error: The server had an error processing your request.".to_owned()
        ))
    );
    let error = [event(json!({"type": "error", "code": "rate_limit_exceeded",
        "message": "Rate limit reached for gpt-5-codex.", "param": null, "sequence_number": 1}))];
    assert_eq!(
        decode(&error).1,
        Err(DecodeError::Provider(
            "rate_limit_exceeded: Rate limit reached for gpt-5-codex.".to_owned()
        ))
    );
}

#[test]
fn incomplete_response_completes_with_what_was_streamed() {
    let events = [
        event(
            json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "Partial"}),
        ),
        event(json!({"type": "response.output_item.added", "output_index": 1,
            "item": {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "shell", "arguments": ""}})),
        event(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 1, "delta": "{\"cm"}),
        ),
        event(
            json!({"type": "response.incomplete", "response": {"status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "usage": {"input_tokens": 10, "output_tokens": 64, "input_tokens_details": {"cached_tokens": 0}}}}),
        ),
    ];
    let (out, end) = decode(&events);
    end.unwrap();
    assert_eq!(
        out,
        vec![
            ResponseEvent::TextDelta("Partial".to_owned()),
            ResponseEvent::Completed {
                usage: TokenUsage {
                    input_tokens: 10,
                    cached_input_tokens: 0,
                    output_tokens: 64,
                },
            },
        ]
    );
}

#[test]
fn malformed_json_is_malformed() {
    let mut decoder = ResponsesDecoder::new();
    let err = decoder
        .event(
            "response.output_text.delta",
            "{\"type\":\"response.output_text.delta\",\"delta\":",
        )
        .unwrap_err();
    assert!(
        matches!(&err, DecodeError::Malformed { event, .. } if event == "response.output_text.delta"),
        "{err:?}"
    );
    let err = decoder
        .event("", r#"{"type":"response.output_text.delta","delta":7}"#)
        .unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { .. }), "{err:?}");
}

#[test]
fn unknown_events_are_ignored() {
    let events = [
        event(json!({"type": "response.web_search_call.searching", "item_id": "ws_1", "output_index": 0})),
        event(json!({"type": "response.some_future_event", "anything": [1, 2, 3]})),
        event(json!({"type": "response.completed", "response": {"usage": {"input_tokens": 5, "output_tokens": 1}}})),
    ];
    let (out, end) = decode(&events);
    end.unwrap();
    assert_eq!(
        out,
        vec![ResponseEvent::Completed {
            usage: TokenUsage {
                input_tokens: 5,
                cached_input_tokens: 0,
                output_tokens: 1,
            },
        }]
    );
}

fn patch_tool() -> ToolSpec {
    ToolSpec {
        namespace: None,
        format: jig_protocol::ToolFormat::Freeform {
            syntax: "lark".to_owned(),
            definition: "start: \"*** Begin Patch\" /(.|\\n)*/".to_owned(),
        },
        name: "apply_patch".to_owned(),
        description: "Applies a patch.".to_owned(),
        parameters: json!({}),
    }
}

#[test]
fn freeform_tool_is_offered_as_custom_and_its_calls_go_back_as_custom() {
    let items = [
        Item::user("patch it"),
        Item::ToolCall(ToolCall {
            call_id: "call_p".to_owned(),
            name: "apply_patch".to_owned(),
            arguments: "*** Begin Patch\n*** End Patch".to_owned(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_p".to_owned(),
            output: "Done!".to_owned(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }),
    ];
    let tools = [patch_tool()];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let body = responses_body(&request, &ResponsesOptions::new("gpt-5-codex"));
    assert_eq!(
        body["tools"],
        json!([{"type": "custom", "name": "apply_patch", "description": "Applies a patch.",
            "format": {"type": "grammar", "syntax": "lark", "definition": "start: \"*** Begin Patch\" /(.|\\n)*/"}}])
    );
    assert_eq!(
        body["input"].as_array().unwrap()[1..],
        [
            json!({"type": "custom_tool_call", "call_id": "call_p", "name": "apply_patch", "input": "*** Begin Patch\n*** End Patch"}),
            json!({"type": "custom_tool_call_output", "call_id": "call_p", "output": "Done!"}),
        ]
    );
}

fn function_tool(name: &str, namespace: Option<&str>) -> ToolSpec {
    ToolSpec {
        namespace: namespace.map(str::to_owned),
        format: jig_protocol::ToolFormat::Function,
        name: name.to_owned(),
        description: format!("{name} tool."),
        parameters: json!({"type": "object"}),
    }
}

#[test]
fn namespaced_tools_are_offered_inside_one_namespace_tool_and_their_calls_name_it() {
    let tools = [
        function_tool("shell", None),
        function_tool("spawn_agent", Some("multi_agent_v1")),
        function_tool("update_plan", None),
        function_tool("wait_agent", Some("multi_agent_v1")),
    ];
    let items = [
        Item::user("fan out"),
        Item::ToolCall(ToolCall {
            call_id: "call_s".to_owned(),
            name: "spawn_agent".to_owned(),
            arguments: "{\"message\":\"go\"}".to_owned(),
        }),
        Item::ToolOutput(ToolOutput {
            call_id: "call_s".to_owned(),
            output: "{\"agent_id\":\"a\"}".to_owned(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }),
        Item::ToolCall(ToolCall {
            call_id: "call_x".to_owned(),
            name: "shell".to_owned(),
            arguments: "{}".to_owned(),
        }),
    ];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let body = responses_body(&request, &ResponsesOptions::new("gpt-5-codex"));
    let function = |name: &str| {
        json!({"type": "function", "name": name, "description": format!("{name} tool."),
            "parameters": {"type": "object"}, "strict": false})
    };
    assert_eq!(
        body["tools"],
        json!([
            function("shell"),
            {"type": "namespace", "name": "multi_agent_v1", "description": "Tools in the multi_agent_v1 namespace.",
                "tools": [function("spawn_agent"), function("wait_agent")]},
            function("update_plan"),
        ])
    );
    assert_eq!(
        body["input"].as_array().unwrap()[1..],
        [
            json!({"type": "function_call", "call_id": "call_s", "name": "spawn_agent",
                "arguments": "{\"message\":\"go\"}", "namespace": "multi_agent_v1"}),
            json!({"type": "function_call_output", "call_id": "call_s", "output": "{\"agent_id\":\"a\"}"}),
            json!({"type": "function_call", "call_id": "call_x", "name": "shell", "arguments": "{}"}),
        ]
    );

    // The model's call names the namespace beside the plain name; the call
    // reaches the router by that name.
    let item = json!({"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_s",
        "name": "spawn_agent", "namespace": "multi_agent_v1", "arguments": "{\"message\":\"go\"}"});
    let (out, end) = decode(&[
        event(json!({"type": "response.output_item.added", "output_index": 0, "item": item})),
        event(json!({"type": "response.output_item.done", "output_index": 0, "item": item})),
        event(json!({"type": "response.completed", "response": {"usage": null}})),
    ]);
    end.unwrap();
    assert_eq!(
        out[0],
        ResponseEvent::ToolCall(ToolCall {
            call_id: "call_s".to_owned(),
            name: "spawn_agent".to_owned(),
            arguments: "{\"message\":\"go\"}".to_owned(),
        })
    );
}

#[test]
fn custom_tool_call_input_is_assembled_and_emitted_at_done() {
    let added = json!({"id": "ctc_1", "type": "custom_tool_call", "status": "in_progress", "call_id": "call_p", "name": "apply_patch", "input": ""});
    let events = [
        event(json!({"type": "response.output_item.added", "output_index": 0, "item": added})),
        event(
            json!({"type": "response.custom_tool_call_input.delta", "item_id": "ctc_1", "output_index": 0, "delta": "*** Begin Patch\n"}),
        ),
        event(
            json!({"type": "response.custom_tool_call_input.delta", "item_id": "ctc_1", "output_index": 0, "delta": "*** End Patch"}),
        ),
        event(
            json!({"type": "response.custom_tool_call_input.done", "item_id": "ctc_1", "output_index": 0, "input": "*** Begin Patch\n*** End Patch"}),
        ),
    ];
    let patch = ResponseEvent::ToolCall(ToolCall {
        call_id: "call_p".to_owned(),
        name: "apply_patch".to_owned(),
        arguments: "*** Begin Patch\n*** End Patch".to_owned(),
    });
    // The done item without `input` takes the streamed text; with it, its own.
    for done_input in [None, Some("*** Begin Patch\n*** End Patch")] {
        let mut item = json!({"id": "ctc_1", "type": "custom_tool_call", "status": "completed", "call_id": "call_p", "name": "apply_patch"});
        if let Some(input) = done_input {
            item["input"] = json!(input);
        }
        let mut stream = events.to_vec();
        stream.push(event(
            json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        ));
        stream.push(event(
            json!({"type": "response.completed", "response": {"usage": null}}),
        ));
        let (out, end) = decode(&stream);
        end.unwrap();
        assert_eq!(out[0], patch);
        assert_eq!(out.len(), 2);
    }
    // Cut before `done`: no call.
    let (out, end) = decode(&events);
    assert_eq!(end, Err(DecodeError::Incomplete));
    assert!(out.is_empty());
}

#[test]
fn reasoning_goes_back_only_when_the_server_can_resolve_it() {
    let reasoning = |id: Option<&str>, encrypted: Option<&str>| Item::Reasoning {
        text: "thought".to_owned(),
        id: id.map(str::to_owned),
        encrypted_content: encrypted.map(str::to_owned),
        signature: Some("anthropic-only".to_owned()),
    };
    let items = [
        reasoning(Some("rs_1"), Some("enc")),
        reasoning(Some("rs_2"), None),
        reasoning(None, Some("enc")),
    ];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let mut options = ResponsesOptions::new("gpt-5");
    let sent = responses_body(&request, &options)["input"].clone();
    assert_eq!(
        sent,
        json!([{"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "thought"}], "encrypted_content": "enc"}])
    );
    // With storage on, the server resolves an id alone.
    options.store = true;
    let sent = responses_body(&request, &options)["input"].clone();
    assert_eq!(sent.as_array().map(Vec::len), Some(2));
    assert_eq!(
        sent[1],
        json!({"type": "reasoning", "id": "rs_2", "summary": [{"type": "summary_text", "text": "thought"}]})
    );
}

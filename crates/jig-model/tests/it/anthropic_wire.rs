//! The Messages API wire format: request bodies pinned by snapshot, and the
//! decoder driven with streams shaped like the documented event sequences.

use jig_model::ModelRequest;
use jig_model::anthropic::{MessagesDecoder, MessagesOptions, messages_body};
use jig_model::wire::{DecodeError, SseDecoder};
use jig_model::{ReasoningPart, ResponseEvent};
use jig_protocol::{Item, TokenUsage, ToolCall, ToolOutput, ToolStatus};
use serde_json::json;

use crate::openai_wire::{conversation, drive, event, sse_events};

fn fixture(name: &str) -> Vec<(String, String)> {
    let path = format!("{}/tests/it/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    sse_events(&std::fs::read_to_string(path).unwrap())
}

fn decode(events: &[(String, String)]) -> (Vec<ResponseEvent>, Result<(), DecodeError>) {
    drive(&mut MessagesDecoder::new(), events)
}

fn options() -> MessagesOptions {
    MessagesOptions {
        model: "claude-sonnet-4-5".to_owned(),
        max_tokens: 32000,
        thinking_budget: None,
    }
}

#[test]
fn body_matches_claude_code_request_shape() {
    let (items, tools) = conversation();
    let request = ModelRequest {
        session_id: "0199a3c4-5e6f-7a8b-9c0d-e1f2a3b4c5d6",
        instructions: "You are jig, a coding agent.",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let options = MessagesOptions {
        thinking_budget: Some(8000),
        ..options()
    };
    insta::assert_json_snapshot!(messages_body(&request, &options));
}

#[test]
fn without_tool_results_the_last_user_block_is_cached() {
    let items = [
        Item::user("first"),
        Item::assistant("answer"),
        Item::user("second"),
        Item::user("third"),
    ];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let body = messages_body(&request, &options());
    assert_eq!(
        body,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 32000,
            "stream": true,
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "first"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "answer"}]},
                {"role": "user", "content": [
                    {"type": "text", "text": "second"},
                    {"type": "text", "text": "third", "cache_control": {"type": "ephemeral"}},
                ]},
            ],
        })
    );
}

#[test]
fn tool_results_come_before_text_in_a_merged_user_message() {
    let items = [
        Item::ToolCall(ToolCall {
            call_id: "toolu_1".to_owned(),
            name: "Bash".to_owned(),
            arguments: "[1]".to_owned(),
        }),
        Item::user("wait"),
        Item::ToolOutput(ToolOutput {
            call_id: "toolu_1".to_owned(),
            output: "interrupted".to_owned(),
            status: ToolStatus::Interrupted,
            images: Vec::new(),
        }),
    ];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let body = messages_body(&request, &options());
    assert_eq!(body["messages"][0]["content"][0]["input"], json!({}));
    assert_eq!(
        body["messages"][1]["content"],
        json!([
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "interrupted",
             "is_error": true, "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "wait"},
        ])
    );
}

#[test]
fn text_answer_streams_deltas_then_completes_with_cached_usage() {
    let mut decoder = MessagesDecoder::new();
    let (events, end) = drive(&mut decoder, &fixture("anthropic_text.sse"));
    end.unwrap();
    assert_eq!(
        events,
        vec![
            ResponseEvent::TextDelta("The tests".to_owned()),
            ResponseEvent::TextDelta(" pass".to_owned()),
            ResponseEvent::TextDelta(" now.".to_owned()),
            // `message_start` named it; reported for `gen_ai.response.model`.
            ResponseEvent::Model("claude-sonnet-4-5".to_owned()),
            ResponseEvent::Completed {
                usage: TokenUsage {
                    input_tokens: 12 + 2048,
                    cached_input_tokens: 2048,
                    output_tokens: 15,
                },
            },
        ]
    );
    assert_eq!(decoder.stop_reason(), Some("end_turn"));
}

#[test]
fn thinking_is_emitted_with_its_signature_once_its_block_stops() {
    let (events, end) = decode(&fixture("anthropic_thinking.sse"));
    end.unwrap();
    assert_eq!(
        events,
        vec![
            ResponseEvent::Reasoning(ReasoningPart {
                text: "The assertion compares trimmed output, so trim first.".to_owned(),
                signature: Some("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...".to_owned()),
                ..ReasoningPart::default()
            }),
            ResponseEvent::TextDelta("Trim before comparing.".to_owned()),
            ResponseEvent::Model("claude-sonnet-4-5".to_owned()),
            ResponseEvent::Completed {
                usage: TokenUsage {
                    input_tokens: 2310 + 512,
                    cached_input_tokens: 0,
                    output_tokens: 96,
                },
            },
        ]
    );
}

#[test]
fn tool_calls_are_assembled_from_many_pieces_and_emitted_at_block_stop() {
    let stream = fixture("anthropic_two_calls.sse");
    let mut decoder = MessagesDecoder::new();
    let mut calls = Vec::new();
    for (name, data) in &stream {
        for event in decoder.event(name, data).unwrap() {
            if let ResponseEvent::ToolCall(call) = event {
                assert_eq!(name, "content_block_stop");
                calls.push(call);
            }
        }
    }
    decoder.finish().unwrap();
    assert_eq!(
        calls,
        vec![
            ToolCall {
                call_id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6".to_owned(),
                name: "Bash".to_owned(),
                arguments: r#"{"command": "cargo test -p jig-model", "description": "Run the tests"}"#.to_owned(),
            },
            ToolCall {
                call_id: "toolu_01AbRk9eWq3GxY2sHzMfTn4c".to_owned(),
                name: "Read".to_owned(),
                arguments: r#"{"file_path": "/work/main/crates/jig-model/src/lib.rs"}"#.to_owned(),
            },
        ]
    );
    assert_eq!(decoder.stop_reason(), Some("tool_use"));
}

#[test]
fn tool_call_without_argument_deltas_gets_empty_object() {
    let events = [
        event(json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "TaskList", "input": {}}})),
        event(json!({"type": "content_block_stop", "index": 0})),
        event(json!({"type": "message_stop"})),
    ];
    let (out, end) = decode(&events);
    end.unwrap();
    assert_eq!(
        out[0],
        ResponseEvent::ToolCall(ToolCall {
            call_id: "toolu_1".to_owned(),
            name: "TaskList".to_owned(),
            arguments: "{}".to_owned(),
        })
    );
}

#[test]
fn stream_cut_mid_tool_call_is_incomplete_and_emits_no_call() {
    let stream = fixture("anthropic_two_calls.sse");
    let first_stop_of_a_call = stream
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| name == "content_block_stop")
        .nth(1)
        .unwrap()
        .0;
    let (events, end) = decode(&stream[..first_stop_of_a_call - 2]);
    assert_eq!(end, Err(DecodeError::Incomplete));
    assert!(
        !events.iter().any(|event| matches!(event, ResponseEvent::ToolCall(_))),
        "{events:?}"
    );
}

#[test]
fn error_event_is_a_provider_error() {
    let mut stream = fixture("anthropic_text.sse");
    stream.truncate(4);
    stream.push(event(json!({"type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"}})));
    let (events, end) = decode(&stream);
    assert_eq!(
        end,
        Err(DecodeError::Provider("overloaded_error: Overloaded".to_owned()))
    );
    assert_eq!(events, vec![ResponseEvent::TextDelta("The tests".to_owned())]);
}

#[test]
fn malformed_json_is_malformed() {
    let mut decoder = MessagesDecoder::new();
    let err = decoder
        .event("content_block_delta", "{\"type\":\"content_block_delta\",")
        .unwrap_err();
    assert!(
        matches!(&err, DecodeError::Malformed { event, .. } if event == "content_block_delta"),
        "{err:?}"
    );
    let err = decoder
        .event(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{"}}"#,
        )
        .unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { .. }), "{err:?}");
}

#[test]
fn unknown_events_and_pings_are_ignored() {
    let events = [
        event(json!({"type": "ping"})),
        event(json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}})),
        event(json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "citations_delta", "citation": {}}})),
        event(json!({"type": "content_block_stop", "index": 0})),
        event(json!({"type": "some_future_event"})),
        event(json!({"type": "message_stop"})),
    ];
    let (out, end) = decode(&events);
    end.unwrap();
    assert_eq!(
        out,
        vec![ResponseEvent::Completed {
            usage: TokenUsage::default(),
        }]
    );
}

#[test]
fn freeform_tool_is_offered_as_a_function_with_one_input_string() {
    let tools = [jig_protocol::ToolSpec {
        namespace: None,
        format: jig_protocol::ToolFormat::Freeform {
            syntax: "lark".to_owned(),
            definition: "start: /.+/".to_owned(),
        },
        name: "apply_patch".to_owned(),
        description: "Applies a patch.".to_owned(),
        parameters: json!({}),
    }];
    let items = [Item::user("patch it")];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let schema = json!({
        "type": "object",
        "properties": {"input": {"type": "string", "description": "The tool's input, as free text in its lark grammar."}},
        "required": ["input"],
        "additionalProperties": false,
    });
    let body = messages_body(&request, &options());
    assert_eq!(body["tools"][0]["input_schema"], schema);
    let chat = jig_model::chat::chat_body(&request, "m");
    assert_eq!(chat["tools"][0]["function"]["parameters"], schema);
}

#[test]
fn only_signed_thinking_goes_back_first_in_its_turn() {
    let items = [
        Item::user("go"),
        Item::reasoning("unsigned, from another provider"),
        Item::Reasoning {
            text: "signed".to_owned(),
            id: None,
            encrypted_content: None,
            signature: Some("sig".to_owned()),
        },
        Item::assistant("Running it."),
        Item::ToolCall(ToolCall {
            call_id: "toolu_1".to_owned(),
            name: "Bash".to_owned(),
            arguments: r#"{"command":"ls"}"#.to_owned(),
        }),
    ];
    let request = ModelRequest {
        session_id: "s",
        instructions: "",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let body = messages_body(&request, &options());
    let kinds: Vec<&str> = body["messages"][1]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|block| block["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["thinking", "text", "tool_use"]);
    assert_eq!(
        body["messages"][1]["content"][0],
        json!({"type": "thinking", "thinking": "signed", "signature": "sig"})
    );
}

//! The fake vendor's answers on the wire: both APIs' non-streaming bodies
//! and their SSE streams, written here from the documented shapes and
//! independently of jig's own stream synthesis (`jig_eval::batch`), so a
//! test comparing a live run with a batched one compares the two.

use serde_json::{Value, json};

use super::{Answer, Turn};

fn arguments_text(arguments: &Value) -> String {
    arguments.to_string()
}

/// A non-streaming Responses API body.
pub fn responses_body(model: &str, answer: &Answer) -> Value {
    let item = match &answer.turn {
        Turn::Call { id, name, arguments } => json!({"id": format!("fc_{id}"), "type": "function_call",
            "status": "completed", "call_id": id, "name": name, "arguments": arguments_text(arguments)}),
        Turn::Text(text) => json!({"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}),
    };
    json!({"id": "resp_1", "object": "response", "status": "completed", "model": model, "output": [item],
        "usage": {"input_tokens": answer.input, "input_tokens_details": {"cached_tokens": answer.cached},
                  "output_tokens": answer.output, "total_tokens": answer.input + answer.output}})
}

/// A non-streaming Messages API body.
pub fn messages_body(model: &str, answer: &Answer) -> Value {
    let (block, stop) = match &answer.turn {
        Turn::Call { id, name, arguments } => (
            json!({"type": "tool_use", "id": id, "name": name, "input": arguments}),
            "tool_use",
        ),
        Turn::Text(text) => (json!({"type": "text", "text": text}), "end_turn"),
    };
    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": [block],
        "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": answer.input - answer.cached, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": answer.cached, "output_tokens": answer.output}})
}

/// The text in two pieces, as a stream splits it.
fn halves(text: &str) -> [String; 2] {
    let mut at = text.len() / 2;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    [text[..at].to_owned(), text[at..].to_owned()]
}

pub(super) fn responses_events(model: &str, answer: &Answer) -> Vec<Value> {
    let body = responses_body(model, answer);
    let item = body["output"][0].clone();
    let mut events = vec![
        json!({"type": "response.created", "response": {"id": "resp_1", "object": "response",
        "status": "in_progress", "model": model, "output": [], "usage": null}}),
    ];
    let mut added = item.clone();
    added["status"] = json!("in_progress");
    match &answer.turn {
        Turn::Call { arguments, .. } => {
            added["arguments"] = json!("");
            events.push(json!({"type": "response.output_item.added", "output_index": 0, "item": added}));
            let text = arguments_text(arguments);
            for piece in halves(&text) {
                events.push(
                    json!({"type": "response.function_call_arguments.delta", "item_id": item["id"],
                    "output_index": 0, "delta": piece}),
                );
            }
            events.push(
                json!({"type": "response.function_call_arguments.done", "item_id": item["id"],
                "output_index": 0, "arguments": text}),
            );
        }
        Turn::Text(text) => {
            added["content"] = json!([]);
            events.push(json!({"type": "response.output_item.added", "output_index": 0, "item": added}));
            for piece in halves(text) {
                events.push(
                    json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                    "content_index": 0, "delta": piece}),
                );
            }
        }
    }
    events.push(json!({"type": "response.output_item.done", "output_index": 0, "item": item}));
    events.push(json!({"type": "response.completed", "response": body}));
    events
}

pub(super) fn messages_events(model: &str, answer: &Answer) -> Vec<Value> {
    let body = messages_body(model, answer);
    let mut start = body.clone();
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    let mut events = vec![json!({"type": "message_start", "message": start})];
    match &answer.turn {
        Turn::Call { id, name, arguments } => {
            events.push(json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}));
            for piece in halves(&arguments_text(arguments)) {
                events.push(json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": piece}}));
            }
        }
        Turn::Text(text) => {
            events.push(json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}));
            for piece in halves(text) {
                events.push(json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": piece}}));
            }
        }
    }
    events.push(json!({"type": "content_block_stop", "index": 0}));
    events.push(
        json!({"type": "message_delta", "delta": {"stop_reason": body["stop_reason"], "stop_sequence": null},
        "usage": {"output_tokens": answer.output}}),
    );
    events.push(json!({"type": "message_stop"}));
    events
}

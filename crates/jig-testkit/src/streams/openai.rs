//! Responses API streams (`POST /v1/responses`, `stream: true`).

use serde_json::{Value, json};

use super::{INPUT_TOKENS, OUTPUT_TOKENS, pieces};

/// `response.created`, the first event of every response.
pub fn created() -> Value {
    json!({"type": "response.created", "response": {"id": "resp_1", "object": "response",
        "status": "in_progress", "model": "gpt-5-codex", "output": [], "usage": null}})
}

/// `response.completed` with the kit's usage, the last event of every response.
pub fn completed() -> Value {
    json!({"type": "response.completed", "response": {"id": "resp_1", "object": "response",
        "status": "completed", "usage": {"input_tokens": INPUT_TOKENS,
        "input_tokens_details": {"cached_tokens": 0}, "output_tokens": OUTPUT_TOKENS,
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS}}})
}

/// An assistant message streamed as `deltas`.
pub fn text(deltas: &[&str]) -> Vec<Value> {
    let text: String = deltas.concat();
    let mut events = vec![
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item":
            {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
    ];
    for delta in deltas {
        events.push(json!({"type": "response.output_text.delta", "item_id": "msg_1",
            "output_index": 0, "content_index": 0, "delta": delta}));
    }
    events.push(json!({"type": "response.output_item.done", "output_index": 0, "item":
        {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "annotations": [], "text": text}]}}));
    events.push(completed());
    events
}

/// One function call to `name` with `arguments` (JSON text), the arguments
/// streamed in a few pieces.
pub fn function_call(call_id: &str, name: &str, arguments: &str) -> Vec<Value> {
    let item = |status: &str, arguments: &str| {
        json!({"id": "fc_1", "type": "function_call", "status": status,
            "arguments": arguments, "call_id": call_id, "name": name})
    };
    let mut events = vec![
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item": item("in_progress", "")}),
    ];
    for piece in pieces(arguments) {
        events.push(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1",
            "output_index": 0, "delta": piece}),
        );
    }
    events.extend([
        json!({"type": "response.function_call_arguments.done", "item_id": "fc_1",
            "output_index": 0, "arguments": arguments}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": item("completed", arguments)}),
        completed(),
    ]);
    events
}

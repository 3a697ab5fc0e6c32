//! Messages API streams (`POST /v1/messages`, `stream: true`).

use serde_json::{Value, json};

use super::{INPUT_TOKENS, OUTPUT_TOKENS, pieces};

/// `message_start` with the kit's input usage, the first event of every message.
pub fn message_start() -> Value {
    json!({"type": "message_start", "message": {"id": "msg_01", "type": "message", "role": "assistant",
        "content": [], "model": "claude-sonnet-4-5", "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0, "output_tokens": 1}}})
}

/// `message_delta` (with `stop_reason` and the output usage) and
/// `message_stop`, the last two events of every message.
pub fn message_end(stop_reason: &str) -> [Value; 2] {
    [
        json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
            "usage": {"output_tokens": OUTPUT_TOKENS}}),
        json!({"type": "message_stop"}),
    ]
}

/// A text block streamed as `deltas`, ending the turn.
pub fn text(deltas: &[&str]) -> Vec<Value> {
    let mut events = vec![
        message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ];
    for delta in deltas {
        events.push(json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": delta}}));
    }
    events.push(json!({"type": "content_block_stop", "index": 0}));
    events.extend(message_end("end_turn"));
    events
}

/// One `tool_use` block calling `name` with `input` (JSON text), the input
/// streamed in a few `input_json_delta` pieces.
pub fn tool_use(id: &str, name: &str, input: &str) -> Vec<Value> {
    let mut events = vec![
        message_start(),
        json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
    ];
    for piece in pieces(input) {
        events.push(json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": piece}}));
    }
    events.push(json!({"type": "content_block_stop", "index": 0}));
    events.extend(message_end("tool_use"));
    events
}

//! Chat Completions streams (`POST /v1/chat/completions`, `stream: true`
//! with `stream_options.include_usage`), as OpenAI, Ollama and vLLM send
//! them: the `data:` payloads, ending with `[DONE]`.

use serde_json::{Value, json};

use super::{INPUT_TOKENS, OUTPUT_TOKENS, pieces};

fn chunk(delta: Value, finish_reason: Option<&str>) -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})
    .to_string()
}

/// The usage-only chunk sent after the last choice when usage was asked for.
pub fn usage() -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m", "choices": [],
        "usage": {"prompt_tokens": INPUT_TOKENS, "completion_tokens": OUTPUT_TOKENS,
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS}})
    .to_string()
}

/// An assistant message streamed as `deltas`.
pub fn text(deltas: &[&str]) -> Vec<String> {
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    for delta in deltas {
        chunks.push(chunk(json!({"content": delta}), None));
    }
    chunks.extend([chunk(json!({}), Some("stop")), usage(), "[DONE]".to_string()]);
    chunks
}

/// One tool call to `name` with `arguments` (JSON text): the first piece
/// names the call, the rest carry the arguments in a few pieces.
pub fn tool_call(id: &str, name: &str, arguments: &str) -> Vec<String> {
    let mut chunks = vec![
        chunk(json!({"role": "assistant", "content": null}), None),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": id, "type": "function",
                "function": {"name": name, "arguments": ""}}]}),
            None,
        ),
    ];
    for piece in pieces(arguments) {
        chunks.push(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
            None,
        ));
    }
    chunks.extend([chunk(json!({}), Some("tool_calls")), usage(), "[DONE]".to_string()]);
    chunks
}

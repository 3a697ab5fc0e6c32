//! Names: a rollout's token, a request's `custom_id`, and the hashes that
//! decide whether a rerun's request is the one an answer was stored for.
//!
//! Invariant: a `custom_id` names one request's stable parts (see the parent
//! module), fits both vendors' rules (Anthropic's `^[a-zA-Z0-9_-]{1,64}$`),
//! and is the same in every run of the same sample, so a resumed run finds
//! its answers.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Vendor;

/// The token of sample `index` of `task`: 12 hex digits, stable across runs.
pub(crate) fn token(task: &str, index: u32) -> String {
    let mut hasher = Sha256::new();
    hasher.update(task.as_bytes());
    hasher.update([0]);
    hasher.update(index.to_le_bytes());
    hex(&hasher.finalize()[..6])
}

/// The `custom_id` of the `n`-th request (0-based) of rollout `token`.
pub(crate) fn custom_id(token: &str, n: u32, shape: &str) -> String {
    format!("{token}-{n}-{shape}")
}

/// The hash (16 hex digits) of `body`'s stable parts.
pub(crate) fn shape_hash(vendor: Vendor, body: &Value) -> String {
    let mut stable = without_volatile(body);
    blank_tool_outputs(vendor, &mut stable);
    hash(&stable)
}

/// The hash (16 hex digits) of all of `body` but `stream`,
/// `prompt_cache_key` and `metadata`, tool outputs included.
pub(crate) fn content_hash(body: &Value) -> String {
    hash(&without_volatile(body))
}

/// `body` without the fields that differ between two runs of the same
/// request, or that a batch refuses (`stream`).
pub(crate) fn without_volatile(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(object) = body.as_object_mut() {
        for field in ["stream", "prompt_cache_key", "metadata"] {
            object.remove(field);
        }
    }
    body
}

/// Replaces the text of every tool output with `null`, keeping which call it answers.
fn blank_tool_outputs(vendor: Vendor, body: &mut Value) {
    match vendor {
        Vendor::OpenAi => {
            let Some(items) = body.get_mut("input").and_then(Value::as_array_mut) else {
                return;
            };
            for item in items {
                let kind = item.get("type").and_then(Value::as_str);
                if matches!(kind, Some("function_call_output" | "custom_tool_call_output"))
                    && let Some(output) = item.get_mut("output")
                {
                    *output = Value::Null;
                }
            }
        }
        Vendor::Anthropic => {
            let Some(messages) = body.get_mut("messages").and_then(Value::as_array_mut) else {
                return;
            };
            for message in messages {
                let Some(blocks) = message.get_mut("content").and_then(Value::as_array_mut) else {
                    continue;
                };
                for block in blocks {
                    if block.get("type").and_then(Value::as_str) == Some("tool_result")
                        && let Some(content) = block.get_mut("content")
                    {
                        *content = Value::Null;
                    }
                }
            }
        }
    }
}

fn hash(value: &Value) -> String {
    let text = serde_json::to_vec(value).unwrap_or_default();
    hex(&Sha256::digest(&text)[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_rerun_with_another_session_and_other_tool_output_has_the_same_shape() {
        let first = json!({"model": "m", "stream": true, "prompt_cache_key": "s1", "input": [
            {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "Wall time: 0.0123 seconds"}]});
        let mut rerun = first.clone();
        rerun["prompt_cache_key"] = json!("s2");
        rerun["input"][1]["output"] = json!("Wall time: 0.0456 seconds");
        assert_eq!(shape_hash(Vendor::OpenAi, &first), shape_hash(Vendor::OpenAi, &rerun));
        assert_ne!(content_hash(&first), content_hash(&rerun));
        let mut other_call = first.clone();
        other_call["input"][0]["arguments"] = json!("{\"cmd\": \"ls\"}");
        assert_ne!(
            shape_hash(Vendor::OpenAi, &first),
            shape_hash(Vendor::OpenAi, &other_call)
        );
    }

    #[test]
    fn anthropic_tool_results_are_blanked_but_their_call_ids_kept() {
        let body = |id: &str, text: &str| {
            json!({"messages": [{"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": id, "content": text,
                 "cache_control": {"type": "ephemeral"}}]}]})
        };
        let shape = |b: &Value| shape_hash(Vendor::Anthropic, b);
        assert_eq!(shape(&body("t1", "a")), shape(&body("t1", "b")));
        assert_ne!(shape(&body("t1", "a")), shape(&body("t2", "a")));
    }

    #[test]
    fn ids_fit_both_vendors_rules() {
        let id = custom_id(
            &token("task/with spaces", 3),
            12,
            &shape_hash(Vendor::OpenAi, &json!({})),
        );
        assert!(id.len() <= 64, "{id}");
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{id}"
        );
        assert_ne!(token("t", 0), token("t", 1));
    }
}

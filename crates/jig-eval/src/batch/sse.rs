//! The stream the live endpoint would have sent, made from a non-streaming
//! response body (a batch result or a live fallback).
//!
//! Responses API: `response.created`, then per output item
//! `output_item.added`, its content (`content_part.added`, one
//! `output_text.delta` with the whole text, `output_text.done`,
//! `content_part.done`; a call's whole arguments or input as one delta and
//! its `done`; a reasoning item's summary parts), `output_item.done`, and
//! the terminal event the body's `status` names (`response.completed`,
//! `response.incomplete`, `response.failed`) carrying the whole response.
//! Messages API: `message_start` (usage, no content), per content block its
//! `content_block_start`, one delta with the whole text, tool input
//! (`input_json_delta`), thinking and signature, `content_block_stop`, then
//! `message_delta` (stop reason, usage) and `message_stop`.
//!
//! Invariant: jig's decoders read the same response from this stream as
//! from the body (`tests` below decode it with them).

use serde_json::{Value, json};

use super::Vendor;

/// The SSE text of `body` as `vendor`'s live endpoint streams it.
pub(crate) fn stream(vendor: Vendor, body: &Value) -> String {
    let events = match vendor {
        Vendor::OpenAi => responses_events(body),
        Vendor::Anthropic => messages_events(body),
    };
    let mut text = String::new();
    for event in events {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("message");
        text.push_str(&format!("event: {kind}\ndata: {event}\n\n"));
    }
    text
}

/// The `error` event that ends a stream with `message`.
pub(crate) fn error(vendor: Vendor, message: &str) -> String {
    let event = match vendor {
        Vendor::OpenAi => json!({"type": "error", "code": "batch_fallback_failed", "message": message}),
        Vendor::Anthropic => json!({"type": "error", "error": {"type": "api_error", "message": message}}),
    };
    format!("event: error\ndata: {event}\n\n")
}

fn responses_events(body: &Value) -> Vec<Value> {
    let mut seq = 0u64;
    let mut events = Vec::new();
    let mut push = |mut event: Value| {
        event["sequence_number"] = json!(seq);
        seq += 1;
        events.push(event);
    };
    let mut started = body.clone();
    started["status"] = json!("in_progress");
    started["output"] = json!([]);
    started["usage"] = Value::Null;
    push(json!({"type": "response.created", "response": started}));
    let output = body
        .get("output")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, item) in output.iter().enumerate() {
        for event in item_events(index, item) {
            push(event);
        }
    }
    let terminal = match body.get("status").and_then(Value::as_str) {
        Some("incomplete") => "response.incomplete",
        Some("failed") => "response.failed",
        _ => "response.completed",
    };
    push(json!({"type": terminal, "response": body}));
    events
}

/// The events of output item `index`, from `added` to `done`.
fn item_events(index: usize, item: &Value) -> Vec<Value> {
    let id = item.get("id").cloned().unwrap_or(Value::Null);
    let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
    let mut added = item.clone();
    added["status"] = json!("in_progress");
    let mut events = Vec::new();
    match kind {
        "message" => {
            added["content"] = json!([]);
            events.push(json!({"type": "response.output_item.added", "output_index": index, "item": added}));
            let parts = item
                .get("content")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (part_index, part) in parts.iter().enumerate() {
                let at = json!({"item_id": id, "output_index": index, "content_index": part_index});
                let with = |kind: &str, extra: Value| {
                    let mut event = at.clone();
                    event["type"] = json!(kind);
                    if let (Some(event), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
                        event.extend(extra.clone());
                    }
                    event
                };
                let mut empty = part.clone();
                let text_field = match part.get("type").and_then(Value::as_str) {
                    Some("refusal") => "refusal",
                    _ => "text",
                };
                let text = part.get(text_field).cloned().unwrap_or(json!(""));
                empty[text_field] = json!("");
                events.push(with("response.content_part.added", json!({"part": empty})));
                if text_field == "refusal" {
                    events.push(with("response.refusal.delta", json!({"delta": text})));
                    events.push(with("response.refusal.done", json!({"refusal": text})));
                } else {
                    events.push(with("response.output_text.delta", json!({"delta": text})));
                    events.push(with("response.output_text.done", json!({"text": text})));
                }
                events.push(with("response.content_part.done", json!({"part": part})));
            }
        }
        "function_call" | "custom_tool_call" => {
            let (field, stem) = if kind == "function_call" {
                ("arguments", "response.function_call_arguments")
            } else {
                ("input", "response.custom_tool_call_input")
            };
            let text = item.get(field).cloned().unwrap_or(json!(""));
            added[field] = json!("");
            events.push(json!({"type": "response.output_item.added", "output_index": index, "item": added}));
            events.push(json!({"type": format!("{stem}.delta"), "item_id": id, "output_index": index, "delta": text}));
            events.push(json!({"type": format!("{stem}.done"), "item_id": id, "output_index": index, field: text}));
        }
        "reasoning" => {
            added["summary"] = json!([]);
            events.push(json!({"type": "response.output_item.added", "output_index": index, "item": added}));
            let summary = item
                .get("summary")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (summary_index, part) in summary.iter().enumerate() {
                let text = part.get("text").cloned().unwrap_or(json!(""));
                let at = |kind: &str| json!({"type": kind, "item_id": id, "output_index": index, "summary_index": summary_index});
                let mut delta = at("response.reasoning_summary_text.delta");
                delta["delta"] = text.clone();
                let mut done = at("response.reasoning_summary_text.done");
                done["text"] = text;
                events.extend([delta, done]);
            }
        }
        _ => {
            events.push(json!({"type": "response.output_item.added", "output_index": index, "item": added}));
        }
    }
    events.push(json!({"type": "response.output_item.done", "output_index": index, "item": item}));
    events
}

fn messages_events(body: &Value) -> Vec<Value> {
    let usage = body.get("usage").cloned().unwrap_or(json!({}));
    let mut started = body.clone();
    started["content"] = json!([]);
    started["stop_reason"] = Value::Null;
    started["stop_sequence"] = Value::Null;
    let mut events = vec![json!({"type": "message_start", "message": started})];
    let blocks = body
        .get("content")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, block) in blocks.iter().enumerate() {
        let start = |content_block: Value| json!({"type": "content_block_start", "index": index, "content_block": content_block});
        let delta = |delta: Value| json!({"type": "content_block_delta", "index": index, "delta": delta});
        match block.get("type").and_then(Value::as_str) {
            Some("text") => {
                events.push(start(json!({"type": "text", "text": ""})));
                let text = block.get("text").cloned().unwrap_or(json!(""));
                events.push(delta(json!({"type": "text_delta", "text": text})));
            }
            Some("tool_use") => {
                let mut head = block.clone();
                head["input"] = json!({});
                events.push(start(head));
                let input = block.get("input").cloned().unwrap_or(json!({}));
                events.push(delta(
                    json!({"type": "input_json_delta", "partial_json": input.to_string()}),
                ));
            }
            Some("thinking") => {
                events.push(start(json!({"type": "thinking", "thinking": "", "signature": ""})));
                let thinking = block.get("thinking").cloned().unwrap_or(json!(""));
                events.push(delta(json!({"type": "thinking_delta", "thinking": thinking})));
                if let Some(signature) = block.get("signature") {
                    events.push(delta(json!({"type": "signature_delta", "signature": signature})));
                }
            }
            _ => events.push(start(block.clone())),
        }
        events.push(json!({"type": "content_block_stop", "index": index}));
    }
    events.push(json!({
        "type": "message_delta",
        "delta": {"stop_reason": body.get("stop_reason"), "stop_sequence": body.get("stop_sequence")},
        "usage": usage,
    }));
    events.push(json!({"type": "message_stop"}));
    events
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use jig_model::ResponseEvent;
    use jig_model::anthropic::MessagesDecoder;
    use jig_model::openai::ResponsesDecoder;
    use jig_model::wire::SseDecoder;
    use jig_protocol::{TokenUsage, ToolCall};

    use super::*;

    /// Decodes `text` with `decoder`, as jig's transport would.
    fn decode(mut decoder: impl SseDecoder, text: &str) -> Vec<ResponseEvent> {
        let mut events = Vec::new();
        for block in text.split("\n\n").filter(|b| !b.is_empty()) {
            let mut name = "";
            let mut data = "";
            for line in block.lines() {
                if let Some(rest) = line.strip_prefix("event: ") {
                    name = rest;
                } else if let Some(rest) = line.strip_prefix("data: ") {
                    data = rest;
                }
            }
            events.extend(decoder.event(name, data).unwrap());
        }
        events.extend(decoder.finish().unwrap());
        events
    }

    #[test]
    fn a_responses_body_streams_as_its_text_reasoning_calls_and_usage() {
        let body = json!({"id": "resp_1", "object": "response", "status": "completed", "output": [
            {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "think"}],
             "encrypted_content": "enc"},
            {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "hello", "annotations": []}]},
            {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_1",
             "name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"}],
            "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 60}, "output_tokens": 7}});
        let events = decode(ResponsesDecoder::new(), &stream(Vendor::OpenAi, &body));
        let reasoning = events.iter().find_map(|e| match e {
            ResponseEvent::Reasoning(part) => Some(part.clone()),
            _ => None,
        });
        let reasoning = reasoning.unwrap();
        assert_eq!(
            (reasoning.text.as_str(), reasoning.encrypted_content.as_deref()),
            ("think", Some("enc"))
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ResponseEvent::TextDelta(t) if t == "hello"))
        );
        let call = ToolCall {
            call_id: "call_1".into(),
            name: "exec_command".into(),
            arguments: "{\"cmd\":\"ls\"}".into(),
        };
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ResponseEvent::ToolCall(c) if *c == call))
        );
        let usage = TokenUsage {
            input_tokens: 100,
            cached_input_tokens: 60,
            output_tokens: 7,
        };
        assert!(matches!(events.last(), Some(ResponseEvent::Completed { usage: u }) if *u == usage));
    }

    #[test]
    fn a_messages_body_streams_as_its_thinking_text_tool_use_and_usage() {
        let body = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "text", "text": "on it"},
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}],
            "stop_reason": "tool_use", "stop_sequence": null,
            "usage": {"input_tokens": 10, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 80,
                      "output_tokens": 9}});
        let events = decode(MessagesDecoder::new(), &stream(Vendor::Anthropic, &body));
        assert!(events.iter().any(|e| matches!(e, ResponseEvent::Reasoning(r)
            if r.text == "hmm" && r.signature.as_deref() == Some("sig"))));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ResponseEvent::TextDelta(t) if t == "on it"))
        );
        assert!(events.iter().any(|e| matches!(e, ResponseEvent::ToolCall(c)
            if c.call_id == "toolu_1" && c.name == "Bash"
                && serde_json::from_str::<Value>(&c.arguments).unwrap() == json!({"command": "ls"}))));
        let usage = TokenUsage {
            input_tokens: 95,
            cached_input_tokens: 80,
            output_tokens: 9,
        };
        assert!(matches!(events.last(), Some(ResponseEvent::Completed { usage: u }) if *u == usage));
    }
}

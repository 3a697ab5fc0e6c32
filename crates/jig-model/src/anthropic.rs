//! The Anthropic Messages API (`POST {base}/v1/messages`, `stream: true`):
//! the request body [`messages_body`], the stream decoder [`MessagesDecoder`]
//! and the client [`MessagesClient`].
//!
//! The API requires user and assistant messages to alternate, so the body
//! groups items by role: one model response (its text and tool calls) is one
//! assistant message, and the tool results that answer it plus any user text
//! that follows are one user message, tool results first as the API demands.
//! Prompt caching follows Claude Code (see `shared/reference/dialects.md`):
//! `cache_control` on the system block, on the last tool, and on the newest
//! `tool_result` (or, without one, on the last user block).
//!
//! Thinking round-trips: the decoder keeps a thinking block's `signature`
//! (from `signature_delta`) on the reasoning, and the body sends reasoning
//! that has one back as a `thinking` block, first in its assistant message as
//! the API requires. Reasoning without a signature (from another provider)
//! is left out: the API refuses an unsigned thinking block. `redacted_thinking`
//! blocks are not kept yet.
//!
//! A freeform tool is offered as a function with one string parameter,
//! `input`; the API has no grammar-constrained tools. A tool output with
//! images (`view_image`, `Read` of an image) becomes a `tool_result` whose
//! `content` is a text block and then `image` blocks with a base64 source.
//!
//! The stream decoder, and what it checks after a skipped event, live in
//! `anthropic/decoder.rs`.

use jig_protocol::{Item, Role, ToolOutput, ToolStatus};
use serde_json::{Value, json};

use crate::client::{HttpClient, WireFormat};
use crate::http::{Endpoint, RetryPolicy};
use crate::wire::{SseDecoder, function_parameters};
use crate::{ModelError, ModelRequest};

mod decoder;
pub use decoder::MessagesDecoder;

/// The API version every request names.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The Messages API wire format, for [`HttpClient`].
#[derive(Debug, Clone, Copy)]
pub struct Messages;

impl WireFormat for Messages {
    type Options = MessagesOptions;

    fn body(request: &ModelRequest, options: &MessagesOptions) -> Value {
        messages_body(request, options)
    }

    fn decoder() -> Box<dyn SseDecoder> {
        Box::new(MessagesDecoder::new())
    }
}

/// An Anthropic Messages API client.
pub type MessagesClient = HttpClient<Messages>;

impl HttpClient<Messages> {
    /// A client POSTing to `{base_url}/v1/messages`. Anthropic's base URL has
    /// no `/v1` (`https://api.anthropic.com`, as `ANTHROPIC_BASE_URL`); one
    /// given with `/v1` is accepted too. Sends `x-api-key` when `api_key` is
    /// given, and `anthropic-version`. Its spec is `anthropic:<model>` and
    /// errors name the provider `anthropic`. Fails only when the HTTP client
    /// cannot be built.
    pub fn new(
        base_url: impl Into<String>,
        options: MessagesOptions,
        api_key: Option<String>,
        policy: RetryPolicy,
    ) -> Result<Self, ModelError> {
        let base_url = base_url.into();
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        let mut headers = vec![("anthropic-version".to_owned(), ANTHROPIC_VERSION.to_owned())];
        if let Some(key) = api_key {
            headers.push(("x-api-key".to_owned(), key));
        }
        let endpoint = Endpoint {
            provider: "anthropic".into(),
            url: format!("{base}/v1/messages"),
            headers,
        };
        HttpClient::with_endpoint(format!("anthropic:{}", options.model), endpoint, options, policy)
    }
}

/// Request settings of the Messages API that are not part of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagesOptions {
    /// Model name, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Most tokens the response may have (required by the API). Must exceed
    /// `thinking_budget` when that is set.
    pub max_tokens: u32,
    /// Extended thinking budget in tokens; `None` leaves thinking off.
    pub thinking_budget: Option<u32>,
}

/// The JSON body of one streamed Messages API request.
pub fn messages_body(request: &ModelRequest, options: &MessagesOptions) -> Value {
    let mut body = json!({
        "model": options.model,
        "max_tokens": options.max_tokens,
        "stream": true,
        "messages": messages(request.items),
    });
    // The API refuses empty text blocks.
    if !request.instructions.is_empty() {
        body["system"] = json!([{
            "type": "text",
            "text": request.instructions,
            "cache_control": { "type": "ephemeral" },
        }]);
    }
    if !request.tools.is_empty() {
        let mut tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": function_parameters(tool),
                })
            })
            .collect();
        if let Some(last) = tools.last_mut() {
            last["cache_control"] = json!({ "type": "ephemeral" });
        }
        body["tools"] = Value::Array(tools);
    }
    if let Some(budget) = options.thinking_budget {
        body["thinking"] = json!({ "type": "enabled", "budget_tokens": budget });
    }
    if let Some(output) = request.output_schema {
        body["output_config"] = json!({ "format": {"type": "json_schema", "schema": output.schema} });
    }
    body
}

struct Turn {
    role: &'static str,
    content: Vec<Value>,
}

/// The `messages` array: items grouped into alternating turns.
fn messages(items: &[Item]) -> Vec<Value> {
    let mut turns: Vec<Turn> = Vec::new();
    for item in items {
        let Some((role, block)) = block_of(item) else {
            continue;
        };
        match turns.last_mut() {
            Some(turn) if turn.role == role => turn.content.push(block),
            _ => turns.push(Turn {
                role,
                content: vec![block],
            }),
        }
    }
    for turn in &mut turns {
        if turn.role == "user" {
            // Stable: tool results keep their call order, text keeps its order.
            turn.content.sort_by_key(|block| !is_tool_result(block));
        }
    }
    mark_cache_breakpoint(&mut turns);
    turns
        .into_iter()
        .map(|turn| json!({ "role": turn.role, "content": turn.content }))
        .collect()
}

/// The role and content block of one item; `None` for what is not sent.
fn block_of(item: &Item) -> Option<(&'static str, Value)> {
    match item {
        Item::Compaction { summary, .. } => Some((
            "user",
            json!({ "type": "text", "text": Item::compaction_text(summary) }),
        )),
        Item::Message { text, .. } if text.is_empty() => None,
        // Mid-conversation harness notes have no place of their own here; the
        // model reads them as user text.
        Item::Message {
            role: Role::User | Role::System,
            text,
        } => Some(("user", json!({ "type": "text", "text": text }))),
        Item::Message {
            role: Role::Assistant,
            text,
        } => Some(("assistant", json!({ "type": "text", "text": text }))),
        Item::Reasoning {
            text,
            signature: Some(signature),
            ..
        } => Some((
            "assistant",
            json!({ "type": "thinking", "thinking": text, "signature": signature }),
        )),
        // Unsigned reasoning is refused; see the module doc.
        Item::Reasoning { signature: None, .. } => None,
        Item::ToolCall(call) => Some((
            "assistant",
            json!({
                "type": "tool_use",
                "id": call.call_id,
                "name": call.name,
                "input": tool_input(&call.arguments),
            }),
        )),
        Item::ToolOutput(output) => Some((
            "user",
            json!({
                "type": "tool_result",
                "tool_use_id": output.call_id,
                "content": tool_result_content(output),
                "is_error": output.status != ToolStatus::Ok,
            }),
        )),
    }
}

/// A `tool_result`'s `content`: its text, or, when the output carries
/// images, a text block followed by one base64 `image` block per image.
fn tool_result_content(output: &ToolOutput) -> Value {
    if output.images.is_empty() {
        return json!(output.output);
    }
    let mut content = vec![json!({ "type": "text", "text": output.output })];
    content.extend(output.images.iter().map(|image| {
        json!({
            "type": "image",
            "source": { "type": "base64", "media_type": image.media_type, "data": image.data },
        })
    }));
    Value::Array(content)
}

/// The API wants `input` as an object; arguments the model got wrong are sent
/// as `{}` (the tool's error output already told the model what was wrong).
fn tool_input(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(value @ Value::Object(_)) => value,
        _ => json!({}),
    }
}

fn is_tool_result(block: &Value) -> bool {
    block.get("type").and_then(Value::as_str) == Some("tool_result")
}

/// Puts `cache_control` on the newest tool result, or else on the last user
/// block, so the next request reuses the whole prefix.
fn mark_cache_breakpoint(turns: &mut [Turn]) {
    let newest_result = turns
        .iter_mut()
        .rev()
        .flat_map(|turn| turn.content.iter_mut().rev())
        .find(|block| is_tool_result(block));
    let target = match newest_result {
        Some(block) => Some(block),
        None => turns
            .iter_mut()
            .rev()
            .find(|turn| turn.role == "user")
            .and_then(|turn| turn.content.last_mut()),
    };
    if let Some(block) = target {
        block["cache_control"] = json!({ "type": "ephemeral" });
    }
}

//! The OpenAI Responses API wire format (`POST /v1/responses`, `stream: true`):
//! the request body [`responses_body`] and the stream decoder
//! [`ResponsesDecoder`].
//!
//! The body follows what Codex CLI sends (see `shared/reference/dialects.md`):
//! instructions travel as a `developer` message at the start of `input`,
//! `store` defaults to false and then `include` asks for
//! `reasoning.encrypted_content`, and the session id is the
//! `prompt_cache_key`.
//!
//! Reasoning is not replayed. A reasoning input item needs the item `id` and,
//! with `store: false`, its `encrypted_content`; [`Item::Reasoning`] keeps only
//! the summary text, and a summary-only item is not a faithful copy of what
//! the model produced. Round-tripping reasoning needs those two fields on the
//! item, a follow-up change in `jig-protocol`.
//!
//! Decoder invariants (see [`crate::wire`]): a function call is emitted only at
//! its `response.output_item.done`, so a stream cut mid-call never yields a
//! partial [`ToolCall`]. `response.incomplete` (output-token limit, content
//! filter) ends the response like `response.completed`: the reason does not
//! go away on a retry, and the Anthropic decoder treats its `max_tokens` stop
//! the same way. Items that finished before it were emitted; an unfinished
//! function call is dropped. Unknown event types are ignored so that new
//! server events do not break old clients.

use std::collections::HashMap;

use jig_protocol::{Item, Role, TokenUsage, ToolCall};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ModelRequest;
use crate::ResponseEvent;
use crate::wire::{DecodeError, SseDecoder};

/// Request settings of the Responses API that are not part of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsesOptions {
    /// Model name, e.g. `gpt-5-codex`.
    pub model: String,
    /// `reasoning.effort` (`minimal`, `low`, `medium`, `high`), if set.
    pub reasoning_effort: Option<String>,
    /// `reasoning.summary` (Codex sends `auto`), if set.
    pub reasoning_summary: Option<String>,
    /// Whether the server keeps the response. Codex sends `false`.
    pub store: bool,
    /// Whether the model may call several tools in one response.
    pub parallel_tool_calls: bool,
}

impl ResponsesOptions {
    /// Codex's defaults for `model`: reasoning summary `auto`, no storage,
    /// parallel tool calls.
    pub fn new(model: impl Into<String>) -> Self {
        ResponsesOptions {
            model: model.into(),
            reasoning_effort: None,
            reasoning_summary: Some("auto".to_owned()),
            store: false,
            parallel_tool_calls: true,
        }
    }
}

/// The JSON body of one streamed Responses API request.
///
/// `tools`, `tool_choice` and `parallel_tool_calls` are left out when there
/// are no tools: the API refuses tool settings without tools.
pub fn responses_body(request: &ModelRequest, options: &ResponsesOptions) -> Value {
    let mut body = json!({
        "model": options.model,
        "input": input_items(request),
        "store": options.store,
        "stream": true,
        "prompt_cache_key": request.session_id,
    });
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                    "strict": false,
                })
            })
            .collect();
        body["tools"] = Value::Array(tools);
        body["tool_choice"] = json!("auto");
        body["parallel_tool_calls"] = json!(options.parallel_tool_calls);
    }
    let mut reasoning = serde_json::Map::new();
    if let Some(effort) = &options.reasoning_effort {
        reasoning.insert("effort".to_owned(), json!(effort));
    }
    if let Some(summary) = &options.reasoning_summary {
        reasoning.insert("summary".to_owned(), json!(summary));
    }
    if !reasoning.is_empty() {
        body["reasoning"] = Value::Object(reasoning);
    }
    if !options.store {
        body["include"] = json!(["reasoning.encrypted_content"]);
    }
    body
}

/// The `input` array: instructions as a developer message, then the items.
fn input_items(request: &ModelRequest) -> Vec<Value> {
    let mut input = Vec::with_capacity(request.items.len() + 1);
    if !request.instructions.is_empty() {
        input.push(message("developer", "input_text", request.instructions));
    }
    for item in request.items {
        match item {
            Item::Message { role, text } => input.push(match role {
                Role::System => message("developer", "input_text", text),
                Role::User => message("user", "input_text", text),
                Role::Assistant => message("assistant", "output_text", text),
            }),
            // Not replayable faithfully; see the module doc.
            Item::Reasoning { .. } => {}
            Item::ToolCall(call) => input.push(json!({
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            })),
            Item::ToolOutput(output) => input.push(json!({
                "type": "function_call_output",
                "call_id": output.call_id,
                "output": output.output,
            })),
        }
    }
    input
}

fn message(role: &str, content_type: &str, text: &str) -> Value {
    json!({
        "type": "message",
        "role": role,
        "content": [{ "type": content_type, "text": text }],
    })
}

/// Decodes the server-sent events of one Responses API stream.
#[derive(Debug, Default)]
pub struct ResponsesDecoder {
    /// Function calls in progress, by item id.
    calls: HashMap<String, PendingCall>,
    /// Reasoning summary parts in progress, by (item id, summary index).
    summaries: HashMap<(String, u64), String>,
    completed: bool,
}

#[derive(Debug, Default)]
struct PendingCall {
    call_id: String,
    name: String,
    arguments: String,
}

impl ResponsesDecoder {
    /// A decoder for a new response.
    pub fn new() -> Self {
        Self::default()
    }
}

#[derive(Deserialize)]
struct OutputItemEvent {
    item: OutputItem,
}

#[derive(Deserialize)]
struct OutputItem {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    call_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct ArgumentsEvent {
    item_id: String,
    #[serde(default)]
    delta: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct TextDeltaEvent {
    delta: String,
}

#[derive(Deserialize)]
struct SummaryEvent {
    item_id: String,
    #[serde(default)]
    summary_index: u64,
    #[serde(default)]
    delta: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct ResponseEnvelope {
    response: ResponseObject,
}

#[derive(Deserialize)]
struct ResponseObject {
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    input_tokens_details: Option<InputTokensDetails>,
}

#[derive(Deserialize)]
struct InputTokensDetails {
    #[serde(default)]
    cached_tokens: u64,
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl ErrorObject {
    fn describe(&self) -> String {
        let message = self.message.as_deref().unwrap_or("no message");
        match &self.code {
            Some(code) => format!("{code}: {message}"),
            None => message.to_owned(),
        }
    }
}

impl SseDecoder for ResponsesDecoder {
    fn event(&mut self, name: &str, data: &str) -> Result<Vec<ResponseEvent>, DecodeError> {
        let value: Value = serde_json::from_str(data).map_err(|err| malformed(name, &err))?;
        let kind = value.get("type").and_then(Value::as_str).unwrap_or(name).to_owned();
        if self.completed {
            return Ok(Vec::new());
        }
        match kind.as_str() {
            "response.output_text.delta" => {
                let event: TextDeltaEvent = parse(&kind, value)?;
                Ok(vec![ResponseEvent::TextDelta(event.delta)])
            }
            "response.reasoning_summary_text.delta" => {
                let event: SummaryEvent = parse(&kind, value)?;
                let part = self.summaries.entry((event.item_id, event.summary_index)).or_default();
                part.push_str(event.delta.as_deref().unwrap_or_default());
                Ok(Vec::new())
            }
            "response.reasoning_summary_text.done" => {
                let event: SummaryEvent = parse(&kind, value)?;
                let streamed = self
                    .summaries
                    .remove(&(event.item_id, event.summary_index))
                    .unwrap_or_default();
                let text = event.text.unwrap_or(streamed);
                Ok(vec![ResponseEvent::Reasoning(text)])
            }
            "response.output_item.added" => {
                let event: OutputItemEvent = parse(&kind, value)?;
                if event.item.kind == "function_call" {
                    let item = event.item;
                    let id = item_key(&item);
                    self.calls.insert(
                        id,
                        PendingCall {
                            call_id: item.call_id.unwrap_or_default(),
                            name: item.name.unwrap_or_default(),
                            arguments: item.arguments.unwrap_or_default(),
                        },
                    );
                }
                Ok(Vec::new())
            }
            "response.function_call_arguments.delta" | "response.function_call_arguments.done" => {
                let event: ArgumentsEvent = parse(&kind, value)?;
                let call = self.calls.entry(event.item_id).or_default();
                if let Some(delta) = event.delta {
                    call.arguments.push_str(&delta);
                }
                if let Some(arguments) = event.arguments {
                    call.arguments = arguments;
                }
                Ok(Vec::new())
            }
            "response.output_item.done" => {
                let event: OutputItemEvent = parse(&kind, value)?;
                if event.item.kind != "function_call" {
                    return Ok(Vec::new());
                }
                Ok(vec![ResponseEvent::ToolCall(self.finish_call(&kind, event.item)?)])
            }
            "response.completed" | "response.incomplete" => {
                let event: ResponseEnvelope = parse(&kind, value)?;
                self.completed = true;
                Ok(vec![ResponseEvent::Completed {
                    usage: token_usage(event.response.usage),
                }])
            }
            "response.failed" => {
                let event: ResponseEnvelope = parse(&kind, value)?;
                let message = event
                    .response
                    .error
                    .map_or_else(|| "the response failed".to_owned(), |e| e.describe());
                Err(DecodeError::Provider(message))
            }
            "error" => {
                let error: ErrorObject = parse(&kind, value)?;
                Err(DecodeError::Provider(error.describe()))
            }
            _ => Ok(Vec::new()),
        }
    }

    fn finish(&mut self) -> Result<Vec<ResponseEvent>, DecodeError> {
        if self.completed {
            Ok(Vec::new())
        } else {
            Err(DecodeError::Incomplete)
        }
    }
}

impl ResponsesDecoder {
    /// The finished call for a `function_call` item: the `done` item's fields
    /// win, the streamed pieces fill in what it leaves out.
    fn finish_call(&mut self, kind: &str, item: OutputItem) -> Result<ToolCall, DecodeError> {
        let pending = self.calls.remove(&item_key(&item)).unwrap_or_default();
        let call = ToolCall {
            call_id: item.call_id.unwrap_or(pending.call_id),
            name: item.name.unwrap_or(pending.name),
            arguments: item
                .arguments
                .filter(|arguments| !arguments.is_empty())
                .unwrap_or(pending.arguments),
        };
        if call.call_id.is_empty() || call.name.is_empty() {
            return Err(DecodeError::Malformed {
                event: kind.to_owned(),
                reason: "function call without call_id or name".to_owned(),
            });
        }
        Ok(call)
    }
}

/// Argument events name the item by `item_id`; fall back to the call id for
/// servers that leave `id` out.
fn item_key(item: &OutputItem) -> String {
    item.id.clone().or_else(|| item.call_id.clone()).unwrap_or_default()
}

fn token_usage(usage: Option<Usage>) -> TokenUsage {
    let Some(usage) = usage else {
        return TokenUsage::default();
    };
    TokenUsage {
        input_tokens: usage.input_tokens,
        cached_input_tokens: usage.input_tokens_details.map_or(0, |d| d.cached_tokens),
        output_tokens: usage.output_tokens,
    }
}

fn parse<T: for<'de> Deserialize<'de>>(kind: &str, value: Value) -> Result<T, DecodeError> {
    serde_json::from_value(value).map_err(|err| malformed(kind, &err))
}

fn malformed(event: &str, err: &serde_json::Error) -> DecodeError {
    DecodeError::Malformed {
        event: if event.is_empty() {
            "unnamed".to_owned()
        } else {
            event.to_owned()
        },
        reason: err.to_string(),
    }
}

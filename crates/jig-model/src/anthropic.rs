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
//! `input`; the API has no grammar-constrained tools.
//!
//! Decoder invariants (see [`crate::wire`]): a tool call is emitted at its
//! `content_block_stop`, and [`ResponseEvent::Completed`] at `message_stop`;
//! a stream that ends before that is [`DecodeError::Incomplete`]. A
//! `max_tokens` stop still ends with `message_stop`, so it completes with
//! what was streamed. Unknown event and block types are ignored.
//!
//! Consistency after a skipped event (see [`crate::wire`]). Nothing in a
//! Messages stream repeats a block whole, and content blocks stream one at a
//! time, so a dropped event can only have belonged to the open block (or
//! started or ended one). `ping`, `message_start` and `message_delta` carry
//! no content (usage and the stop reason may then be missing). Otherwise:
//! a `tool_use` block open when an event was dropped may miss a piece of its
//! input, and is inconsistent at its `content_block_stop`; so is a delta or
//! stop for a block whose start was dropped, unless its deltas show it is
//! text; a `tool_use` block still open at `message_stop`, or a `tool_use`
//! stop reason with no call, means a call was lost. A thinking block open
//! when an event was dropped no longer matches its signature, so it is kept
//! as unsigned text (never sent back); and since the API needs the signed
//! thinking block back with a tool call's result, a response that lost one
//! and calls a tool is inconsistent too. A text-only response keeps going
//! with a piece of its text or thinking missing.

use std::collections::HashMap;

use jig_protocol::{Item, Role, TokenUsage, ToolCall, ToolStatus};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{HttpClient, WireFormat};
use crate::http::{Endpoint, RetryPolicy};
use crate::wire::{DecodeError, SseDecoder, function_parameters};
use crate::{ModelError, ModelRequest, ReasoningPart, ResponseEvent};

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
                "content": output.output,
                "is_error": output.status != ToolStatus::Ok,
            }),
        )),
    }
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

/// Decodes the server-sent events of one Messages API stream.
#[derive(Debug, Default)]
pub struct MessagesDecoder {
    /// Content blocks in progress, by index.
    blocks: HashMap<u64, Block>,
    usage: TokenUsage,
    stop_reason: Option<String>,
    /// Whether the transport skipped an event of this response.
    skipped: bool,
    /// Tool calls emitted so far.
    calls: usize,
    /// Whether a thinking block lost its signature to a skipped event.
    lost_thinking: bool,
    completed: bool,
}

#[derive(Debug)]
enum Block {
    Text,
    ToolUse {
        id: String,
        name: String,
        json: String,
        /// A skipped event may have carried a piece of `json`.
        tainted: bool,
    },
    Thinking {
        text: String,
        signature: String,
        /// A skipped event may have carried a piece of `text` or `signature`.
        tainted: bool,
    },
    Other,
}

impl MessagesDecoder {
    /// A decoder for a new response.
    pub fn new() -> Self {
        Self::default()
    }

    /// Why the model stopped (`end_turn`, `tool_use`, `max_tokens`, …), once
    /// `message_delta` has said.
    pub fn stop_reason(&self) -> Option<&str> {
        self.stop_reason.as_deref()
    }
}

#[derive(Deserialize)]
struct MessageStart {
    message: MessageObject,
}

#[derive(Deserialize)]
struct MessageObject {
    #[serde(default)]
    usage: Option<Usage>,
}

/// Both `message_start` and `message_delta` usage; counts are cumulative.
#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct BlockStart {
    index: u64,
    content_block: BlockObject,
}

#[derive(Deserialize)]
struct BlockObject {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thinking: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

#[derive(Deserialize)]
struct BlockDelta {
    index: u64,
    delta: DeltaObject,
}

#[derive(Deserialize)]
struct DeltaObject {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    partial_json: Option<String>,
    #[serde(default)]
    thinking: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

#[derive(Deserialize)]
struct BlockStop {
    index: u64,
}

#[derive(Deserialize)]
struct MessageDelta {
    #[serde(default)]
    delta: Option<StopDelta>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct StopDelta {
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEvent {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl SseDecoder for MessagesDecoder {
    fn event(&mut self, name: &str, data: &str) -> Result<Vec<ResponseEvent>, DecodeError> {
        let value: Value = serde_json::from_str(data).map_err(|err| malformed(name, &err))?;
        let kind = value.get("type").and_then(Value::as_str).unwrap_or(name).to_owned();
        if self.completed {
            return Ok(Vec::new());
        }
        match kind.as_str() {
            "message_start" => {
                let event: MessageStart = parse(&kind, value)?;
                if let Some(usage) = event.message.usage {
                    self.add_usage(&usage);
                }
                Ok(Vec::new())
            }
            "content_block_start" => self.block_start(parse(&kind, value)?),
            "content_block_delta" => self.block_delta(&kind, parse(&kind, value)?),
            "content_block_stop" => {
                let event: BlockStop = parse(&kind, value)?;
                self.block_stop(event.index)
            }
            "message_delta" => {
                let event: MessageDelta = parse(&kind, value)?;
                if let Some(reason) = event.delta.and_then(|delta| delta.stop_reason) {
                    self.stop_reason = Some(reason);
                }
                if let Some(usage) = event.usage {
                    self.add_usage(&usage);
                }
                Ok(Vec::new())
            }
            "message_stop" => {
                if self.skipped {
                    self.check_complete()?;
                }
                self.completed = true;
                Ok(vec![ResponseEvent::Completed { usage: self.usage }])
            }
            "error" => {
                let event: ErrorEvent = parse(&kind, value)?;
                let message = event.error.message.as_deref().unwrap_or("no message");
                Err(DecodeError::Provider(match event.error.kind {
                    Some(kind) => format!("{kind}: {message}"),
                    None => message.to_owned(),
                }))
            }
            // `ping` and event types newer than this decoder.
            _ => Ok(Vec::new()),
        }
    }

    fn skipped(&mut self, event: &str) {
        self.skipped = true;
        if matches!(event, "ping" | "message_start" | "message_delta") {
            return;
        }
        for block in self.blocks.values_mut() {
            if let Block::ToolUse { tainted, .. } | Block::Thinking { tainted, .. } = block {
                *tainted = true;
            }
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

impl MessagesDecoder {
    /// At `message_stop` after a skipped event: no call lost, and no
    /// damaged thinking the next request would need (see the module doc).
    fn check_complete(&self) -> Result<(), DecodeError> {
        let open_call = self.blocks.values().find_map(|block| match block {
            Block::ToolUse { id, name, .. } => Some(format!("tool call {name} ({id}) never ended")),
            _ => None,
        });
        if let Some(problem) = open_call {
            return Err(DecodeError::Inconsistent(problem));
        }
        if self.calls == 0 && self.stop_reason.as_deref() == Some("tool_use") {
            return Err(DecodeError::Inconsistent(
                "the model stopped to use a tool, but the call was lost with a skipped event".into(),
            ));
        }
        let open_thinking = self
            .blocks
            .values()
            .any(|block| matches!(block, Block::Thinking { .. }));
        if self.calls > 0 && open_thinking {
            return Err(DecodeError::Inconsistent(THINKING_LOST.into()));
        }
        Ok(())
    }

    /// Takes the counts a usage object carries; later events repeat them
    /// cumulatively, so a count replaces, never adds.
    fn add_usage(&mut self, usage: &Usage) {
        let fresh = usage.input_tokens;
        let created = usage.cache_creation_input_tokens;
        let read = usage.cache_read_input_tokens;
        if fresh.is_some() || created.is_some() || read.is_some() {
            // The API counts cached prompt tokens apart; ours include them.
            self.usage.input_tokens = fresh.unwrap_or(0) + created.unwrap_or(0) + read.unwrap_or(0);
            self.usage.cached_input_tokens = read.unwrap_or(0);
        }
        if let Some(output) = usage.output_tokens {
            self.usage.output_tokens = output;
        }
    }

    fn block_start(&mut self, event: BlockStart) -> Result<Vec<ResponseEvent>, DecodeError> {
        let block = event.content_block;
        let (state, events) = match block.kind.as_str() {
            "text" => {
                let text = block.text.unwrap_or_default();
                let events = if text.is_empty() {
                    Vec::new()
                } else {
                    vec![ResponseEvent::TextDelta(text)]
                };
                (Block::Text, events)
            }
            "tool_use" => {
                let (Some(id), Some(name)) = (block.id, block.name) else {
                    return Err(DecodeError::Malformed {
                        event: "content_block_start".to_owned(),
                        reason: "tool_use block without id or name".to_owned(),
                    });
                };
                let json = String::new();
                (
                    Block::ToolUse {
                        id,
                        name,
                        json,
                        tainted: false,
                    },
                    Vec::new(),
                )
            }
            "thinking" => {
                let text = block.thinking.unwrap_or_default();
                let signature = block.signature.unwrap_or_default();
                let tainted = false;
                (
                    Block::Thinking {
                        text,
                        signature,
                        tainted,
                    },
                    Vec::new(),
                )
            }
            _ => (Block::Other, Vec::new()),
        };
        self.blocks.insert(event.index, state);
        Ok(events)
    }

    fn block_delta(&mut self, kind: &str, event: BlockDelta) -> Result<Vec<ResponseEvent>, DecodeError> {
        let delta = event.delta;
        let missing = |field: &str| DecodeError::Malformed {
            event: kind.to_owned(),
            reason: format!("{} delta without `{field}`", delta.kind),
        };
        match delta.kind.as_str() {
            "text_delta" => {
                let text = delta.text.clone().ok_or_else(|| missing("text"))?;
                if self.skipped {
                    // Its start may have been skipped; text shows what it is.
                    self.blocks.entry(event.index).or_insert(Block::Text);
                }
                Ok(vec![ResponseEvent::TextDelta(text)])
            }
            "input_json_delta" => {
                let piece = delta.partial_json.as_deref().ok_or_else(|| missing("partial_json"))?;
                match self.blocks.get_mut(&event.index) {
                    Some(Block::ToolUse { json, .. }) => {
                        json.push_str(piece);
                        Ok(Vec::new())
                    }
                    None if self.skipped => Err(DecodeError::Inconsistent(format!(
                        "the start of tool call block {} was lost with a skipped event",
                        event.index
                    ))),
                    _ => Err(DecodeError::Malformed {
                        event: kind.to_owned(),
                        reason: format!("input_json_delta for block {} that is no tool_use", event.index),
                    }),
                }
            }
            "thinking_delta" => {
                let piece = delta.thinking.as_deref().ok_or_else(|| missing("thinking"))?;
                if let Some(Block::Thinking { text, .. }) = self.thinking_block(event.index) {
                    text.push_str(piece);
                }
                Ok(Vec::new())
            }
            "signature_delta" => {
                let piece = delta.signature.as_deref().ok_or_else(|| missing("signature"))?;
                if let Some(Block::Thinking { signature, .. }) = self.thinking_block(event.index) {
                    signature.push_str(piece);
                }
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// The thinking block at `index`; after a skipped event, one whose start
    /// was skipped is made here, already damaged.
    fn thinking_block(&mut self, index: u64) -> Option<&mut Block> {
        if self.skipped {
            let damaged = Block::Thinking {
                text: String::new(),
                signature: String::new(),
                tainted: true,
            };
            return Some(self.blocks.entry(index).or_insert(damaged));
        }
        self.blocks.get_mut(&index)
    }

    fn block_stop(&mut self, index: u64) -> Result<Vec<ResponseEvent>, DecodeError> {
        match self.blocks.remove(&index) {
            Some(Block::ToolUse { id, name, tainted, .. }) if tainted => Err(DecodeError::Inconsistent(format!(
                "tool call {name} ({id}) may have lost part of its input to a skipped event"
            ))),
            Some(Block::ToolUse { .. }) if self.lost_thinking => Err(DecodeError::Inconsistent(THINKING_LOST.into())),
            Some(Block::ToolUse { id, name, json, .. }) => {
                let arguments = if json.is_empty() { "{}".to_owned() } else { json };
                self.calls += 1;
                Ok(vec![ResponseEvent::ToolCall(ToolCall {
                    call_id: id,
                    name,
                    arguments,
                })])
            }
            Some(Block::Thinking {
                text,
                signature,
                tainted,
            }) => {
                // A damaged block's signature no longer matches its text.
                let signature = Some(signature).filter(|signature| !tainted && !signature.is_empty());
                self.lost_thinking |= tainted;
                if text.is_empty() && signature.is_none() {
                    return Ok(Vec::new());
                }
                Ok(vec![ResponseEvent::Reasoning(ReasoningPart {
                    text,
                    signature,
                    ..ReasoningPart::default()
                })])
            }
            None if self.skipped => Err(DecodeError::Inconsistent(format!(
                "content block {index} ended, but its start was lost with a skipped event; it may have been a tool call"
            ))),
            Some(Block::Text | Block::Other) | None => Ok(Vec::new()),
        }
    }
}

const THINKING_LOST: &str = "a skipped event damaged the thinking block that must go back with the tool result";

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

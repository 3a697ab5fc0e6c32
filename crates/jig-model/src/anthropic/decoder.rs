//! The Messages API stream decoder, [`MessagesDecoder`].
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

use jig_protocol::{TokenUsage, ToolCall};
use serde::Deserialize;

use crate::wire::{DecodeError, SseDecoder, event_kind, ignore, parse};
use crate::{ReasoningPart, ResponseEvent};

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
    /// The model `message_start` named.
    model: Option<String>,
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
    #[serde(default)]
    model: Option<String>,
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
        let kind = event_kind(name, data)?;
        if self.completed {
            return ignore(&kind, data);
        }
        match kind.as_ref() {
            "message_start" => {
                let event: MessageStart = parse(&kind, data)?;
                if let Some(usage) = event.message.usage {
                    self.add_usage(&usage);
                }
                self.model = event.message.model.filter(|m| !m.is_empty());
                Ok(Vec::new())
            }
            "content_block_start" => self.block_start(parse(&kind, data)?),
            "content_block_delta" => self.block_delta(&kind, parse(&kind, data)?),
            "content_block_stop" => {
                let event: BlockStop = parse(&kind, data)?;
                self.block_stop(event.index)
            }
            "message_delta" => {
                let event: MessageDelta = parse(&kind, data)?;
                if let Some(reason) = event.delta.and_then(|delta| delta.stop_reason) {
                    self.stop_reason = Some(reason);
                }
                if let Some(usage) = event.usage {
                    self.add_usage(&usage);
                }
                Ok(Vec::new())
            }
            "message_stop" => {
                ignore(&kind, data)?;
                if self.skipped {
                    self.check_complete()?;
                }
                self.completed = true;
                let model = self.model.take().map(ResponseEvent::Model);
                Ok(model
                    .into_iter()
                    .chain([ResponseEvent::Completed { usage: self.usage }])
                    .collect())
            }
            "error" => {
                let event: ErrorEvent = parse(&kind, data)?;
                let message = event.error.message.as_deref().unwrap_or("no message");
                Err(DecodeError::Provider(match event.error.kind {
                    Some(kind) => format!("{kind}: {message}"),
                    None => message.to_owned(),
                }))
            }
            // `ping` and event types newer than this decoder.
            _ => ignore(&kind, data),
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

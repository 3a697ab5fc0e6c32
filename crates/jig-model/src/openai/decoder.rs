//! The Responses API stream decoder, [`ResponsesDecoder`].
//!
//! Decoder invariants (see [`crate::wire`]): a tool call is emitted only at
//! its `response.output_item.done`, so a stream cut mid-call never yields a
//! partial [`ToolCall`]. `response.incomplete` (output-token limit, content
//! filter) ends the response like `response.completed`: the reason does not
//! go away on a retry, and the Anthropic decoder treats its `max_tokens` stop
//! the same way. Items that finished before it were emitted; an unfinished
//! function call is dropped. Unknown event types are ignored so that new
//! server events do not break old clients.
//!
//! Consistency after a skipped event (see [`crate::wire`]). Every event names
//! its type on the SSE `event:` line, so a dropped text or reasoning event
//! (`response.output_text.*`, `response.reasoning_summary_*`, content parts)
//! costs at most a piece of streamed text: the reasoning item's `done` event
//! repeats its whole summary. Any other dropped event may have carried a
//! piece of the calls in progress, but a call's `response.output_item.done`
//! (and `function_call_arguments.done`) repeat the whole arguments, so a call
//! is only lost if it has to be rebuilt from pieces. The terminal event then
//! decides: when it lists the response's `output` (as OpenAI's does), every
//! finished call in it must have been emitted; without one, no call may still
//! be waiting for its `done` at `response.completed`. A call built from
//! pieces that a skipped event may have cut, a call missing from what was
//! emitted, or a dropped terminal event (the stream then ends incomplete)
//! makes the response inconsistent, and it is retried.

use std::collections::{BTreeMap, HashMap, HashSet};

use jig_protocol::{TokenUsage, ToolCall};
use serde::Deserialize;
use serde_json::Value;

use crate::wire::{DecodeError, SseDecoder, event_kind, ignore, parse};
use crate::{ReasoningPart, ResponseEvent};

/// Decodes the server-sent events of one Responses API stream.
#[derive(Debug, Default)]
pub struct ResponsesDecoder {
    /// Function and custom tool calls in progress, by item id.
    calls: HashMap<String, PendingCall>,
    /// Reasoning summary parts in progress, by item id and summary index.
    summaries: HashMap<String, BTreeMap<u64, String>>,
    /// Call ids of the calls emitted so far.
    emitted: HashSet<String>,
    /// Whether the transport skipped an event of this response.
    skipped: bool,
    completed: bool,
}

#[derive(Debug, Default)]
struct PendingCall {
    call_id: String,
    name: String,
    arguments: String,
    /// A skipped event may have carried a piece of `arguments`.
    tainted: bool,
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
    /// A custom tool call's raw input.
    #[serde(default)]
    input: Option<String>,
    #[serde(default)]
    summary: Vec<SummaryPart>,
    #[serde(default)]
    encrypted_content: Option<String>,
}

impl OutputItem {
    fn is_call(&self) -> bool {
        matches!(self.kind.as_str(), "function_call" | "custom_tool_call")
    }

    /// A function call's arguments or a custom call's input.
    fn call_text(&mut self) -> Option<String> {
        self.arguments.take().or_else(|| self.input.take())
    }
}

#[derive(Deserialize)]
struct SummaryPart {
    #[serde(default)]
    text: String,
}

/// Argument events of function calls and input events of custom calls.
#[derive(Deserialize)]
struct ArgumentsEvent {
    item_id: String,
    #[serde(default)]
    delta: Option<String>,
    /// The whole text, in a `done` event (`input` for custom calls).
    #[serde(default, alias = "input")]
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
    model: Option<String>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

/// A terminal event read again for its `output`, after a skipped event.
#[derive(Deserialize)]
struct OutputsEnvelope {
    response: Outputs,
}

#[derive(Deserialize)]
struct Outputs {
    /// Every output item. Read field by field, so an odd item cannot make
    /// the whole terminal event undecodable.
    #[serde(default)]
    output: Option<Vec<Value>>,
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
        let kind = event_kind(name, data)?;
        if self.completed {
            return ignore(&kind, data);
        }
        match kind.as_ref() {
            "response.output_text.delta" => {
                let event: TextDeltaEvent = parse(&kind, data)?;
                Ok(vec![ResponseEvent::TextDelta(event.delta)])
            }
            "response.reasoning_summary_text.delta" => {
                let event: SummaryEvent = parse(&kind, data)?;
                let parts = self.summaries.entry(event.item_id).or_default();
                let part = parts.entry(event.summary_index).or_default();
                part.push_str(event.delta.as_deref().unwrap_or_default());
                Ok(Vec::new())
            }
            "response.reasoning_summary_text.done" => {
                let event: SummaryEvent = parse(&kind, data)?;
                if let Some(text) = event.text {
                    let parts = self.summaries.entry(event.item_id).or_default();
                    parts.insert(event.summary_index, text);
                }
                Ok(Vec::new())
            }
            "response.output_item.added" => {
                let event: OutputItemEvent = parse(&kind, data)?;
                let mut item = event.item;
                if item.is_call() {
                    let id = item_key(&item);
                    let arguments = item.call_text().unwrap_or_default();
                    self.calls.insert(
                        id,
                        PendingCall {
                            call_id: item.call_id.unwrap_or_default(),
                            name: item.name.unwrap_or_default(),
                            arguments,
                            tainted: false,
                        },
                    );
                }
                Ok(Vec::new())
            }
            "response.function_call_arguments.delta"
            | "response.function_call_arguments.done"
            | "response.custom_tool_call_input.delta"
            | "response.custom_tool_call_input.done" => {
                let event: ArgumentsEvent = parse(&kind, data)?;
                let call = self.calls.entry(event.item_id).or_default();
                if let Some(delta) = event.delta {
                    call.arguments.push_str(&delta);
                }
                if let Some(arguments) = event.arguments {
                    call.arguments = arguments;
                    call.tainted = false;
                }
                Ok(Vec::new())
            }
            "response.output_item.done" => {
                let event: OutputItemEvent = parse(&kind, data)?;
                if event.item.kind == "reasoning" {
                    return Ok(vec![ResponseEvent::Reasoning(self.finish_reasoning(event.item))]);
                }
                if !event.item.is_call() {
                    return Ok(Vec::new());
                }
                Ok(vec![ResponseEvent::ToolCall(self.finish_call(event.item)?)])
            }
            "response.completed" | "response.incomplete" => {
                let event: ResponseEnvelope = parse(&kind, data)?;
                if self.skipped {
                    // Only now is the whole output worth reading.
                    let outputs: OutputsEnvelope = parse(&kind, data)?;
                    self.check_calls(&kind, outputs.response.output.as_deref())?;
                }
                self.completed = true;
                let model = event.response.model.filter(|m| !m.is_empty()).map(ResponseEvent::Model);
                Ok(model
                    .into_iter()
                    .chain([ResponseEvent::Completed {
                        usage: token_usage(event.response.usage),
                    }])
                    .collect())
            }
            "response.failed" => {
                let event: ResponseEnvelope = parse(&kind, data)?;
                let message = event
                    .response
                    .error
                    .map_or_else(|| "the response failed".to_owned(), |e| e.describe());
                Err(DecodeError::Provider(message))
            }
            "error" => {
                let error: ErrorObject = parse(&kind, data)?;
                Err(DecodeError::Provider(error.describe()))
            }
            _ => ignore(&kind, data),
        }
    }

    fn skipped(&mut self, event: &str) {
        self.skipped = true;
        if !CALL_FREE_EVENTS.iter().any(|prefix| event.starts_with(prefix)) {
            for call in self.calls.values_mut() {
                call.tainted = true;
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

/// Event types (prefixes) that never carry a piece of a tool call.
const CALL_FREE_EVENTS: [&str; 8] = [
    "response.output_text.",
    "response.reasoning_summary_text.",
    "response.reasoning_summary_part.",
    "response.reasoning_text.",
    "response.content_part.",
    "response.refusal.",
    "response.created",
    "response.in_progress",
];

impl ResponsesDecoder {
    /// The finished call for a `function_call` or `custom_tool_call` item:
    /// the `done` item's fields win, the streamed pieces fill in what it
    /// leaves out.
    fn finish_call(&mut self, mut item: OutputItem) -> Result<ToolCall, DecodeError> {
        let pending = self.calls.remove(&item_key(&item)).unwrap_or_default();
        let arguments = item.call_text().filter(|text| !text.is_empty());
        let tainted = pending.tainted && arguments.is_none();
        let call = ToolCall {
            call_id: item.call_id.unwrap_or(pending.call_id),
            name: item.name.unwrap_or(pending.name),
            arguments: arguments.unwrap_or(pending.arguments),
        };
        if call.call_id.is_empty() || call.name.is_empty() {
            return Err(DecodeError::Inconsistent(format!(
                "a {} came without call_id or name",
                item.kind
            )));
        }
        if tainted {
            return Err(DecodeError::Inconsistent(format!(
                "tool call {} ({}) may have lost part of its arguments to a skipped event",
                call.name, call.call_id
            )));
        }
        self.emitted.insert(call.call_id.clone());
        Ok(call)
    }

    /// After a skipped event: every finished call of the response was
    /// emitted (see the module doc).
    fn check_calls(&self, kind: &str, output: Option<&[Value]>) -> Result<(), DecodeError> {
        let lost = match output {
            Some(output) => output.iter().find_map(|item| {
                let field = |name: &str| item.get(name).and_then(Value::as_str);
                let is_call = matches!(field("type"), Some("function_call" | "custom_tool_call"));
                let finished = matches!(field("status"), None | Some("completed"));
                let call_id = field("call_id").unwrap_or_default();
                (is_call && finished && !self.emitted.contains(call_id)).then(|| call_id.to_owned())
            }),
            None if kind == "response.completed" => self.calls.values().next().map(|call| call.call_id.clone()),
            None => None,
        };
        match lost {
            Some(call_id) => Err(DecodeError::Inconsistent(format!(
                "tool call {call_id:?} was lost with a skipped event"
            ))),
            None => Ok(()),
        }
    }

    /// A finished reasoning item: its summary parts joined (from the `done`
    /// item, else as streamed), with the id and encrypted content to send
    /// back.
    fn finish_reasoning(&mut self, item: OutputItem) -> ReasoningPart {
        let streamed = item
            .id
            .as_ref()
            .and_then(|id| self.summaries.remove(id))
            .unwrap_or_default();
        let parts: Vec<String> = if item.summary.is_empty() {
            streamed.into_values().collect()
        } else {
            item.summary.into_iter().map(|part| part.text).collect()
        };
        ReasoningPart {
            text: parts.join("\n\n"),
            id: item.id,
            encrypted_content: item.encrypted_content,
            signature: None,
        }
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

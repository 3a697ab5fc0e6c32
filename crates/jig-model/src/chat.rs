//! The Chat Completions provider (`POST {base}/chat/completions`), spoken by
//! OpenAI and by most local servers (Ollama, llama.cpp, vLLM).
//!
//! Two halves, per [`crate::wire`]: [`chat_body`] maps a [`ModelRequest`] to
//! the request JSON, and [`ChatDecoder`] turns the streamed chunks back into
//! [`ResponseEvent`]s. Text is emitted as it arrives; tool calls arrive in
//! pieces keyed by `index` and are emitted only once the server says the
//! response is finished, so a cut stream never yields a half-built call.
//! Reasoning text (`reasoning_content` or `reasoning`, as local servers name
//! it) is gathered and emitted as one piece at completion; it is not sent
//! back, since Chat Completions has no field for it. A freeform tool is
//! offered as a function with one string parameter, `input`.
//!
//! Images in tool outputs (`view_image`). A `tool` message carries text
//! only, so the images of a run of tool messages follow it as one `user`
//! message: a line naming each call, then `image_url` parts holding base64
//! `data:` URLs — the one image source OpenAI, vLLM and Ollama's
//! OpenAI-compatible endpoint (which takes no remote URLs) all accept.
//!
//! Consistency after a skipped chunk (see [`crate::wire`]). Chunks carry no
//! type and nothing is ever repeated whole, so a dropped chunk may have held
//! anything: text, reasoning, or a piece of any tool call. A chunk dropped
//! after `finish_reason` could only have been the usage chunk (usage may then
//! read zero). One dropped while calls were streaming may have cut any of
//! them, so the response is inconsistent. One dropped before the first call
//! piece may have been a whole call or a call's first piece, so the calls
//! that follow must be whole: numbered from 0 without a gap, each with its
//! name, and a `tool_calls` finish must have a call. Otherwise the response
//! is kept, with a piece of its text or reasoning possibly missing.

use std::collections::BTreeMap;

use jig_protocol::{Item, Role, TokenUsage, ToolCall, ToolOutput};
use serde_json::{Value, json};

use crate::client::{HttpClient, WireFormat, bearer, join_url};
use crate::http::{Endpoint, RetryPolicy};
use crate::wire::{DecodeError, SseDecoder, function_parameters};
use crate::{ModelError, ModelRequest, ReasoningPart, ResponseEvent};

/// The Chat Completions wire format, for [`HttpClient`].
#[derive(Debug, Clone, Copy)]
pub struct Chat;

impl WireFormat for Chat {
    /// The model name.
    type Options = String;

    fn body(request: &ModelRequest, model: &String) -> Value {
        chat_body(request, model)
    }

    fn decoder() -> Box<dyn SseDecoder> {
        Box::new(ChatDecoder::default())
    }
}

/// A Chat Completions client.
pub type ChatClient = HttpClient<Chat>;

impl HttpClient<Chat> {
    /// A client for `model` at `base_url` (e.g. `https://api.openai.com/v1`
    /// or `http://127.0.0.1:11434/v1`), POSTing to `{base_url}/chat/completions`.
    /// The `Authorization` header is sent only when `api_key` is given: local
    /// servers need none. Errors name the provider `chat` until
    /// [`HttpClient::with_provider`] says otherwise. Fails only when the HTTP
    /// client cannot be built (TLS set-up).
    pub fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        api_key: Option<String>,
        policy: RetryPolicy,
    ) -> Result<Self, ModelError> {
        let model = model.into();
        let endpoint = Endpoint {
            provider: "chat".into(),
            url: join_url(&base_url.into(), "chat/completions"),
            headers: bearer(api_key),
        };
        HttpClient::with_endpoint(format!("chat:{model}"), endpoint, model, policy)
    }
}

/// The request body for `request`: instructions as the system message, then
/// the conversation, with an assistant's text and the tool calls that follow
/// it joined into one assistant message.
pub fn chat_body(request: &ModelRequest, model: &str) -> Value {
    let mut body = json!({
        "model": model,
        "messages": messages(request),
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": function_parameters(tool),
                    },
                })
            })
            .collect();
        body["tools"] = Value::Array(tools);
        body["tool_choice"] = json!("auto");
    }
    if let Some(output) = request.output_schema {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {"name": output.name, "schema": output.schema, "strict": true}
        });
    }
    body
}

fn messages(request: &ModelRequest) -> Vec<Value> {
    let mut messages = Vec::new();
    if !request.instructions.is_empty() {
        messages.push(json!({"role": "system", "content": request.instructions}));
    }
    // The assistant message being built: its text and its tool calls.
    let mut pending: Option<(Option<String>, Vec<Value>)> = None;
    let flush = |pending: &mut Option<(Option<String>, Vec<Value>)>, messages: &mut Vec<Value>| {
        if let Some((content, calls)) = pending.take() {
            let mut message = json!({"role": "assistant", "content": content});
            if !calls.is_empty() {
                message["tool_calls"] = Value::Array(calls);
            }
            messages.push(message);
        }
    };
    // Images of the tool messages just written: a tool message takes only
    // text, so they follow the run of tool messages as one user message.
    let mut images: Vec<Value> = Vec::new();
    for item in request.items {
        if !matches!(item, Item::ToolOutput(_)) && !images.is_empty() {
            messages.push(json!({"role": "user", "content": std::mem::take(&mut images)}));
        }
        match item {
            Item::Message {
                role: Role::Assistant,
                text,
            } => {
                flush(&mut pending, &mut messages);
                pending = Some((Some(text.clone()), Vec::new()));
            }
            Item::Message { role, text } => {
                flush(&mut pending, &mut messages);
                let role = match role {
                    Role::System => "system",
                    Role::User | Role::Assistant => "user",
                };
                messages.push(json!({"role": role, "content": text}));
            }
            Item::Compaction { summary, .. } => {
                flush(&mut pending, &mut messages);
                messages.push(json!({"role": "user", "content": Item::compaction_text(summary)}));
            }
            Item::Reasoning { .. } => {}
            Item::ToolCall(call) => {
                let calls = &mut pending.get_or_insert_with(|| (None, Vec::new())).1;
                calls.push(json!({
                    "id": call.call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }));
            }
            Item::ToolOutput(output) => {
                flush(&mut pending, &mut messages);
                messages.push(json!({
                    "role": "tool",
                    "tool_call_id": output.call_id,
                    "content": output.output,
                }));
                images.extend(image_parts(output));
            }
        }
    }
    flush(&mut pending, &mut messages);
    if !images.is_empty() {
        messages.push(json!({"role": "user", "content": images}));
    }
    messages
}

/// The user-message content parts that carry a tool output's images: a
/// line naming the call, then each image as a base64 `data:` URL.
fn image_parts(output: &ToolOutput) -> Vec<Value> {
    if output.images.is_empty() {
        return Vec::new();
    }
    let mut parts = vec![json!({
        "type": "text",
        "text": format!("Image attached by tool call {}:", output.call_id),
    })];
    parts.extend(
        output
            .images
            .iter()
            .map(|image| json!({"type": "image_url", "image_url": {"url": image.data_url()}})),
    );
    parts
}

/// Decodes a streamed Chat Completions response.
#[derive(Debug, Default)]
pub struct ChatDecoder {
    /// Tool calls being assembled, by their `index`.
    calls: BTreeMap<u64, PartialCall>,
    /// Reasoning text so far; emitted whole, as one item, at completion.
    reasoning: String,
    /// The choice's `finish_reason`, once a chunk gave one.
    finish_reason: Option<String>,
    usage: TokenUsage,
    /// A chunk was skipped before any tool-call piece arrived.
    skipped_before_calls: bool,
    /// A chunk was skipped while tool calls were streaming.
    calls_damaged: bool,
    /// The model the chunks name.
    model: Option<String>,
    completed: bool,
}

#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

impl SseDecoder for ChatDecoder {
    fn event(&mut self, _name: &str, data: &str) -> Result<Vec<ResponseEvent>, DecodeError> {
        if self.completed {
            return Ok(Vec::new());
        }
        let data = data.trim();
        if data == "[DONE]" {
            return self.complete();
        }
        let chunk: Value = serde_json::from_str(data).map_err(|err| malformed(err.to_string()))?;
        if let Some(error) = chunk.get("error") {
            let message = error.get("message").and_then(Value::as_str).map(str::to_string);
            return Err(DecodeError::Provider(message.unwrap_or_else(|| error.to_string())));
        }
        let choice = chunk.pointer("/choices/0");
        let delta = choice.and_then(|choice| choice.get("delta"));
        let pieces = call_pieces(delta)?;
        // Nothing below fails: a malformed chunk leaves the decoder as it was.
        if let Some(usage) = chunk.get("usage").filter(|usage| usage.is_object()) {
            self.usage = parse_usage(usage);
        }
        if let Some(model) = chunk.get("model").and_then(Value::as_str)
            && !model.is_empty()
            && self.model.as_deref() != Some(model)
        {
            self.model = Some(model.to_owned());
        }
        let mut events = Vec::new();
        if let Some(delta) = delta {
            for key in ["reasoning_content", "reasoning"] {
                if let Some(text) = delta.get(key).and_then(Value::as_str) {
                    self.reasoning.push_str(text);
                }
            }
            if let Some(text) = delta.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                events.push(ResponseEvent::TextDelta(text.to_string()));
            }
        }
        for (index, piece) in pieces {
            self.add_call_piece(index, piece);
        }
        if let Some(reason) = choice
            .and_then(|choice| choice.get("finish_reason"))
            .filter(|reason| !reason.is_null())
        {
            self.finish_reason = Some(reason.as_str().unwrap_or("unknown").to_owned());
        }
        Ok(events)
    }

    fn skipped(&mut self, _event: &str) {
        if self.finish_reason.is_some() {
            return;
        }
        if self.calls.is_empty() {
            self.skipped_before_calls = true;
        } else {
            self.calls_damaged = true;
        }
    }

    fn finish(&mut self) -> Result<Vec<ResponseEvent>, DecodeError> {
        if self.completed {
            return Ok(Vec::new());
        }
        // Some servers end the stream without `[DONE]`; a finish_reason is
        // enough to know every tool call is whole.
        if self.finish_reason.is_some() {
            return self.complete();
        }
        Err(DecodeError::Incomplete)
    }
}

/// The tool-call pieces of a chunk's `delta`, each with its call's index.
fn call_pieces(delta: Option<&Value>) -> Result<Vec<(u64, &Value)>, DecodeError> {
    let Some(calls) = delta
        .and_then(|delta| delta.get("tool_calls"))
        .and_then(Value::as_array)
    else {
        return Ok(Vec::new());
    };
    let mut pieces = Vec::with_capacity(calls.len());
    for (position, piece) in calls.iter().enumerate() {
        // Servers that send one whole call per chunk sometimes omit `index`.
        let index = match piece.get("index") {
            Some(index) => index
                .as_u64()
                .ok_or_else(|| malformed(format!("tool call index {index} is not a number")))?,
            None => position as u64,
        };
        pieces.push((index, piece));
    }
    Ok(pieces)
}

impl ChatDecoder {
    fn add_call_piece(&mut self, index: u64, piece: &Value) {
        let call = self.calls.entry(index).or_default();
        if let Some(id) = piece.get("id").and_then(Value::as_str) {
            call.id = id.to_string();
        }
        let function = piece.get("function");
        let text = |key: &str| function.and_then(|f| f.get(key)).and_then(Value::as_str);
        if let Some(name) = text("name") {
            call.name.push_str(name);
        }
        if let Some(arguments) = text("arguments") {
            call.arguments.push_str(arguments);
        }
    }

    /// After a skipped chunk: no tool call can have been cut or lost (see
    /// the module doc).
    fn check_calls(&self) -> Result<(), DecodeError> {
        let lost = |what: &str| Err(DecodeError::Inconsistent(format!("{what} with a skipped chunk")));
        if self.calls_damaged {
            return lost("a piece of a tool call may have been lost");
        }
        if !self.skipped_before_calls {
            return Ok(());
        }
        let whole = self
            .calls
            .iter()
            .enumerate()
            .all(|(expected, (index, call))| *index == expected as u64 && !call.name.is_empty());
        if !whole {
            return lost("the start of a tool call was lost");
        }
        if self.calls.is_empty() && self.finish_reason.as_deref() == Some("tool_calls") {
            return lost("the model finished to call tools, but the calls were lost");
        }
        Ok(())
    }

    fn complete(&mut self) -> Result<Vec<ResponseEvent>, DecodeError> {
        self.check_calls()?;
        self.completed = true;
        let mut events = Vec::new();
        if !self.reasoning.is_empty() {
            let text = std::mem::take(&mut self.reasoning);
            events.push(ResponseEvent::Reasoning(ReasoningPart::text(text)));
        }
        let calls = std::mem::take(&mut self.calls).into_iter().map(|(index, call)| {
            ResponseEvent::ToolCall(ToolCall {
                call_id: if call.id.is_empty() {
                    format!("call_{index}")
                } else {
                    call.id
                },
                name: call.name,
                arguments: call.arguments,
            })
        });
        events.extend(calls);
        events.extend(self.model.take().map(ResponseEvent::Model));
        events.push(ResponseEvent::Completed { usage: self.usage });
        Ok(events)
    }
}

fn parse_usage(usage: &Value) -> TokenUsage {
    let number = |pointer: &str| usage.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
    TokenUsage {
        input_tokens: number("/prompt_tokens"),
        cached_input_tokens: number("/prompt_tokens_details/cached_tokens"),
        output_tokens: number("/completion_tokens"),
    }
}

fn malformed(reason: String) -> DecodeError {
    DecodeError::Malformed {
        event: "chat.completion.chunk".into(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&str]) -> Result<Vec<ResponseEvent>, DecodeError> {
        let mut decoder = ChatDecoder::default();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(decoder.event("", chunk)?);
        }
        events.extend(decoder.finish()?);
        Ok(events)
    }

    #[test]
    fn call_without_id_gets_a_stable_one() {
        let events = decode(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"name":"ls","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]);
        let call = ToolCall {
            call_id: "call_0".into(),
            name: "ls".into(),
            arguments: "{}".into(),
        };
        let usage = TokenUsage::default();
        assert_eq!(
            events,
            Ok(vec![ResponseEvent::ToolCall(call), ResponseEvent::Completed { usage }])
        );
    }

    #[test]
    fn reasoning_pieces_become_one_part_at_completion() {
        let events = decode(&[
            r#"{"choices":[{"delta":{"reasoning_content":"Think"}}]}"#,
            r#"{"choices":[{"delta":{"reasoning_content":"ing."}}]}"#,
            r#"{"choices":[{"delta":{"content":"Done."},"finish_reason":"stop"}]}"#,
        ]);
        let usage = TokenUsage::default();
        assert_eq!(
            events,
            Ok(vec![
                ResponseEvent::TextDelta("Done.".into()),
                ResponseEvent::Reasoning(ReasoningPart::text("Thinking.")),
                ResponseEvent::Completed { usage },
            ])
        );
    }

    #[test]
    fn stream_without_finish_is_incomplete() {
        let partial = r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"ls"}}]}}]}"#;
        assert_eq!(decode(&[partial]), Err(DecodeError::Incomplete));
    }

    #[test]
    fn in_stream_error_is_reported() {
        let error = r#"{"error":{"message":"context too long"}}"#;
        assert_eq!(decode(&[error]), Err(DecodeError::Provider("context too long".into())));
    }
}

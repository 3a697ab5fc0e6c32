//! The scripted provider: a deterministic model that answers each request
//! with the next response of a script (TOML or JSON file, or built in code).
//! Tests, demos and evals run on it, so it ships in the library.
//!
//! Invariant: the provider holds no state. Its position in the script is
//! [`responses_so_far`] of the request's items, so the same request always
//! gets the same response and a resumed session continues the script exactly
//! where it stopped. A script that runs out, or whose [`Expect`] guard does
//! not hold, fails the request with a typed error that says which response
//! and why; it must never improvise an answer.

mod guard;
mod script;

use std::path::Path;

use futures::StreamExt;
use jig_protocol::{Item, TokenUsage, ToolCall};

pub use script::{Expect, ScriptFormat, ScriptedResponse, ScriptedToolCall};

use crate::{ModelClient, ModelError, ModelRequest, ReasoningPart, ResponseEvent, ResponseStream, responses_so_far};

/// A model that plays back a script, one response per request.
#[derive(Debug, Clone)]
pub struct ScriptedModel {
    name: String,
    spec: String,
    responses: Vec<ScriptedResponse>,
}

impl ScriptedModel {
    /// Loads a script file: JSON if the extension is `.json`, TOML otherwise.
    ///
    /// Fails with [`ModelError::Load`] when the file cannot be read, does not
    /// parse (the reason carries the parser's line and column), has no
    /// responses, or has a tool call whose arguments are neither an object
    /// nor a string.
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        let responses = script::load(path)?;
        Ok(Self::new(path.display().to_string(), responses))
    }

    /// Parses a script held in memory; `name` stands for it in errors and in
    /// [`ModelClient::spec`]. Validates like [`ScriptedModel::from_file`].
    pub fn parse(name: impl Into<String>, text: &str, format: ScriptFormat) -> Result<Self, ModelError> {
        let name = name.into();
        let responses = script::parse(&name, text, format)?;
        Ok(Self::new(name, responses))
    }

    /// A script built in code. It is not validated: arguments that are
    /// neither an object nor a string are sent as their JSON text, and an
    /// empty script fails its first request with [`ModelError::Exhausted`].
    pub fn new(name: impl Into<String>, responses: Vec<ScriptedResponse>) -> Self {
        let name = name.into();
        let spec = format!("scripted:{name}");
        Self { name, spec, responses }
    }

    /// The script's name (its path when loaded from a file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The script's responses, in order.
    pub fn responses(&self) -> &[ScriptedResponse] {
        &self.responses
    }

    /// The events answering `items`, or why the script cannot answer them.
    /// This is [`ModelClient::stream`] without the stream.
    pub fn respond(&self, items: &[Item]) -> Result<Vec<ResponseEvent>, ModelError> {
        let position = responses_so_far(items);
        let number = position + 1;
        let Some(response) = self.responses.get(position) else {
            return Err(ModelError::Exhausted(format!(
                "model script {} has no response #{number} (it has {}); add a response or \
                 check why the session needed another step",
                self.name,
                self.responses.len()
            )));
        };
        if let Some(expect) = &response.expect {
            guard::check(&self.name, number, expect, items)?;
        }
        Ok(events(response, number, items))
    }
}

#[async_trait::async_trait]
impl ModelClient for ScriptedModel {
    fn spec(&self) -> &str {
        &self.spec
    }

    async fn stream(&self, request: &ModelRequest<'_>) -> Result<ResponseStream, ModelError> {
        let events = self.respond(request.items)?;
        Ok(futures::stream::iter(events.into_iter().map(Ok)).boxed())
    }
}

/// The events of response `number` (1-based): reasoning, text deltas, tool
/// calls, then completion.
fn events(response: &ScriptedResponse, number: usize, items: &[Item]) -> Vec<ResponseEvent> {
    let mut events = Vec::new();
    let mut output_chars = 0;
    if let Some(reasoning) = &response.reasoning {
        output_chars += reasoning.chars().count();
        events.push(ResponseEvent::Reasoning(ReasoningPart::text(reasoning.clone())));
    }
    if let Some(text) = &response.text {
        output_chars += text.chars().count();
        events.extend(text_deltas(text).into_iter().map(ResponseEvent::TextDelta));
    }
    for (index, call) in response.tool_calls.iter().enumerate() {
        let arguments = call.arguments_text();
        output_chars += call.name.chars().count() + arguments.chars().count();
        let call_id = call.id.clone().unwrap_or_else(|| format!("call_{number}_{index}"));
        events.push(ResponseEvent::ToolCall(ToolCall {
            call_id,
            name: call.name.clone(),
            arguments,
        }));
    }
    let usage = response.usage.unwrap_or_else(|| TokenUsage {
        input_tokens: tokens(items.iter().map(item_chars).sum()),
        cached_input_tokens: 0,
        output_tokens: tokens(output_chars),
    });
    events.push(ResponseEvent::Completed { usage });
    events
}

/// Number of chunks [`text_deltas`] aims for.
const DELTA_CHUNKS: usize = 3;

/// Splits `text` into up to three deltas at word boundaries, so consumers see
/// real streaming. The deltas concatenate to exactly `text`; empty text gives
/// no deltas.
pub(crate) fn text_deltas(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
    let per_chunk = words.len().div_ceil(DELTA_CHUNKS).max(1);
    words.chunks(per_chunk).map(|chunk| chunk.concat()).collect()
}

/// The deterministic token estimate: a token per four characters, rounded up.
fn tokens(chars: usize) -> u64 {
    u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX)
}

fn item_chars(item: &Item) -> usize {
    match item {
        Item::Message { text, .. } | Item::Reasoning { text, .. } => text.chars().count(),
        Item::ToolCall(call) => call.name.chars().count() + call.arguments.chars().count(),
        Item::ToolOutput(output) => output.output.chars().count(),
        Item::Compaction { summary, .. } => summary.chars().count(),
    }
}

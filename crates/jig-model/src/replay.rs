//! The replay provider: re-serves the model responses recorded in a
//! session's `rollout.jsonl`, so a session can be re-run without a model.
//!
//! Invariant: like the scripted provider it holds no state; response number
//! [`responses_so_far`] of the request is served, with its recorded items,
//! call ids and usage unchanged. A torn last line (a crash mid-append) is
//! skipped; any other damage is a load error naming the line, because
//! replaying a rollout with a hole in it would serve the wrong responses.
//! It must not invent responses past the end of the recording.

use std::path::Path;

use futures::StreamExt;
use jig_protocol::{Item, Role, RolloutRecord, TokenUsage};

use crate::scripted::text_deltas;
use crate::{ModelClient, ModelError, ModelRequest, ReasoningPart, ResponseEvent, ResponseStream, responses_so_far};

/// A model that re-serves the responses of a recorded session.
#[derive(Debug, Clone)]
pub struct ReplayModel {
    path: String,
    spec: String,
    responses: Vec<Recorded>,
}

/// One recorded model response.
#[derive(Debug, Clone)]
struct Recorded {
    items: Vec<Item>,
    usage: TokenUsage,
}

impl ReplayModel {
    /// Reads the `Response` records of a `rollout.jsonl`, in order.
    ///
    /// Fails with [`ModelError::Load`] when the file cannot be read, when a
    /// line other than the last is not a rollout record, or when the rollout
    /// holds no model response.
    pub fn from_rollout(path: &Path) -> Result<Self, ModelError> {
        let shown = path.display().to_string();
        let load = |reason: String| ModelError::Load {
            path: shown.clone(),
            reason,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|err| load(format!("cannot read the rollout: {err}; check the path")))?;
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| (index + 1, line))
            .collect();
        let mut responses = Vec::new();
        for (position, (number, line)) in lines.iter().enumerate() {
            let record = match serde_json::from_str::<RolloutRecord>(line) {
                Ok(record) => record,
                // A crash while appending leaves at most the last line torn.
                Err(_) if position + 1 == lines.len() => break,
                Err(err) => {
                    return Err(load(format!(
                        "line {number}{}; the rollout is damaged before its last line, so it \
                         cannot be replayed",
                        describe(&err)
                    )));
                }
            };
            if let RolloutRecord::Response { items, usage } = record {
                responses.push(Recorded { items, usage });
            }
        }
        if responses.is_empty() {
            return Err(load(
                "the rollout records no model response; replay a session that made at least \
                 one model request"
                    .to_string(),
            ));
        }
        Ok(Self {
            spec: format!("replay:{shown}"),
            path: shown,
            responses,
        })
    }

    /// Number of recorded responses.
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// Whether no response is recorded (never true for a loaded replay).
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    /// The events answering `items`, or why the recording cannot answer them.
    /// This is [`ModelClient::stream`] without the stream.
    pub fn respond(&self, items: &[Item]) -> Result<Vec<ResponseEvent>, ModelError> {
        let position = responses_so_far(items);
        let Some(recorded) = self.responses.get(position) else {
            return Err(ModelError::Exhausted(format!(
                "replay of {} has no response #{} (the rollout recorded {}); the session \
                 needed more model requests than were recorded, so it diverged from the \
                 recording",
                self.path,
                position + 1,
                self.responses.len()
            )));
        };
        let mut events = Vec::new();
        for item in &recorded.items {
            match item {
                Item::Message {
                    role: Role::Assistant,
                    text,
                } => {
                    events.extend(text_deltas(text).into_iter().map(ResponseEvent::TextDelta));
                }
                Item::Reasoning {
                    text,
                    id,
                    encrypted_content,
                    signature,
                } => events.push(ResponseEvent::Reasoning(ReasoningPart {
                    text: text.clone(),
                    id: id.clone(),
                    encrypted_content: encrypted_content.clone(),
                    signature: signature.clone(),
                })),
                Item::ToolCall(call) => events.push(ResponseEvent::ToolCall(call.clone())),
                // A model response holds only model items; anything else was
                // never streamed by the model, so it is not re-served.
                Item::Message {
                    role: Role::User | Role::System,
                    ..
                }
                | Item::ToolOutput(_)
                | Item::Compaction { .. } => {}
            }
        }
        events.push(ResponseEvent::Completed { usage: recorded.usage });
        Ok(events)
    }
}

#[async_trait::async_trait]
impl ModelClient for ReplayModel {
    fn spec(&self) -> &str {
        &self.spec
    }

    async fn stream(&self, request: &ModelRequest<'_>) -> Result<ResponseStream, ModelError> {
        let events = self.respond(request.items)?;
        Ok(futures::stream::iter(events.into_iter().map(Ok)).boxed())
    }
}

/// `, column C: <what>` for a JSON error on a single line, without serde's
/// own (always 1) line number.
fn describe(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let what = full.strip_suffix(&suffix).unwrap_or(&full);
    format!(", column {}: not a rollout record: {what}", err.column())
}

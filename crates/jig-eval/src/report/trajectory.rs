//! A sample's trajectory as the report shows it: every line of every step's
//! `rollout.jsonl`, numbered as trait evidence and the judge number them
//! (the 0-based line index), reduced to what a person reads — messages,
//! reasoning, tool calls with their arguments (an `apply_patch` call's
//! patch pulled out as a diff), tool outputs, compactions, and events as a
//! type and a short detail.
//!
//! Invariants: a record keeps its line number even when the line is not a
//! record this jig reads (it becomes [`RecordBody::Unreadable`]), so links
//! from evidence never point at the wrong line; every text from the rollout
//! is cut head and tail to a bound ([`cut`]), so one huge tool output cannot
//! make the report unreadable. Nothing here escapes anything: the rollout is
//! untrusted and the HTML layer ([`super::html`]) embeds it as inert JSON,
//! which the page only ever renders as text.

use std::path::Path;

use jig_protocol::{Event, Item, Role, RolloutRecord, ToolStatus};
use serde::Serialize;

/// The longest tool output, argument or message text kept whole, in bytes.
pub const MAX_TEXT: usize = 6_000;
/// The longest workspace diff or patch kept whole, in bytes.
pub const MAX_DIFF: usize = 30_000;
/// The longest system prompt kept, in bytes (it is the same in every
/// sample, so the report keeps only its start).
const MAX_INSTRUCTIONS: usize = 1_500;
/// The longest event detail, in bytes.
const MAX_DETAIL: usize = 400;

/// One step's session (a single-step sample has one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Its records, in rollout order.
    pub records: Vec<RecordView>,
    /// Why the rollout could not be read, when it could not.
    pub unreadable: Option<String>,
}

/// One rollout line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordView {
    /// Its 0-based line number in `rollout.jsonl`.
    pub n: usize,
    /// What it holds.
    #[serde(flatten)]
    pub body: RecordBody,
}

/// What a rollout line holds, as the viewer shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    /// The session's first line.
    Meta {
        /// The model spec.
        model: String,
        /// The tool dialect.
        dialect: Option<String>,
        /// The start of the system prompt.
        instructions: String,
    },
    /// A model response.
    Response {
        /// Its items.
        items: Vec<ItemView>,
        /// Its output tokens.
        output_tokens: u64,
    },
    /// An item the harness added (a user message, a tool output).
    Item {
        /// The item.
        item: ItemView,
    },
    /// Compaction replaced the conversation.
    Compaction {
        /// The compaction's number in the session.
        id: u64,
        /// Items dropped.
        dropped: u64,
    },
    /// An event front-ends saw.
    Event {
        /// Its type (`turn_completed`, `plan_updated`, …).
        event: String,
        /// A short detail, or `None` for an event that repeats an item
        /// shown elsewhere (a tool call's begin and end, token counts).
        detail: Option<String>,
    },
    /// A line this jig cannot read as a record.
    Unreadable {
        /// Its start.
        line: String,
    },
}

/// A conversation item, as the viewer shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemView {
    /// A message.
    Message {
        /// `user`, `assistant` or `system`.
        role: Role,
        /// The text, cut.
        text: String,
    },
    /// Model reasoning.
    Reasoning {
        /// Its readable text, cut.
        text: String,
    },
    /// A tool call.
    ToolCall {
        /// Pairs it with its output.
        call_id: String,
        /// The tool.
        name: String,
        /// The raw arguments, cut; `None` when they were only a patch.
        arguments: Option<String>,
        /// An `apply_patch` call's patch text, cut.
        patch: Option<String>,
    },
    /// A tool's output.
    ToolOutput {
        /// The call it answers.
        call_id: String,
        /// How it ended.
        status: ToolStatus,
        /// The text the model saw, cut.
        output: String,
    },
    /// A compaction summary.
    Compaction {
        /// The summary, cut.
        summary: String,
    },
}

/// The steps of a sample whose first rollout is `rollout`: every session
/// beside it (one per step, in id order, which is creation order).
pub fn read_steps(rollout: &Path) -> Vec<Step> {
    crate::runner::sample_rollouts(rollout)
        .iter()
        .map(|path| read_step(path))
        .collect()
}

/// One session's records.
pub fn read_step(path: &Path) -> Step {
    match std::fs::read_to_string(path) {
        Ok(text) => Step {
            records: text.lines().enumerate().map(|(n, line)| view(n, line)).collect(),
            unreadable: None,
        },
        Err(error) => Step {
            records: Vec::new(),
            unreadable: Some(format!("cannot read {}: {error}", path.display())),
        },
    }
}

fn view(n: usize, line: &str) -> RecordView {
    let body = match serde_json::from_str::<RolloutRecord>(line) {
        Ok(RolloutRecord::SessionMeta(meta)) => RecordBody::Meta {
            model: meta.model,
            dialect: meta.dialect,
            instructions: cut(&meta.instructions, MAX_INSTRUCTIONS),
        },
        Ok(RolloutRecord::Item { item }) => RecordBody::Item { item: item_view(item) },
        Ok(RolloutRecord::Response { items, usage }) => RecordBody::Response {
            items: items.into_iter().map(item_view).collect(),
            output_tokens: usage.output_tokens,
        },
        Ok(RolloutRecord::Compaction { id, dropped, .. }) => RecordBody::Compaction { id, dropped },
        Ok(RolloutRecord::Event { event }) => event_view(&event),
        Ok(RolloutRecord::Checkpoint(checkpoint)) => RecordBody::Event {
            event: "checkpoint".into(),
            detail: Some(format!(
                "{} {}: {} file(s)",
                serde_json::to_value(checkpoint.phase)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("?"),
                checkpoint.call_id,
                checkpoint.files.len()
            )),
        },
        Ok(RolloutRecord::Undo(undo)) => RecordBody::Event {
            event: "undo".into(),
            detail: Some(format!("undid {}", undo.undone.join(", "))),
        },
        Err(_) => RecordBody::Unreadable {
            line: cut(line, MAX_DETAIL),
        },
    };
    RecordView { n, body }
}

fn item_view(item: Item) -> ItemView {
    match item {
        Item::Message { role, text } => ItemView::Message {
            role,
            text: cut(&text, MAX_TEXT),
        },
        Item::Reasoning { text, .. } => ItemView::Reasoning {
            text: cut(&text, MAX_TEXT),
        },
        Item::ToolCall(call) => {
            let patch = patch_of(&call.name, &call.arguments);
            ItemView::ToolCall {
                arguments: patch.is_none().then(|| cut(&call.arguments, MAX_TEXT)),
                patch: patch.map(|patch| cut(&patch, MAX_DIFF)),
                call_id: call.call_id,
                name: call.name,
            }
        }
        Item::ToolOutput(output) => ItemView::ToolOutput {
            call_id: output.call_id,
            status: output.status,
            output: cut(&output.output, MAX_TEXT),
        },
        Item::Compaction { summary, .. } => ItemView::Compaction {
            summary: cut(&summary, MAX_TEXT),
        },
    }
}

/// An `apply_patch` call's patch: the JSON `input` (or `patch`) string, or
/// the freeform text itself.
fn patch_of(name: &str, arguments: &str) -> Option<String> {
    if name != "apply_patch" {
        return None;
    }
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(arguments) {
        return ["input", "patch"]
            .iter()
            .find_map(|key| fields.get(*key)?.as_str().map(str::to_owned));
    }
    arguments
        .trim_start()
        .starts_with("*** Begin Patch")
        .then(|| arguments.to_owned())
}

fn event_view(event: &Event) -> RecordBody {
    let value = serde_json::to_value(event).unwrap_or_default();
    let kind = value["type"].as_str().unwrap_or("event").to_owned();
    let detail = match event {
        // These repeat the session meta, response and tool-output records
        // beside them.
        Event::SessionStarted { .. }
        | Event::AgentMessageDelta { .. }
        | Event::AgentMessage { .. }
        | Event::ToolCallBegin { .. }
        | Event::ToolCallEnd { .. }
        | Event::TokenUsage { .. }
        | Event::TurnStarted { .. } => None,
        _ => {
            let mut fields = value;
            if let Some(object) = fields.as_object_mut() {
                object.remove("type");
            }
            Some(cut(&fields.to_string(), MAX_DETAIL))
        }
    };
    RecordBody::Event { event: kind, detail }
}

/// `text` whole when it is at most `max` bytes; otherwise its head and tail
/// (two thirds and one third of `max`, on character boundaries) with a line
/// in between saying how much was left out.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let head = floor_boundary(text, max * 2 / 3);
    let tail = ceil_boundary(text, text.len() - max / 3);
    format!("{}\n… [{} bytes cut] …\n{}", &text[..head], tail - head, &text[tail..])
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_head_and_tail_on_char_boundaries() {
        let text = "é".repeat(100);
        let short = cut(&text, 50);
        assert!(short.starts_with('é') && short.ends_with('é'), "{short}");
        assert!(short.contains("bytes cut"), "{short}");
        assert_eq!(cut("short", 50), "short");
    }

    #[test]
    fn patches_come_out_of_apply_patch_calls() {
        let json = r#"{"input":"*** Begin Patch\n*** End Patch"}"#;
        assert_eq!(
            patch_of("apply_patch", json).as_deref(),
            Some("*** Begin Patch\n*** End Patch")
        );
        assert_eq!(
            patch_of("apply_patch", "*** Begin Patch\n").as_deref(),
            Some("*** Begin Patch\n")
        );
        assert_eq!(patch_of("shell", json), None);
    }
}

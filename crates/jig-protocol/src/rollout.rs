//! The records a session's `rollout.jsonl` is made of, one JSON object per line.
//!
//! The rollout is the session's single source of truth: resume, replay and
//! every report are rebuilt from it alone. A model response is one
//! [`RolloutRecord::Response`] line, so a crash can never leave half a
//! response behind; the harness's own items (user messages, tool outputs)
//! and the events front-ends saw are separate lines, each appended as soon
//! as it exists and made durable (one `fdatasync` for all lines since the
//! last) before the session acts on it. [`SessionMeta::format`] names the
//! line format; a reader refuses a format it does not know.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::event::{Event, TokenUsage};
use crate::item::Item;

/// Version of the rollout line format, stored in [`SessionMeta::format`].
pub const ROLLOUT_FORMAT_VERSION: u32 = 1;

/// One line of `rollout.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RolloutRecord {
    /// First line: what the session is.
    SessionMeta(SessionMeta),
    /// An item the harness added to the conversation (user message, tool output).
    Item {
        /// The item.
        item: Item,
    },
    /// One whole model response: its items in order, and its token usage.
    Response {
        /// Items the model produced (messages, reasoning, tool calls).
        items: Vec<Item>,
        /// Usage reported for this response.
        usage: TokenUsage,
    },
    /// Compaction replaced the conversation: from here on it is
    /// `replacement` (kept user messages, the summary, the recent items).
    /// Everything before stays in the rollout; `ledger` says what it touched.
    Compaction {
        /// 1-based number of this compaction in the session.
        id: u64,
        /// The conversation after compaction.
        replacement: Vec<Item>,
        /// What the dropped items touched.
        ledger: Vec<crate::LedgerEntry>,
        /// How many items were dropped.
        dropped: u64,
    },
    /// An event as front-ends saw it (streaming deltas are not recorded).
    Event {
        /// The event.
        event: Event,
    },
    /// The files a mutating tool call may touch, before or after it ran.
    Checkpoint(crate::Checkpoint),
    /// `jig undo` restored files to a checkpoint.
    Undo(crate::Undo),
}

/// Identity and settings of a session, written as the first rollout line
/// and mirrored in `meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionMeta {
    /// Session id.
    pub session_id: String,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Workspace directory.
    pub cwd: String,
    /// Model spec, e.g. `scripted:fix.toml`.
    pub model: String,
    /// The system instructions the model was given.
    pub instructions: String,
    /// The tool dialect the session offers (`generic`, `codex`, …); resume
    /// keeps it so the tools never change under a conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// The session that started this one (a sub-agent's parent), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_session_id: Option<String>,
    /// Version of jig that created the session.
    pub jig_version: String,
    /// Rollout format version ([`ROLLOUT_FORMAT_VERSION`]).
    pub format: u32,
}

//! What compaction removes from the context, and what it remembers of it.
//!
//! When older items are replaced by a summary, the ledger keeps what they
//! touched — files read and written, commands and their exit codes, errors,
//! URLs — so the `recall` tool can find and return the originals, which stay
//! in the rollout. Nothing is lost; it is only out of the model's view.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One thing a dropped item touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LedgerEntry {
    /// What kind of thing.
    pub kind: LedgerKind,
    /// The path, command, error text or URL.
    pub value: String,
    /// Extra detail: a command's exit code, an error's tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The tool call it came from, to find the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
}

/// Kinds of ledger entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// A file that was read.
    Read,
    /// A file that was written (patched, edited, created, deleted).
    Write,
    /// A command that ran.
    Command,
    /// An error a tool reported.
    Error,
    /// A URL that appeared.
    Url,
}

/// Why a compaction ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompactionReason {
    /// The context passed the configured threshold.
    Auto,
    /// A person asked (`Op::Compact`).
    Manual,
}

/// The session's persistent objective, kept outside the compacted history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Goal {
    /// What the session is for.
    pub objective: String,
    /// Tokens the goal may use, if capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_budget: Option<u64>,
    /// Tokens used since the goal was set.
    #[serde(default)]
    pub tokens_used: u64,
    /// Where it stands.
    pub status: GoalStatus,
}

/// Status of a goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    /// Being worked on: a turn keeps going until it changes.
    Active,
    /// Done.
    Complete,
    /// Cannot go on without help.
    Blocked,
    /// Set aside by the person.
    Paused,
}

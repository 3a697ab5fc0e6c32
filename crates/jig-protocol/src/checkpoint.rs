//! Checkpoint and undo records: what the files a mutating tool call may
//! touch held before and after it, and what `jig undo` restored.
//!
//! A file's content is named by the SHA-256 of its bytes (lower-case hex);
//! the bytes of a `before` state live in the session directory under
//! `checkpoints/objects/<sha256>`. `None` means no file existed there, so
//! undoing a call that created a file deletes it, and undoing one that
//! deleted a file brings it back. The records are plain data; taking
//! snapshots and restoring them is `jig-core`'s job.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One file's state at a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FileState {
    /// The path relative to the workspace root.
    pub path: String,
    /// SHA-256 of its bytes, or `None` when no file existed.
    pub sha256: Option<String>,
}

/// When a checkpoint was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointPhase {
    /// Before the call ran: the state `jig undo` restores (content stored).
    Before,
    /// After the call ran: the state `jig undo` expects to find (hash only).
    After,
    /// A call that ran a command after the session's first checkpoint; its
    /// effects are not checkpointed (no files).
    Command,
}

/// The files one tool call may touch, at one [`CheckpointPhase`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Checkpoint {
    /// The tool call.
    pub call_id: String,
    /// Before or after the call, or a command's marker.
    pub phase: CheckpointPhase,
    /// The files, in the order the call names them.
    pub files: Vec<FileState>,
}

/// What one `jig undo` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Undo {
    /// The call the files were restored to the state before.
    pub to_call_id: String,
    /// Every call undone, in session order (`to_call_id` first).
    pub undone: Vec<String>,
    /// The files as restored (`sha256: None`: deleted, it did not exist before).
    pub restored: Vec<FileState>,
    /// Files that could not be restored (paths relative to the workspace);
    /// their state is unknown until a later checkpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// Whether `--force` overrode changes made since by something else.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forced: bool,
}

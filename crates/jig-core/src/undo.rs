//! `jig undo` and `jig diff`: restoring a session's checkpointed files and
//! showing what it changed, from the session directory alone.
//!
//! Undo holds the session's lock from before it reads the rollout until its
//! `undo` record is durable, so it never races a running session (a running
//! one makes it fail at once, naming the process). It refuses, before
//! touching anything, when a file it would restore is not what the session
//! last left there (changed since by a person, a command or another
//! program; or unknown because jig stopped mid-call), unless forced; and
//! when a stored object is missing or damaged. It then writes each file
//! atomically (temporary sibling and rename), deletes the files the undone
//! calls created, and records what it restored and what it could not.
//! Effects of shell commands are never undone; the report names the
//! commands that ran after the checkpoint.

use std::path::{Path, PathBuf};

use jig_protocol::{FileState, RolloutRecord, Undo};

use crate::checkpoints::{CallCheckpoint, Expected, History, Objects, current_state};
use crate::error::CoreError;
use crate::lock::SessionLock;
use crate::rollout::{RolloutWriter, read_rollout};
use crate::store::{ROLLOUT_FILE, read_meta};

/// Why an undo did not start.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// The session could not be read, locked or written.
    #[error(transparent)]
    Session(#[from] CoreError),
    /// Nothing to undo.
    #[error("session {session} has nothing to undo: {why}")]
    NothingToUndo {
        /// The session id.
        session: String,
        /// Why not.
        why: &'static str,
    },
    /// `--to` names a call with no checkpoint.
    #[error("session {session} has no checkpoint for tool call `{call_id}`; calls with checkpoints: {known}")]
    UnknownCall {
        /// The session id.
        session: String,
        /// The call asked for.
        call_id: String,
        /// The calls that have one.
        known: String,
    },
    /// `--to` names a call that an earlier undo already undid.
    #[error("tool call `{0}` was already undone; `jig diff` shows what the session changed")]
    AlreadyUndone(String),
    /// Files changed since the session last wrote them.
    #[error("{}", changed_message(.0))]
    Changed(Vec<String>),
    /// A stored object is missing or damaged; nothing was changed.
    #[error("not undoing: the checkpoint of {path} cannot be read ({why}); no file was changed")]
    MissingObject {
        /// The file whose old content is gone.
        path: String,
        /// What is wrong with its object.
        why: String,
    },
}

fn changed_message(files: &[String]) -> String {
    let lines: Vec<String> = files.iter().map(|line| format!("  {line}")).collect();
    format!(
        "not undoing: {} not what the session last left there, and undo would overwrite that:\n{}\n\
         look at `jig diff`, then run `jig undo --force` to restore anyway",
        if files.len() == 1 { "a file is" } else { "files are" },
        lines.join("\n")
    )
}

/// What to undo.
#[derive(Debug, Clone, Default)]
pub struct UndoRequest {
    /// Restore to before this call; default the last call not yet undone.
    pub to: Option<String>,
    /// Overwrite files changed since the session last wrote them.
    pub force: bool,
}

/// What an undo did.
#[derive(Debug, Clone)]
pub struct UndoReport {
    /// The record it appended to the rollout.
    pub undo: Undo,
    /// Files that could not be restored, with why (also in `undo.failed`).
    pub failures: Vec<String>,
    /// Command-running calls after the checkpoint: their effects stay.
    pub commands_after: Vec<String>,
}

/// Restores the files of the session in `dir` to their state before a call.
pub fn undo(dir: &Path, request: &UndoRequest) -> Result<UndoReport, UndoError> {
    let lock = SessionLock::acquire(dir)?;
    let path = dir.join(ROLLOUT_FILE);
    let loaded = read_rollout(&path)?;
    let meta = read_meta(dir)?;
    let cwd = PathBuf::from(&meta.cwd);
    let history = History::from_records(&loaded.records);
    let calls = undone_calls(&history, request.to.as_deref(), &meta.session_id)?;
    let targets = restore_targets(&calls);
    if !request.force {
        let changed = changed_since(&history, &cwd, &targets);
        if !changed.is_empty() {
            return Err(UndoError::Changed(changed));
        }
    }
    let objects = Objects::new(dir);
    let mut contents = Vec::new();
    for file in &targets {
        let bytes = match &file.sha256 {
            Some(sha) => Some(objects.get(sha).map_err(|why| UndoError::MissingObject {
                path: file.path.clone(),
                why,
            })?),
            None => None,
        };
        contents.push((file, bytes));
    }
    let mut restored = Vec::new();
    let (mut failed, mut failures) = (Vec::new(), Vec::new());
    for (file, bytes) in contents {
        match restore(&cwd, &file.path, bytes.as_deref()) {
            Ok(()) => restored.push(file.clone()),
            Err(why) => {
                failed.push(file.path.clone());
                failures.push(format!("{}: {why}", file.path));
            }
        }
    }
    // `undone_calls` returns at least the call it starts from.
    let first = &calls[0];
    let undo = Undo {
        to_call_id: first.call_id.clone(),
        undone: calls.iter().map(|call| call.call_id.clone()).collect(),
        restored,
        failed,
        forced: request.force,
    };
    let mut writer = RolloutWriter::reopen(&path, &loaded, lock)?;
    writer.append(&RolloutRecord::Undo(undo.clone()))?;
    writer.sync()?;
    Ok(UndoReport {
        undo,
        failures,
        commands_after: first.commands_after.clone(),
    })
}

/// The calls an undo to `to` (default: the last call not undone) undoes,
/// in order.
fn undone_calls<'h>(
    history: &'h History,
    to: Option<&str>,
    session: &str,
) -> Result<Vec<&'h CallCheckpoint>, UndoError> {
    let active: Vec<&CallCheckpoint> = history.calls.iter().filter(|call| !call.undone).collect();
    let start = match to {
        None => match active.len().checked_sub(1) {
            Some(last) => last,
            None => {
                return Err(UndoError::NothingToUndo {
                    session: session.to_string(),
                    why: if history.calls.is_empty() {
                        "it made no file changes jig checkpoints (apply_patch, file edits and writes)"
                    } else {
                        "every checkpointed call was undone already"
                    },
                });
            }
        },
        Some(call_id) => match active.iter().position(|call| call.call_id == call_id) {
            Some(index) => index,
            None if history.calls.iter().any(|call| call.call_id == call_id) => {
                return Err(UndoError::AlreadyUndone(call_id.to_string()));
            }
            None => {
                let mut known: Vec<&str> = active.iter().map(|call| call.call_id.as_str()).collect();
                known.dedup();
                return Err(UndoError::UnknownCall {
                    session: session.to_string(),
                    call_id: call_id.to_string(),
                    known: if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    },
                });
            }
        },
    };
    Ok(active[start..].to_vec())
}

/// Each file the undone calls touched, with its state before the first of them.
fn restore_targets(calls: &[&CallCheckpoint]) -> Vec<FileState> {
    let mut targets: Vec<FileState> = Vec::new();
    for file in calls.iter().flat_map(|call| &call.before) {
        if !targets.iter().any(|target| target.path == file.path) {
            targets.push(file.clone());
        }
    }
    targets
}

/// The files (with why) that are not what the session last left there.
fn changed_since(history: &History, cwd: &Path, targets: &[FileState]) -> Vec<String> {
    let mut changed = Vec::new();
    for file in targets {
        let now = current_state(cwd, &file.path);
        let why = match (history.expected.get(&file.path), now) {
            (_, Err(err)) => Some(format!("cannot be read: {err}")),
            (Some(Expected::Known(expected)), Ok(now)) if *expected == now => None,
            (Some(Expected::Known(None)), Ok(Some(_))) => Some("was created again".to_string()),
            (Some(Expected::Known(Some(_))), Ok(None)) => Some("was deleted".to_string()),
            (Some(Expected::Known(_)), Ok(_)) => Some("was modified".to_string()),
            (Some(Expected::Unknown(why)), Ok(_)) => Some(why.clone()),
            (None, Ok(_)) => Some("has no recorded state".to_string()),
        };
        if let Some(why) = why {
            changed.push(format!("{} {why}", file.path));
        }
    }
    changed
}

/// Puts `bytes` at the workspace file `relative` (creating its parent
/// directories), or deletes it when `bytes` is `None`.
fn restore(cwd: &Path, relative: &str, bytes: Option<&[u8]>) -> Result<(), String> {
    let target = jig_patch::resolve_in_workspace(cwd, Path::new(relative)).map_err(|err| err.to_string())?;
    match bytes {
        Some(bytes) => {
            if let Some(parent) = target.real.parent() {
                std::fs::create_dir_all(parent).map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
            }
            jig_patch::write_atomic(&target.real, bytes).map_err(|err| format!("cannot write it: {err}"))
        }
        None => match std::fs::remove_file(&target.real) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(format!("cannot delete it: {err}")),
        },
    }
}

/// A unified diff of every file the session in `dir` checkpointed, from its
/// state before the session first touched it to now; empty when nothing
/// differs. Files that are not UTF-8 text are named, not shown.
pub fn diff(dir: &Path) -> Result<String, CoreError> {
    let loaded = read_rollout(&dir.join(ROLLOUT_FILE))?;
    let cwd = PathBuf::from(read_meta(dir)?.cwd);
    let history = History::from_records(&loaded.records);
    let objects = Objects::new(dir);
    let mut out = String::new();
    for file in history.first_states() {
        let before = match &file.sha256 {
            Some(sha) => match objects.get(sha) {
                Ok(bytes) => Some(bytes),
                Err(why) => {
                    out.push_str(&format!("jig diff: {}: {why}\n", file.path));
                    continue;
                }
            },
            None => None,
        };
        let now = match jig_patch::resolve_in_workspace(&cwd, Path::new(&file.path)) {
            Ok(target) => crate::checkpoints::read_file(&target.real)?,
            Err(err) => {
                out.push_str(&format!("jig diff: {}: {err}\n", file.path));
                continue;
            }
        };
        out.push_str(&file_diff(&file.path, before.as_deref(), now.as_deref()));
    }
    Ok(out)
}

/// One file's unified diff (`/dev/null` for a side with no file).
fn file_diff(path: &str, before: Option<&[u8]>, now: Option<&[u8]>) -> String {
    if before == now {
        return String::new();
    }
    let (old_name, new_name) = (
        if before.is_some() {
            format!("a/{path}")
        } else {
            "/dev/null".to_string()
        },
        if now.is_some() {
            format!("b/{path}")
        } else {
            "/dev/null".to_string()
        },
    );
    match (text_of(before), text_of(now)) {
        (Ok(old), Ok(new)) => format!(
            "{}",
            similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .context_radius(3)
                .header(&old_name, &new_name)
        ),
        _ => format!("Binary files {old_name} and {new_name} differ\n"),
    }
}

/// The text of a side of a diff (none for no file); an error for bytes
/// that are not UTF-8.
fn text_of(bytes: Option<&[u8]>) -> Result<&str, std::str::Utf8Error> {
    bytes.map_or(Ok(""), std::str::from_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_diffs_name_created_and_deleted_files() {
        assert_eq!(file_diff("a", Some(b"x\n"), Some(b"x\n")), "");
        let created = file_diff("new.txt", None, Some(b"hi\n"));
        assert!(created.starts_with("--- /dev/null\n+++ b/new.txt\n"), "{created}");
        assert!(created.contains("+hi\n"), "{created}");
        let deleted = file_diff("old.txt", Some(b"bye\n"), None);
        assert!(deleted.starts_with("--- a/old.txt\n+++ /dev/null\n"), "{deleted}");
        assert!(deleted.contains("-bye\n"), "{deleted}");
        assert_eq!(
            file_diff("b.bin", Some(&[0xff, 0]), Some(b"x")),
            "Binary files a/b.bin and b/b.bin differ\n"
        );
    }
}

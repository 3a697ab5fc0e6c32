//! Turning a parsed [`Patch`] into the full list of file changes, in memory.
//!
//! Every path is resolved and checked, every file read, and every new content
//! computed before anything is written, so a patch that fails anywhere fails
//! here with the disk untouched. File operations apply in patch order to an
//! in-memory view of the workspace (one [`Change`] per real path, holding the
//! bytes before and the bytes planned after), so a later section sees what
//! earlier ones did: adding then updating one file works, and updating a
//! deleted file fails as it would on disk. Adding over a file, or moving onto
//! one, replaces it; its `before` is kept, so a failed commit puts it back.
//! Invariant: `before` is exactly what was on disk when planning read it
//! (or in the front-end's buffer, when [`Buffers`] held the file). This
//! module must not write.

use std::collections::HashMap;
use std::fs::{self, Permissions};
use std::path::{Path, PathBuf};

use crate::edit::apply_chunks;
use crate::parse::{Chunk, FileHunk, Patch};
use crate::paths::{Target, Workspace};
use crate::{ApplySummary, Buffers, PatchError};

/// A file's bytes and, when it came from disk, its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub bytes: Vec<u8>,
    pub permissions: Option<Permissions>,
}

/// What will happen to one real path; `None` means no file there.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    /// The path as the patch first wrote it, for messages.
    pub shown: String,
    /// The checked path to write.
    pub real: PathBuf,
    pub before: Option<Content>,
    pub after: Option<Content>,
}

impl Change {
    /// True when the planned state equals the disk state.
    pub fn is_noop(&self) -> bool {
        match (&self.before, &self.after) {
            (None, None) => true,
            (Some(before), Some(after)) => before.bytes == after.bytes,
            _ => false,
        }
    }
}

/// Everything to write, in first-touched order, and the summary to report.
#[derive(Debug)]
pub(crate) struct Plan {
    pub changes: Vec<Change>,
    pub summary: ApplySummary,
}

/// Resolves, reads and computes every change `patch` makes under `workspace`.
pub(crate) fn plan(patch: &Patch, workspace: &Workspace, buffers: Option<&dyn Buffers>) -> Result<Plan, PatchError> {
    let mut planner = Planner {
        workspace,
        buffers,
        changes: Vec::new(),
        index: HashMap::new(),
        summary: ApplySummary::default(),
    };
    for hunk in &patch.hunks {
        planner.hunk(hunk)?;
    }
    Ok(Plan {
        changes: planner.changes,
        summary: planner.summary,
    })
}

struct Planner<'w> {
    workspace: &'w Workspace,
    buffers: Option<&'w dyn Buffers>,
    changes: Vec<Change>,
    index: HashMap<PathBuf, usize>,
    summary: ApplySummary,
}

impl Planner<'_> {
    fn hunk(&mut self, hunk: &FileHunk) -> Result<(), PatchError> {
        match hunk {
            FileHunk::Add { path, contents } => {
                let target = self.workspace.resolve(path)?;
                let change = self.change(&target)?;
                // A file already there is replaced, as Codex does, and keeps
                // its permissions, as Codex's in-place write keeps them.
                let permissions = change.after.take().and_then(|replaced| replaced.permissions);
                change.after = Some(Content {
                    bytes: contents.clone().into_bytes(),
                    permissions,
                });
                self.summary.added.push(target.relative);
            }
            FileHunk::Delete { path } => {
                let target = self.workspace.resolve(path)?;
                let change = self.change(&target)?;
                if change.after.take().is_none() {
                    return Err(PatchError::DeleteMissing { path: target.shown });
                }
                self.summary.deleted.push(target.relative);
            }
            FileHunk::Update { path, move_to, chunks } => self.update(path, move_to.as_deref(), chunks)?,
        }
        Ok(())
    }

    fn update(&mut self, path: &Path, move_to: Option<&Path>, chunks: &[Chunk]) -> Result<(), PatchError> {
        let source = self.workspace.resolve(path)?;
        let Some(current) = &self.change(&source)?.after else {
            return Err(PatchError::UpdateMissing { path: source.shown });
        };
        let bytes = if chunks.is_empty() {
            // A pure move; the file need not even be text.
            current.bytes.clone()
        } else {
            let Ok(text) = std::str::from_utf8(&current.bytes) else {
                return Err(PatchError::NotUtf8 { path: source.shown });
            };
            apply_chunks(text, chunks, &source.shown)?.into_bytes()
        };
        let content = Content {
            bytes,
            permissions: current.permissions.clone(),
        };
        let destination = match move_to {
            Some(to) => self.workspace.resolve(to)?,
            None => source.clone(),
        };
        if destination.real != source.real {
            // A file at the destination is replaced, as Codex does.
            self.change(&destination)?.after = Some(content);
            self.change(&source)?.after = None;
        } else {
            self.change(&source)?.after = Some(content);
        }
        self.summary.modified.push(destination.relative);
        Ok(())
    }

    /// The planned state of `target`, reading it from disk on first touch.
    fn change(&mut self, target: &Target) -> Result<&mut Change, PatchError> {
        let index = match self.index.get(&target.real) {
            Some(&index) => index,
            None => {
                let before = if target.exists {
                    Some(read(target, self.buffers)?)
                } else {
                    None
                };
                let change = Change {
                    shown: target.shown.clone(),
                    real: target.real.clone(),
                    after: before.clone(),
                    before,
                };
                self.changes.push(change);
                self.index.insert(target.real.clone(), self.changes.len() - 1);
                self.changes.len() - 1
            }
        };
        // `index` came from `self.index`, which only holds positions pushed
        // into `self.changes`, and nothing is ever removed from it.
        Ok(&mut self.changes[index])
    }
}

/// A file's content: its buffer's text when `buffers` holds it, else the disk's.
fn read(target: &Target, buffers: Option<&dyn Buffers>) -> Result<Content, PatchError> {
    let io = |source| PatchError::Io {
        action: "read",
        path: target.shown.clone(),
        source,
    };
    let permissions = fs::metadata(&target.real).map_err(io)?.permissions();
    let bytes = match buffers.and_then(|buffers| buffers.read(&target.real)) {
        Some(text) => text.into_bytes(),
        None => fs::read(&target.real).map_err(io)?,
    };
    Ok(Content {
        bytes,
        permissions: Some(permissions),
    })
}

//! The `apply_patch` format of the Codex CLI: parse it, find each chunk in
//! its file with staged tolerance, and apply a whole patch atomically.
//!
//! A patch is applied in three phases: [`parse_patch`] turns text into a
//! [`Patch`] without touching the disk; planning resolves and checks every
//! path, reads every file and computes every new content in memory; only
//! then are files written, each through a temporary file and a rename, with
//! earlier writes rolled back if a later one fails. Invariant: when
//! [`apply_patch`] returns an error, the workspace is as it was (the one
//! exception, [`PatchError::RollbackFailed`], says so). Nothing outside the
//! root is ever read or written: absolute paths outside it, `..` escapes and
//! symbolic links leading out are refused. Error messages are written for
//! the model that produced the patch and say what to change.
//!
//! The same confinement and atomic write serve other editing tools through
//! [`resolve_in_workspace`] and [`write_atomic`].
//!
//! # Parity with Codex
//!
//! Models are trained on Codex's own `apply_patch` (`codex-rs/apply-patch`:
//! `apply_hunks_to_files` and the scenarios in its `tests/suite/tool.rs`),
//! so jig does on disk what it does:
//!
//! - `*** Add File:` over an existing file replaces it (summary `A`), and
//!   creates missing parent directories; adding one path twice keeps the
//!   second. A replaced file keeps its permissions, as Codex's in-place
//!   write keeps them.
//! - `*** Move to:` onto an existing file replaces it and removes the source
//!   (summary `M` with the destination).
//! - `*** Update File:` or `*** Delete File:` of a missing file fails, as
//!   does deleting a directory; an update with no chunk and no move is a
//!   parse error.
//!
//! Where jig differs, it is on purpose: a patch that fails anywhere changes
//! nothing (Codex keeps the files written before the failing section); paths
//! outside the root are refused (Codex's `apply_patch` writes wherever a path
//! leads and leaves that to its sandbox); a path
//! holding a control character such as NUL, or ending in `/`, is refused
//! when parsing (Codex hands it to the OS); a move onto the same file keeps
//! it (Codex writes it, then removes it); a moved file keeps its own
//! permissions, as `mv` does; and an updated file's final newline, or lack
//! of one, is kept (Codex always ends it with one).
//!
//! This crate must not know about tools, models or sandboxes; it is a pure
//! text-and-files library that `jig-tools` wraps.
//!
//! ```
//! let root = tempfile::tempdir()?;
//! std::fs::write(root.path().join("hello.txt"), "hello\nworld\n")?;
//! let patch = "*** Begin Patch
//! *** Update File: hello.txt
//! @@
//!  hello
//! -world
//! +there
//! *** End Patch";
//! let summary = jig_patch::apply_patch(patch, root.path())?;
//! assert_eq!(summary.to_string(), "Success. Updated the following files:\nM hello.txt\n");
//! assert_eq!(std::fs::read_to_string(root.path().join("hello.txt"))?, "hello\nthere\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod commit;
mod edit;
mod error;
mod parse;
mod paths;
mod plan;
mod seek;
mod summary;
mod text;

use std::io;
use std::path::{Path, PathBuf};

pub use error::PatchError;
pub use parse::{Chunk, ChunkLine, FileHunk, Patch, parse_patch};
pub use summary::ApplySummary;

/// Parses `text` and applies it under `root`, all files or none.
///
/// Relative paths in the patch resolve against `root`; absolute ones must
/// lie inside it.
///
/// # Errors
///
/// Any [`PatchError`]: a parse error, a refused path, a chunk whose context
/// is missing or ambiguous, or an I/O failure. On error nothing was changed.
pub fn apply_patch(text: &str, root: &Path) -> Result<ApplySummary, PatchError> {
    parse_patch(text)?.apply(root)
}

impl Patch {
    /// Applies an already parsed patch under `root`, all files or none; for
    /// callers that inspect a patch (say, for approval) before applying it.
    ///
    /// # Errors
    ///
    /// As [`apply_patch`], less the parse errors.
    pub fn apply(&self, root: &Path) -> Result<ApplySummary, PatchError> {
        let workspace = paths::Workspace::open(root)?;
        let plan = plan::plan(self, &workspace, None)?;
        commit::commit(&plan.changes, None)?;
        Ok(plan.summary)
    }

    /// As [`Patch::apply`], but a file `buffers` holds is read from there
    /// and its new text written there (an editor's unsaved buffer), all
    /// files or none: a failure later in the patch writes the earlier
    /// files' old text back the same way. Paths are checked on disk first,
    /// exactly as for [`Patch::apply`]; deletions and files `buffers` does
    /// not take are done on disk.
    ///
    /// # Errors
    ///
    /// As [`Patch::apply`].
    pub fn apply_through(&self, root: &Path, buffers: &dyn Buffers) -> Result<ApplySummary, PatchError> {
        let workspace = paths::Workspace::open(root)?;
        let plan = plan::plan(self, &workspace, Some(buffers))?;
        commit::commit(&plan.changes, Some(buffers))?;
        Ok(plan.summary)
    }
}

/// Files as a front-end holds them — an editor's buffers, which may differ
/// from the disk — for [`Patch::apply_through`].
pub trait Buffers {
    /// The whole text of the file at `real` (an absolute, checked path), or
    /// `None` to read the disk.
    fn read(&self, real: &Path) -> Option<String>;

    /// Makes `text` the whole content of the file at `real`; `false` when it
    /// did not, and the disk is written instead.
    fn write(&self, real: &Path, text: &str) -> bool;
}

/// A path checked to lie inside a workspace root; see [`resolve_in_workspace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspacePath {
    /// The path relative to the root, `.` and `..` folded, for messages.
    pub relative: PathBuf,
    /// Where to read and write: symbolic links resolved, under the
    /// canonicalized root.
    pub real: PathBuf,
    /// A regular file exists at `real` (otherwise nothing does yet, and the
    /// deepest existing ancestor is a directory inside the root).
    pub exists: bool,
}

/// Checks that `path` (relative to `root`, or absolute inside it) stays in
/// the workspace, following symbolic links, exactly as patches are checked.
///
/// # Errors
///
/// [`PatchError::ControlCharacter`] for a path holding NUL or another
/// control character; [`PatchError::OutsideWorkspace`] for an absolute path
/// outside the root, a `..` escape, or a symbolic link leading out;
/// [`PatchError::BrokenSymlink`],
/// [`PatchError::IsDirectory`], [`PatchError::NotAFile`],
/// [`PatchError::ParentNotDirectory`] for paths that cannot name a file;
/// [`PatchError::Io`] when the root or the path cannot be inspected.
pub fn resolve_in_workspace(root: &Path, path: &Path) -> Result<WorkspacePath, PatchError> {
    let target = paths::Workspace::open(root)?.resolve(path)?;
    Ok(WorkspacePath {
        relative: target.relative,
        real: target.real,
        exists: target.exists,
    })
}

/// Replaces the file at `path` with `bytes` through a temporary sibling and
/// a rename, so no reader sees half a file; an existing file keeps its
/// permissions. The parent directory must exist. `path` is trusted: check it
/// with [`resolve_in_workspace`] first.
///
/// # Errors
///
/// The I/O error of creating, writing or renaming the temporary file; the
/// file at `path` is then unchanged and no temporary file is left.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let permissions = std::fs::metadata(path).ok().map(|meta| meta.permissions());
    commit::write_bytes_atomic(path, bytes, permissions.as_ref())
}

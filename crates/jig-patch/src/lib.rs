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

use std::path::Path;

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
        let plan = plan::plan(self, &workspace)?;
        commit::commit(&plan.changes)?;
        Ok(plan.summary)
    }
}

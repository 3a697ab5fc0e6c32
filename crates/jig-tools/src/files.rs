//! Where the file tools read and write text: the disk, or a front-end that
//! holds the files (an editor over ACP, whose unsaved buffers are what the
//! person sees).
//!
//! Invariant: a [`FileAccess`] only moves text. Every check the tools make
//! — workspace confinement, the sandbox's write check, existence, binary
//! and UTF-8 checks — happens as before, on the real path, before it is
//! asked; and when it cannot serve a path (`None` / an error), the tool
//! falls back to the disk, so a front-end never makes a file unreadable.
//! Its methods block: the tools call them from their blocking threads.

use std::path::Path;

/// Text of files as a front-end holds them.
pub trait FileAccess: Send + Sync + std::fmt::Debug {
    /// The whole text of `path` (absolute), or `None` to read it from disk.
    fn read_text(&self, path: &Path) -> Option<String>;

    /// Writes all of `content` to `path` (absolute); `false` when the
    /// front-end did not, so the tool writes the disk itself.
    fn write_text(&self, path: &Path, content: &str) -> bool;
}

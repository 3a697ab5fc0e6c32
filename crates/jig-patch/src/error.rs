//! The one error type of the crate, [`PatchError`].
//!
//! Every message is written for the model that produced the patch: lower
//! case, naming the file (as written in the patch), the chunk (1-based within
//! that file) or the patch line, what did not match, and what to do next.
//! Paths in messages are always the text the patch used, never a resolved
//! absolute path, so the model can recognise its own words. This module holds
//! only the type and its rendering; it must not decide anything.

use std::fmt::Write as _;
use std::io;

/// Why a patch could not be parsed or applied.
///
/// When `apply_patch` returns any of these, nothing on disk was changed
/// (except for [`PatchError::RollbackFailed`], which says what is left).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// The first non-blank line is not `*** Begin Patch`.
    #[error(
        "invalid patch: the first line must be '*** Begin Patch', found {found:?}; wrap the patch in '*** Begin Patch' and '*** End Patch' lines"
    )]
    MissingBegin {
        /// The first non-blank line of the text.
        found: String,
    },

    /// The last non-blank line is not `*** End Patch`.
    #[error(
        "invalid patch: the last line must be '*** End Patch', found {found:?}; end the patch with a '*** End Patch' line"
    )]
    MissingEnd {
        /// The last non-blank line of the text.
        found: String,
    },

    /// The patch holds no file operation at all.
    #[error(
        "invalid patch: no file operations between '*** Begin Patch' and '*** End Patch'; add an '*** Add File:', '*** Update File:' or '*** Delete File:' section"
    )]
    Empty,

    /// A line of the patch does not fit the grammar at that point.
    #[error("invalid patch line {line}: {text:?}: expected {expected}")]
    InvalidLine {
        /// 1-based line number in the patch text.
        line: usize,
        /// The offending line.
        text: String,
        /// What the parser would have accepted there.
        expected: &'static str,
    },

    /// An `*** Update File:` section with no chunks and no `*** Move to:`.
    #[error(
        "invalid patch line {line}: update of {path} changes nothing; add a chunk of ' ', '-' and '+' lines, or a '*** Move to:' line"
    )]
    EmptyUpdate {
        /// 1-based line number of the `*** Update File:` line.
        line: usize,
        /// The path as written in the patch.
        path: String,
    },

    /// The path would read or write outside the workspace root.
    #[error("refusing to touch {path}: it is outside the workspace; use a path relative to the workspace root")]
    OutsideWorkspace {
        /// The path as written in the patch.
        path: String,
    },

    /// The path holds a control character (NUL, tab, newline, escape…),
    /// which no file a patch means to touch has in its name.
    #[error(
        "refusing to touch {path:?}: the path contains the control character {character:?}; name the file without control characters"
    )]
    ControlCharacter {
        /// The path as given, shown escaped.
        path: String,
        /// The first control character in it.
        character: char,
    },

    /// The path, or one of its parent directories, is a symbolic link whose
    /// target does not exist, so where it leads cannot be checked.
    #[error(
        "refusing to touch {path}: it goes through a symbolic link whose target does not exist; remove the link or patch a real file"
    )]
    BrokenSymlink {
        /// The path as written in the patch.
        path: String,
    },

    /// The path names an existing directory.
    #[error("cannot change {path}: it is a directory; patches change files, name a file inside it")]
    IsDirectory {
        /// The path as written in the patch.
        path: String,
    },

    /// The path names something that is neither a file nor a directory,
    /// such as a FIFO or a device.
    #[error("cannot touch {path}: it is not a regular file")]
    NotAFile {
        /// The path as written in the patch.
        path: String,
    },

    /// A parent of the path exists but is a file, so the path cannot exist.
    #[error("cannot create {path}: a parent of it is a file, not a directory")]
    ParentNotDirectory {
        /// The path as written in the patch.
        path: String,
    },

    /// `*** Update File:` names a file that does not exist.
    #[error("cannot update {path}: the file does not exist; use '*** Add File:' to create it")]
    UpdateMissing {
        /// The path as written in the patch.
        path: String,
    },

    /// `*** Delete File:` names a file that does not exist.
    #[error("cannot delete {path}: the file does not exist; check the path")]
    DeleteMissing {
        /// The path as written in the patch.
        path: String,
    },

    /// The file to update is not UTF-8 text.
    #[error("cannot apply patch to {path}: the file is not valid UTF-8 text")]
    NotUtf8 {
        /// The path as written in the patch.
        path: String,
    },

    /// An `@@ header` line of a chunk matches no line of the file.
    #[error(
        "cannot apply patch to {path}: chunk {chunk} header '@@ {header}' not found after line {after}; use a line copied from the file, or a bare '@@'"
    )]
    HeaderNotFound {
        /// The path as written in the patch.
        path: String,
        /// 1-based chunk number within the file.
        chunk: usize,
        /// The header text, without `@@ `.
        header: String,
        /// 1-based line the search started after (0: start of file).
        after: usize,
    },

    /// The old lines (context and removed) of a chunk match nowhere.
    #[error(
        "cannot apply patch to {path}: chunk {chunk} context not found{}; expected these lines:\n{}{}",
        if *.end_of_file { " at end of file" } else { "" },
        indent(.expected),
        nearest_hint(*.nearest),
    )]
    ContextNotFound {
        /// The path as written in the patch.
        path: String,
        /// 1-based chunk number within the file.
        chunk: usize,
        /// The chunk's old lines, as written in the patch.
        expected: Vec<String>,
        /// The chunk carried `*** End of File`.
        end_of_file: bool,
        /// 1-based line where the file looks most like the expected lines.
        nearest: Option<usize>,
    },

    /// The old lines of a chunk match at several places.
    #[error(
        "cannot apply patch to {path}: chunk {chunk} context is ambiguous, it matches at lines {}; add more context lines or an '@@' header naming the enclosing function or block",
        join_numbers(.lines),
    )]
    Ambiguous {
        /// The path as written in the patch.
        path: String,
        /// 1-based chunk number within the file.
        chunk: usize,
        /// 1-based first lines of every candidate match.
        lines: Vec<usize>,
    },

    /// Reading or writing the file system failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `read` or `write`.
        action: &'static str,
        /// The path as written in the patch (or the root).
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// A write failed and restoring the files already written failed too.
    #[error(
        "{cause}; restoring the files already changed also failed for {}: the workspace is partly patched, check these files by hand",
        .failed.join(", "),
    )]
    RollbackFailed {
        /// The error that started the rollback.
        cause: Box<PatchError>,
        /// Paths (as written in the patch) that could not be restored.
        failed: Vec<String>,
    },
}

fn indent(lines: &[String]) -> String {
    lines.iter().fold(String::new(), |mut out, line| {
        let _ = writeln!(out, "    {line}");
        out
    })
}

fn nearest_hint(nearest: Option<usize>) -> String {
    match nearest {
        Some(line) => format!("nearest match near line {line}; re-read the file and copy the context exactly"),
        None => "nothing similar found; re-read the file and copy the context exactly".to_owned(),
    }
}

fn join_numbers(lines: &[usize]) -> String {
    match lines {
        [] => String::new(),
        [only] => only.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(usize::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

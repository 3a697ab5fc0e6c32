//! Parsing the patch text into a [`Patch`]; pure, no file system access.
//!
//! The grammar is the Codex CLI `apply_patch` one. The parser is lenient
//! where models are sloppy and Codex is lenient too: markers may carry
//! surrounding whitespace, blank lines between sections are ignored, a
//! heredoc wrapper (`<<'EOF'` … `EOF`) around the patch is dropped, the first
//! chunk of an update may omit its `@@` line, an empty line inside a chunk is
//! an empty context line, and blank lines that start or end a chunk (next to
//! `@@`, a marker or the end) are dropped rather than demanded from the file;
//! dropping them is safe because a blank context line is both old and new, so
//! only the amount of context shrinks. A unified-diff range such as
//! `@@ -3,4 +3,5 @@ fn f` is accepted, keeping only the text after the range
//! as the header. A path must be non-empty, hold no control character (a NUL, tab or
//! escape in a path is never what a model meant, and a NUL cannot reach the
//! OS anyway) and not end in `/`. Invariant: every error names the 1-based
//! line of the original text. It must not resolve paths or read files; that
//! belongs to the planner.

use std::path::PathBuf;

use crate::PatchError;

const BEGIN: &str = "*** Begin Patch";
const END: &str = "*** End Patch";
const ADD: &str = "*** Add File:";
const DELETE: &str = "*** Delete File:";
const UPDATE: &str = "*** Update File:";
const MOVE: &str = "*** Move to:";
const END_OF_FILE: &str = "*** End of File";

const EXPECT_OPERATION: &str = "'*** Add File: ', '*** Update File: ' or '*** Delete File: '";
const EXPECT_CHUNK_LINE: &str = "a line starting with ' ', '+', '-', '@@' or '*** '";
const EXPECT_ADD_LINE: &str = "a line starting with '+' (every line of an added file starts with '+') or '*** '";

/// A parsed patch: the file operations in the order they appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    /// One entry per `*** Add/Update/Delete File:` section.
    pub hunks: Vec<FileHunk>,
}

/// One file operation of a patch. Paths are as written (trimmed); they are
/// resolved against the workspace root only when applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileHunk {
    /// `*** Add File:` — create a file, replacing one already there (as
    /// Codex does).
    Add {
        /// The file to create.
        path: PathBuf,
        /// Its full text; every line ends with `\n`.
        contents: String,
    },
    /// `*** Delete File:` — remove a file that must exist.
    Delete {
        /// The file to remove.
        path: PathBuf,
    },
    /// `*** Update File:` — edit a file in place, optionally moving it.
    Update {
        /// The file to edit.
        path: PathBuf,
        /// `*** Move to:` destination, if any.
        move_to: Option<PathBuf>,
        /// The edits, applied in order from the top of the file down.
        chunks: Vec<Chunk>,
    },
}

/// One contiguous edit inside an `*** Update File:` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chunk {
    /// `@@ header` texts, each narrowing the search to after the line it
    /// matches; empty for a bare `@@` or no `@@` at all.
    pub headers: Vec<String>,
    /// The chunk's lines in patch order.
    pub lines: Vec<ChunkLine>,
    /// `*** End of File` followed the chunk: it must match at the very end.
    pub end_of_file: bool,
}

/// One line of a [`Chunk`], without its leading marker character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkLine {
    /// ` line` (or an empty line): must be in the file, is kept.
    Context(String),
    /// `-line`: must be in the file, is removed.
    Removed(String),
    /// `+line`: is inserted.
    Added(String),
}

impl Chunk {
    /// The lines the file must contain: context and removed, in order.
    pub fn old_lines(&self) -> Vec<String> {
        old_lines(&self.lines)
    }

    /// The lines that replace them: context and added, in order.
    pub fn new_lines(&self) -> Vec<String> {
        let new = self.lines.iter().filter_map(|line| match line {
            ChunkLine::Context(text) | ChunkLine::Added(text) => Some(text.clone()),
            ChunkLine::Removed(_) => None,
        });
        new.collect()
    }
}

/// The context and removed lines of `lines`, in order.
pub(crate) fn old_lines(lines: &[ChunkLine]) -> Vec<String> {
    let old = lines.iter().filter_map(|line| match line {
        ChunkLine::Context(text) | ChunkLine::Removed(text) => Some(text.clone()),
        ChunkLine::Added(_) => None,
    });
    old.collect()
}

/// Parses patch text. Pure: nothing is read or written.
///
/// # Errors
///
/// [`PatchError::MissingBegin`], [`PatchError::MissingEnd`],
/// [`PatchError::Empty`], [`PatchError::InvalidLine`] or
/// [`PatchError::EmptyUpdate`], each naming the patch line at fault.
pub fn parse_patch(text: &str) -> Result<Patch, PatchError> {
    let mut lines = Lines {
        lines: body_lines(text)?,
        pos: 0,
    };
    let mut hunks = Vec::new();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let hunk = if let Some(rest) = trimmed.strip_prefix(ADD) {
            let path = path_of(rest, number, line)?;
            FileHunk::Add {
                path,
                contents: parse_add_body(&mut lines)?,
            }
        } else if let Some(rest) = trimmed.strip_prefix(DELETE) {
            let path = path_of(rest, number, line)?;
            expect_no_body(&mut lines)?;
            FileHunk::Delete { path }
        } else if let Some(rest) = trimmed.strip_prefix(UPDATE) {
            let path = path_of(rest, number, line)?;
            parse_update(&mut lines, path, number)?
        } else if trimmed == END {
            return Err(invalid(
                number,
                line,
                "one '*** End Patch', as the last line; send one patch at a time",
            ));
        } else {
            return Err(invalid(number, line, EXPECT_OPERATION));
        };
        hunks.push(hunk);
    }
    if hunks.is_empty() {
        return Err(PatchError::Empty);
    }
    Ok(Patch { hunks })
}

/// The lines strictly between `*** Begin Patch` and `*** End Patch`, each
/// with its 1-based number in `text`.
fn body_lines(text: &str) -> Result<Vec<(usize, &str)>, PatchError> {
    let all: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let all = strip_heredoc(&all);
    let (Some(&(begin, first)), Some(&(end, last))) = (all.first(), all.last()) else {
        return Err(PatchError::MissingBegin { found: String::new() });
    };
    if first.trim() != BEGIN {
        return Err(PatchError::MissingBegin {
            found: first.trim().to_owned(),
        });
    }
    if end == begin || last.trim() != END {
        return Err(PatchError::MissingEnd {
            found: last.trim().to_owned(),
        });
    }
    // Re-split so blank lines inside the body keep their meaning.
    Ok(text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|&(number, _)| number > begin && number < end)
        .collect())
}

/// Drops a `<<'EOF'` opener line and its matching terminator, if present.
fn strip_heredoc<'a>(lines: &'a [(usize, &'a str)]) -> &'a [(usize, &'a str)] {
    let (Some((_, first)), Some((_, last))) = (lines.first(), lines.last()) else {
        return lines;
    };
    let Some((_, opener)) = first.split_once("<<") else {
        return lines;
    };
    let delimiter = opener
        .trim()
        .trim_start_matches('-')
        .trim_matches(|c| c == '\'' || c == '"');
    match lines {
        [_, inner @ .., _] if !delimiter.is_empty() && last.trim() == delimiter => inner,
        _ => lines,
    }
}

/// A cursor over numbered body lines.
struct Lines<'a> {
    lines: Vec<(usize, &'a str)>,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn peek(&self) -> Option<(usize, &'a str)> {
        self.lines.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let line = self.peek();
        self.pos += 1;
        line
    }
}

/// True for a line that ends the current section: a line starting with
/// `***`, or a known marker after some indentation. An indented unknown
/// `***` line is a context line, as in Codex (files do contain ` *** `).
fn is_marker(line: &str) -> bool {
    let known = [BEGIN, END, ADD, DELETE, UPDATE, MOVE, END_OF_FILE];
    line.starts_with("***") || known.iter().any(|marker| line.trim_start().starts_with(marker))
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty() && !line.starts_with(' ')
}

fn invalid(line: usize, text: &str, expected: &'static str) -> PatchError {
    PatchError::InvalidLine {
        line,
        text: text.to_owned(),
        expected,
    }
}

fn path_of(rest: &str, number: usize, line: &str) -> Result<PathBuf, PatchError> {
    let path = rest.trim();
    if path.is_empty() {
        return Err(invalid(number, line, "a file path after the marker"));
    }
    if path.contains(char::is_control) {
        return Err(invalid(
            number,
            line,
            "a file path without control characters (NUL, tab, escape…)",
        ));
    }
    if path.ends_with('/') {
        return Err(invalid(
            number,
            line,
            "a file path, not a directory; drop the trailing '/'",
        ));
    }
    Ok(PathBuf::from(path))
}

fn parse_add_body(lines: &mut Lines<'_>) -> Result<String, PatchError> {
    let mut contents = String::new();
    let mut pending_blanks = 0;
    while let Some((number, line)) = lines.peek() {
        if is_marker(line) {
            break;
        }
        lines.next();
        if is_blank(line) {
            pending_blanks += 1;
        } else if let Some(text) = line.strip_prefix('+') {
            contents.extend(std::iter::repeat_n("\n", pending_blanks));
            pending_blanks = 0;
            contents.push_str(text);
            contents.push('\n');
        } else {
            return Err(invalid(number, line, EXPECT_ADD_LINE));
        }
    }
    Ok(contents)
}

fn expect_no_body(lines: &mut Lines<'_>) -> Result<(), PatchError> {
    while let Some((number, line)) = lines.peek() {
        if is_marker(line) {
            break;
        }
        lines.next();
        if !line.trim().is_empty() {
            return Err(invalid(
                number,
                line,
                "the next '*** ' marker ('*** Delete File:' takes no lines)",
            ));
        }
    }
    Ok(())
}

fn parse_update(lines: &mut Lines<'_>, path: PathBuf, start: usize) -> Result<FileHunk, PatchError> {
    let mut move_to = None;
    if let Some((number, line)) = lines.peek()
        && let Some(rest) = line.trim().strip_prefix(MOVE)
    {
        lines.next();
        move_to = Some(path_of(rest, number, line)?);
    }
    let chunks = parse_chunks(lines)?;
    if chunks.is_empty() && move_to.is_none() {
        let path = path.display().to_string();
        return Err(PatchError::EmptyUpdate { line: start, path });
    }
    Ok(FileHunk::Update { path, move_to, chunks })
}

/// A chunk being read, with the patch line it started on for errors.
struct Open {
    chunk: Chunk,
    start: (usize, String),
    has_lines: bool,
    pending_blanks: usize,
}

impl Open {
    fn new(number: usize, line: &str) -> Self {
        Open {
            chunk: Chunk::default(),
            start: (number, line.to_owned()),
            has_lines: false,
            pending_blanks: 0,
        }
    }

    fn push(&mut self, line: ChunkLine) {
        for _ in 0..std::mem::take(&mut self.pending_blanks) {
            self.chunk.lines.push(ChunkLine::Context(String::new()));
        }
        self.chunk.lines.push(line);
        self.has_lines = true;
    }

    fn finish(self) -> Result<Chunk, PatchError> {
        if !self.has_lines {
            let (number, line) = self.start;
            return Err(invalid(number, &line, "' ', '-' or '+' lines after '@@'"));
        }
        Ok(self.chunk)
    }
}

fn parse_chunks(lines: &mut Lines<'_>) -> Result<Vec<Chunk>, PatchError> {
    let mut chunks = Vec::new();
    let mut open: Option<Open> = None;
    while let Some((number, line)) = lines.peek() {
        let trimmed = line.trim();
        if trimmed == END_OF_FILE {
            lines.next();
            let Some(mut chunk) = open.take().filter(|open| open.has_lines) else {
                return Err(invalid(number, line, "chunk lines before '*** End of File'"));
            };
            chunk.chunk.end_of_file = true;
            chunks.push(chunk.finish()?);
        } else if trimmed.starts_with(MOVE) {
            return Err(invalid(
                number,
                line,
                "'*** Move to:' only directly after '*** Update File:'",
            ));
        } else if is_marker(line) {
            break;
        } else if let Some(rest) = line.strip_prefix("@@") {
            lines.next();
            let mut current = match open.take() {
                Some(current) if !current.has_lines => current,
                Some(done) => {
                    chunks.push(done.finish()?);
                    Open::new(number, line)
                }
                None => Open::new(number, line),
            };
            current.chunk.headers.extend(header_text(rest));
            open = Some(current);
        } else {
            lines.next();
            if is_blank(line) && !open.as_ref().is_some_and(|open| open.has_lines) {
                // Blank lines before a chunk's first line are layout, not context.
                continue;
            }
            if open.is_none() && !chunks.is_empty() {
                return Err(invalid(number, line, "'@@' or a '*** ' marker after '*** End of File'"));
            }
            let current = open.get_or_insert_with(|| Open::new(number, line));
            push_chunk_line(current, number, line)?;
        }
    }
    if let Some(current) = open {
        chunks.push(current.finish()?);
    }
    Ok(chunks)
}

fn push_chunk_line(open: &mut Open, number: usize, line: &str) -> Result<(), PatchError> {
    if is_blank(line) {
        open.pending_blanks += 1;
        return Ok(());
    }
    match line.split_at_checked(1) {
        Some((" ", text)) => open.push(ChunkLine::Context(text.to_owned())),
        Some(("-", text)) => open.push(ChunkLine::Removed(text.to_owned())),
        Some(("+", text)) => open.push(ChunkLine::Added(text.to_owned())),
        _ => return Err(invalid(number, line, EXPECT_CHUNK_LINE)),
    }
    Ok(())
}

/// The header after `@@`, if any. A unified-diff range (`-3,4 +3,5 @@ fn f`)
/// is dropped, keeping the text after it.
fn header_text(rest: &str) -> Option<String> {
    let mut header = rest.trim();
    if header.starts_with('-')
        && let Some((range, after)) = header.split_once("@@")
        && range.trim().split(' ').all(|part| part.starts_with(['-', '+']))
    {
        header = after.trim();
    }
    (!header.is_empty()).then(|| header.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_strips_unified_ranges() {
        assert_eq!(header_text(" fn f()"), Some("fn f()".to_owned()));
        assert_eq!(header_text(" -3,4 +3,5 @@ fn f()"), Some("fn f()".to_owned()));
        assert_eq!(header_text(" -3,4 +3,5 @@"), None);
        assert_eq!(header_text(""), None);
        assert_eq!(header_text(" -x"), Some("-x".to_owned()));
    }

    #[test]
    fn heredoc_wrapper_is_dropped() {
        let text = "apply_patch <<'EOF'\n*** Begin Patch\n*** Delete File: a\n*** End Patch\nEOF\n";
        let patch = parse_patch(text).unwrap();
        assert_eq!(
            patch.hunks,
            vec![FileHunk::Delete {
                path: PathBuf::from("a")
            }]
        );
    }

    #[test]
    fn trailing_blank_lines_of_a_chunk_are_dropped() {
        let text = "*** Begin Patch\n*** Update File: a\n x\n\n-y\n+z\n\n\n*** End Patch";
        let patch = parse_patch(text).unwrap();
        let FileHunk::Update { chunks, .. } = &patch.hunks[0] else {
            panic!("not an update")
        };
        assert_eq!(chunks[0].old_lines(), vec!["x", "", "y"]);
        assert_eq!(chunks[0].new_lines(), vec!["x", "", "z"]);
    }
}

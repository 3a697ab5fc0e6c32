//! Applying the chunks of one `*** Update File:` section to its text.
//!
//! Chunks are located in order, each searching only after the previous
//! chunk's end (or from its `@@` header line), then all edits are spliced in
//! from the bottom up so earlier positions stay valid. Invariant: either every
//! chunk is located and the new text is returned, or nothing is returned; the
//! input is never partly edited. Context lines keep the file's own text, so a
//! fuzzy match never rewrites lines the patch meant to keep. Ambiguity is
//! refused: when the old lines of a chunk without a header match in several
//! places at the strictest stage that matches at all, the model must say
//! which one. With a header the first match from the header line on wins,
//! since the header is the model saying where. A chunk with no old lines
//! inserts right after its header line, or at the end of the file. This
//! module must not touch the file system.

use std::ops::Range;

use crate::PatchError;
use crate::parse::{Chunk, ChunkLine, old_lines};
use crate::seek;
use crate::text::Text;

/// One located chunk: replace `remove` lines at `start` with `insert`.
struct Splice {
    start: usize,
    remove: usize,
    insert: Vec<String>,
}

/// Applies `chunks` to `content`; `path` is the file as the patch names it.
pub(crate) fn apply_chunks(content: &str, chunks: &[Chunk], path: &str) -> Result<String, PatchError> {
    let mut text = Text::parse(content);
    let mut splices = Vec::with_capacity(chunks.len());
    let mut cursor = 0;
    for (index, chunk) in chunks.iter().enumerate() {
        let located = Locator {
            lines: &text.lines,
            path,
            number: index + 1,
        }
        .locate(chunk, cursor)?;
        cursor = located.start + located.remove;
        splices.push(located);
    }
    for splice in splices.into_iter().rev() {
        text.lines
            .splice(splice.start..splice.start + splice.remove, splice.insert);
    }
    Ok(text.render())
}

/// Finds one chunk in the file, producing errors that name it.
struct Locator<'a> {
    lines: &'a [String],
    path: &'a str,
    /// 1-based chunk number within the file.
    number: usize,
}

impl Locator<'_> {
    fn locate(&self, chunk: &Chunk, cursor: usize) -> Result<Splice, PatchError> {
        let anchor = self.follow_headers(chunk, cursor)?;
        let mut body: &[ChunkLine] = &chunk.lines;
        let mut old = old_lines(body);
        if old.is_empty() {
            let start = match (anchor, chunk.end_of_file) {
                (Some(line), false) => line + 1,
                _ => self.lines.len(),
            };
            return Ok(Splice {
                start,
                remove: 0,
                insert: replacement(body, &[]),
            });
        }
        let from = anchor.unwrap_or(cursor);
        let mut found = seek::find_all(self.lines, &old, self.starts(from, old.len(), chunk.end_of_file));
        // A trailing blank context line often stands for the file's final
        // newline, which is not a line of its own here.
        if found.is_none()
            && old.len() > 1
            && let Some((ChunkLine::Context(last), init)) = body.split_last()
            && last.trim().is_empty()
        {
            body = init;
            old = old_lines(body);
            found = seek::find_all(self.lines, &old, self.starts(from, old.len(), chunk.end_of_file));
        }
        let Some(found) = found else {
            return Err(PatchError::ContextNotFound {
                path: self.path.to_owned(),
                chunk: self.number,
                expected: chunk.old_lines(),
                end_of_file: chunk.end_of_file,
                nearest: seek::nearest(self.lines, &chunk.old_lines()),
            });
        };
        let start = match found.starts.as_slice() {
            [start] => *start,
            [start, ..] if anchor.is_some() => *start,
            starts => {
                return Err(PatchError::Ambiguous {
                    path: self.path.to_owned(),
                    chunk: self.number,
                    lines: starts.iter().map(|start| start + 1).collect(),
                });
            }
        };
        let matched = &self.lines[start..start + old.len()];
        Ok(Splice {
            start,
            remove: old.len(),
            insert: replacement(body, matched),
        })
    }

    /// Where a match of `len` old lines may start: anywhere from `from` on,
    /// or only flush with the end of the file.
    fn starts(&self, from: usize, len: usize, end_of_file: bool) -> Range<usize> {
        match (end_of_file, self.lines.len().checked_sub(len)) {
            (true, Some(last)) if last >= from => last..last + 1,
            (true, _) => 0..0,
            (false, _) => from..usize::MAX,
        }
    }

    /// Walks the `@@` headers in turn, returning the last one's 0-based line.
    fn follow_headers(&self, chunk: &Chunk, cursor: usize) -> Result<Option<usize>, PatchError> {
        let mut anchor = None;
        for header in &chunk.headers {
            let from = anchor.map_or(cursor, |line| line + 1);
            let Some(line) = seek::find_header(self.lines, header, from) else {
                return Err(PatchError::HeaderNotFound {
                    path: self.path.to_owned(),
                    chunk: self.number,
                    header: header.clone(),
                    after: from,
                });
            };
            anchor = Some(line);
        }
        Ok(anchor)
    }
}

/// The new lines of `body`, taking each context line from `matched` (the
/// file lines its old lines matched) rather than from the patch.
fn replacement(body: &[ChunkLine], matched: &[String]) -> Vec<String> {
    let mut old = matched.iter();
    let mut new = Vec::with_capacity(body.len());
    for line in body {
        match line {
            ChunkLine::Context(text) => new.push(old.next().unwrap_or(text).clone()),
            ChunkLine::Removed(_) => {
                old.next();
            }
            ChunkLine::Added(text) => new.push(text.clone()),
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(lines: &[&str]) -> Chunk {
        let lines = lines.iter().map(|line| match line.split_at(1) {
            ("-", text) => ChunkLine::Removed(text.to_owned()),
            ("+", text) => ChunkLine::Added(text.to_owned()),
            (_, text) => ChunkLine::Context(text.to_owned()),
        });
        Chunk {
            lines: lines.collect(),
            ..Chunk::default()
        }
    }

    #[test]
    fn chunks_apply_in_order_after_each_other() {
        let chunks = [chunk(&[" a", "-b", "+B"]), chunk(&["-a", "+A"])];
        assert_eq!(apply_chunks("a\nb\na\n", &chunks, "f").unwrap(), "a\nB\nA\n");
    }

    #[test]
    fn pure_insertion_goes_after_the_header_or_at_the_end() {
        let at_end = chunk(&["+z"]);
        assert_eq!(
            apply_chunks("a\nb", std::slice::from_ref(&at_end), "f").unwrap(),
            "a\nb\nz"
        );
        let after_a = Chunk {
            headers: vec!["a".to_owned()],
            ..at_end
        };
        assert_eq!(apply_chunks("a\nb\n", &[after_a], "f").unwrap(), "a\nz\nb\n");
    }

    #[test]
    fn trailing_blank_context_may_stand_for_the_final_newline() {
        let chunks = [chunk(&["-b", "+c", " "])];
        assert_eq!(apply_chunks("a\nb\n", &chunks, "f").unwrap(), "a\nc\n");
    }

    #[test]
    fn fuzzy_context_keeps_the_file_text() {
        let chunks = [chunk(&["  keep \u{2014} me", "-drop", "+add"])];
        assert_eq!(
            apply_chunks("keep - me  \ndrop\n", &chunks, "f").unwrap(),
            "keep - me  \nadd\n"
        );
    }

    #[test]
    fn header_not_found_names_the_chunk() {
        let chunks = [Chunk {
            headers: vec!["nope".to_owned()],
            ..chunk(&["-a", "+b"])
        }];
        let error = apply_chunks("a\n", &chunks, "f").unwrap_err();
        assert!(
            matches!(error, PatchError::HeaderNotFound { chunk: 1, after: 0, .. }),
            "{error:?}"
        );
    }
}

//! A serialisable snapshot of the composer's text, folds and cursor.
//!
//! A draft is a list of segments (plain text, or a folded paste with its
//! number and text) so that it is well formed by construction: no label has
//! to be found again in the text when it is restored. Invariant: converting
//! a buffer to a draft and back gives the same buffer.

use serde::{Deserialize, Serialize};

use super::buffer::{Buffer, Cell, Paste};

/// A snapshot of a composer: what it shows, its folded pastes and its
/// cursor. Serialised as
/// `{"segments":[{"text":"fix "},{"paste":{"number":1,"text":"…"}}],"cursor":5}`,
/// where `cursor` counts characters of text segments and each paste as one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    segments: Vec<Segment>,
    cursor: usize,
}

/// A piece of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Segment {
    /// Characters as typed (or pasted small).
    Text(String),
    /// A folded paste; its label is derived again from these on restore.
    Paste { number: u32, text: String },
}

impl Draft {
    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(|segment| match segment {
            Segment::Text(text) | Segment::Paste { text, .. } => text.is_empty(),
        })
    }

    /// What submitting it would send: its text with the pastes expanded.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(part) | Segment::Paste { text: part, .. } => text.push_str(part),
            }
        }
        text
    }
}

impl From<&Buffer> for Draft {
    fn from(buffer: &Buffer) -> Self {
        let mut segments = Vec::new();
        let mut run = String::new();
        for cell in &buffer.cells {
            match cell {
                Cell::Char(c) => run.push(*c),
                Cell::Fold(paste) => {
                    if !run.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut run)));
                    }
                    segments.push(Segment::Paste {
                        number: paste.number,
                        text: paste.text.clone(),
                    });
                }
            }
        }
        if !run.is_empty() {
            segments.push(Segment::Text(run));
        }
        Draft {
            segments,
            cursor: buffer.cursor,
        }
    }
}

impl From<Draft> for Buffer {
    fn from(draft: Draft) -> Self {
        let mut buffer = Buffer::default();
        for segment in draft.segments {
            match segment {
                Segment::Text(text) => buffer.insert_str(&text),
                Segment::Paste { number, text } => {
                    buffer.cells.push(Cell::Fold(Box::new(Paste::new(number, text))));
                    buffer.cursor = buffer.cells.len();
                    buffer.next_paste = buffer.next_paste.max(number);
                }
            }
        }
        // The file may have been edited by hand or come from another
        // version; a cursor past the end goes to the end.
        buffer.cursor = draft.cursor.min(buffer.cells.len());
        buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_round_trips_through_json() {
        let mut buffer = Buffer::from_text("fix ");
        buffer.insert_fold("line\n".repeat(8));
        buffer.insert_str(" please");
        buffer.cursor = 2;
        let json = serde_json::to_string(&Draft::from(&buffer)).unwrap();
        insta::assert_snapshot!(json, @r#"{"segments":[{"text":"fix "},{"paste":{"number":1,"text":"line\nline\nline\nline\nline\nline\nline\nline\n"}},{"text":" please"}],"cursor":2}"#);
        let draft: Draft = serde_json::from_str(&json).unwrap();
        assert_eq!(Buffer::from(draft), buffer);
    }

    #[test]
    fn a_cursor_past_the_end_is_clamped() {
        let draft: Draft = serde_json::from_str(r#"{"segments":[{"text":"ab"}],"cursor":99}"#).unwrap();
        assert_eq!(Buffer::from(draft).cursor, 2);
    }
}

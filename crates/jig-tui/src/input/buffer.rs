//! The composer's text: a sequence of cells and a cursor between them.
//!
//! A cell is one character or one folded paste, so a fold is atomic: the
//! cursor can sit before or after it but never inside its label, and one
//! Backspace removes it whole. Invariant: `cursor <= cells.len()`, and the
//! cells hold no control characters other than `'\n'` and `'\t'`.

use std::ops::Range;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How many columns a tab takes. Tabs are kept in the text (pasted code and
/// Makefiles need them) but drawn as this many spaces, so their width does
/// not depend on where the terminal's tab stops happen to be.
pub(super) const TAB_WIDTH: usize = 4;

/// A paste folded behind a short label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Paste {
    /// `#n` in the label; unique within one draft.
    pub(super) number: u32,
    /// What the buffer shows instead of the text, computed once because
    /// counting the lines of a large paste on every frame would be waste.
    pub(super) label: String,
    /// The pasted text, line endings already normalised.
    pub(super) text: String,
}

impl Paste {
    /// A fold numbered `number` holding `text`.
    pub(super) fn new(number: u32, text: String) -> Self {
        let lines = text.lines().count();
        let label = if lines > 1 {
            format!("[Pasted text #{number} +{lines} lines]")
        } else {
            format!("[Pasted text #{number} {} chars]", text.chars().count())
        };
        Paste { number, label, text }
    }
}

/// One unit the cursor moves over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    /// A character typed or pasted.
    Char(char),
    /// A large paste, shown as its label. Boxed so a draft of plain
    /// characters stays compact.
    Fold(Box<Paste>),
}

impl Cell {
    /// Columns the cell takes on screen.
    pub(super) fn width(&self) -> usize {
        match self {
            Cell::Char('\t') => TAB_WIDTH,
            Cell::Char(c) => c.width().unwrap_or(0),
            Cell::Fold(paste) => paste.label.width(),
        }
    }

    fn class(&self) -> Class {
        match self {
            Cell::Char(c) if c.is_whitespace() => Class::Space,
            Cell::Char(c) if c.is_alphanumeric() || *c == '_' => Class::Word,
            Cell::Char(_) => Class::Punct,
            Cell::Fold(_) => Class::Fold,
        }
    }

    fn is_newline(&self) -> bool {
        matches!(self, Cell::Char('\n'))
    }
}

/// What word motions group together: a run of one class is one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Word,
    Punct,
    /// A fold is a word on its own, even next to another fold.
    Fold,
}

/// Whether `c` may enter the buffer: control characters other than newline
/// and tab would corrupt the terminal when drawn, and nobody means to send
/// them in a prompt.
fn admissible(c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t'
}

/// The text being composed and the cursor in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Buffer {
    pub(super) cells: Vec<Cell>,
    /// Index of the cell the cursor is before; `cells.len()` at the end.
    pub(super) cursor: usize,
    /// The number the next fold gets.
    pub(super) next_paste: u32,
}

impl Buffer {
    /// A buffer holding `text` as plain characters, cursor at the end.
    pub(super) fn from_text(text: &str) -> Self {
        let mut buffer = Buffer::default();
        buffer.insert_str(text);
        buffer
    }

    /// Whether there are no cells at all.
    pub(super) fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Whether submitting would send nothing but whitespace.
    pub(super) fn is_blank(&self) -> bool {
        self.cells.iter().all(|cell| match cell {
            Cell::Char(c) => c.is_whitespace(),
            Cell::Fold(paste) => paste.text.trim().is_empty(),
        })
    }

    /// The text with every fold replaced by what was pasted.
    pub(super) fn text(&self) -> String {
        let mut text = String::with_capacity(self.cells.len());
        for cell in &self.cells {
            match cell {
                Cell::Char(c) => text.push(*c),
                Cell::Fold(paste) => text.push_str(&paste.text),
            }
        }
        text
    }

    /// Inserts `c` at the cursor and moves past it; returns whether it was
    /// admitted.
    pub(super) fn insert_char(&mut self, c: char) -> bool {
        if !admissible(c) {
            return false;
        }
        self.cells.insert(self.cursor, Cell::Char(c));
        self.cursor += 1;
        true
    }

    /// Inserts `text` at the cursor as plain characters.
    pub(super) fn insert_str(&mut self, text: &str) {
        let tail = self.cells.split_off(self.cursor);
        self.cells
            .extend(text.chars().filter(|&c| admissible(c)).map(Cell::Char));
        self.cursor = self.cells.len();
        self.cells.extend(tail);
    }

    /// Inserts `text` at the cursor folded behind a label.
    pub(super) fn insert_fold(&mut self, text: String) {
        self.next_paste += 1;
        let paste = Paste::new(self.next_paste, text);
        self.cells.insert(self.cursor, Cell::Fold(Box::new(paste)));
        self.cursor += 1;
    }

    /// Removes `range` and puts the cursor where it began; returns whether
    /// anything was removed.
    pub(super) fn delete(&mut self, range: Range<usize>) -> bool {
        if range.is_empty() {
            return false;
        }
        self.cells.drain(range.clone());
        self.cursor = range.start;
        true
    }

    /// The cell just before the cursor.
    pub(super) fn before_cursor(&self) -> Option<&Cell> {
        self.cursor.checked_sub(1).and_then(|index| self.cells.get(index))
    }

    /// Where the line holding `pos` starts.
    pub(super) fn line_start(&self, pos: usize) -> usize {
        self.cells[..pos]
            .iter()
            .rposition(Cell::is_newline)
            .map_or(0, |newline| newline + 1)
    }

    /// Where the line holding `pos` ends: its newline, or the end.
    pub(super) fn line_end(&self, pos: usize) -> usize {
        self.cells[pos..]
            .iter()
            .position(Cell::is_newline)
            .map_or(self.cells.len(), |offset| pos + offset)
    }

    /// The start of the word before `pos`, skipping whitespace first.
    pub(super) fn word_left(&self, pos: usize) -> usize {
        let mut index = pos;
        while index > 0 && self.cells[index - 1].class() == Class::Space {
            index -= 1;
        }
        let Some(class) = index.checked_sub(1).map(|before| self.cells[before].class()) else {
            return index;
        };
        index -= 1;
        if class != Class::Fold {
            while index > 0 && self.cells[index - 1].class() == class {
                index -= 1;
            }
        }
        index
    }

    /// The end of the word after `pos`, skipping whitespace first.
    pub(super) fn word_right(&self, pos: usize) -> usize {
        let len = self.cells.len();
        let mut index = pos;
        while index < len && self.cells[index].class() == Class::Space {
            index += 1;
        }
        let Some(class) = self.cells.get(index).map(Cell::class) else {
            return index;
        };
        index += 1;
        if class != Class::Fold {
            while index < len && self.cells[index].class() == class {
                index += 1;
            }
        }
        index
    }

    /// Columns from the start of `pos`'s line to `pos`.
    pub(super) fn column(&self, pos: usize) -> usize {
        self.cells[self.line_start(pos)..pos].iter().map(Cell::width).sum()
    }

    /// The position in the line starting at `start` that is furthest right
    /// without going past column `goal`; it never splits a wide cell.
    pub(super) fn at_column(&self, start: usize, goal: usize) -> usize {
        let mut column = 0;
        let mut index = start;
        while let Some(cell) = self.cells.get(index) {
            let width = cell.width();
            if cell.is_newline() || column + width > goal {
                break;
            }
            column += width;
            index += 1;
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_motions_skip_space_then_one_run() {
        let buffer = Buffer::from_text("let x = foo_bar(1);");
        assert_eq!(buffer.word_left(19), 17, "`);` is a run of punctuation after `1`");
        assert_eq!(buffer.word_left(15), 8);
        assert_eq!(buffer.word_right(5), 7);
        assert_eq!(buffer.word_right(8), 15);
    }

    #[test]
    fn a_fold_is_a_word_of_its_own() {
        let mut buffer = Buffer::from_text("ab ");
        buffer.insert_fold("x\n".repeat(9));
        buffer.insert_fold("y\n".repeat(9));
        assert_eq!(buffer.word_left(5), 4);
        assert_eq!(buffer.word_left(4), 3);
        assert_eq!(buffer.word_right(2), 4);
    }

    #[test]
    fn control_characters_are_dropped() {
        let buffer = Buffer::from_text("a\u{1b}[31mb\tc\n");
        assert_eq!(buffer.text(), "a[31mb\tc\n");
    }

    #[test]
    fn labels_count_lines_or_chars() {
        assert_eq!(Paste::new(1, "a\nb\nc\n".into()).label, "[Pasted text #1 +3 lines]");
        assert_eq!(Paste::new(2, "x".repeat(1200)).label, "[Pasted text #2 1200 chars]");
    }
}

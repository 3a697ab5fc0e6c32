//! Lays the composer's buffer out in a given width: wrapped rows and the
//! cursor's place among them.
//!
//! Rows break after a space where they can and inside a word only when it
//! is wider than the row. Invariant: no row is drawn wider than the width
//! (except one wide character in a width too narrow for it), and the cursor
//! is always on a row that exists in the returned lines.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::buffer::{Buffer, Cell, TAB_WIDTH};
use crate::theme::Theme;

/// One character on screen and the cell it belongs to.
#[derive(Debug, Clone, Copy)]
struct Glyph {
    ch: char,
    width: usize,
    /// Index of the buffer cell it draws.
    cell: usize,
    /// Whether it is part of a fold's label.
    folded: bool,
}

/// The buffer laid out in `width` columns: its lines, and the cursor's
/// (column, row) within them.
pub(super) fn layout(buffer: &Buffer, width: u16, theme: &Theme) -> (Vec<Line<'static>>, (u16, u16)) {
    let width = usize::from(width.max(1));
    let mut lines = Vec::new();
    let mut cursor = (0, 0);
    let mut glyphs = Vec::new();
    let mut start = 0;
    loop {
        let end = buffer.line_end(start);
        glyphs.clear();
        push_glyphs(buffer, start..end, &mut glyphs);
        let rows = wrap(&glyphs, width);
        let first_row = lines.len();
        for row in &rows {
            lines.push(render(&glyphs[row.clone()], width, theme));
        }
        if (start..=end).contains(&buffer.cursor) {
            let (column, row) = place_cursor(&glyphs, &rows, buffer.cursor, width);
            if row == rows.len() {
                // The cursor sits past a row filled to the width, and no
                // row follows in this line: it gets a row of its own.
                lines.insert(first_row + row, Line::default());
            }
            cursor = (column, first_row + row);
        }
        if end == buffer.cells.len() {
            break;
        }
        start = end + 1;
    }
    let clamp = |value: usize| u16::try_from(value).unwrap_or(u16::MAX);
    (lines, (clamp(cursor.0), clamp(cursor.1)))
}

/// Appends the glyphs drawing `cells` of `buffer` (one line, no newline).
fn push_glyphs(buffer: &Buffer, cells: Range<usize>, glyphs: &mut Vec<Glyph>) {
    for (cell, content) in buffer.cells[cells.clone()].iter().enumerate() {
        let cell = cells.start + cell;
        match content {
            Cell::Char('\t') => {
                let space = Glyph {
                    ch: ' ',
                    width: 1,
                    cell,
                    folded: false,
                };
                glyphs.extend(std::iter::repeat_n(space, TAB_WIDTH));
            }
            Cell::Char(ch) => {
                glyphs.push(Glyph {
                    ch: *ch,
                    width: ch.width().unwrap_or(0),
                    cell,
                    folded: false,
                });
            }
            Cell::Fold(paste) => {
                glyphs.extend(paste.label.chars().map(|ch| Glyph {
                    ch,
                    width: ch.width().unwrap_or(0),
                    cell,
                    folded: true,
                }));
            }
        }
    }
}

/// Splits one line's glyphs into rows of at most `width` columns. A space
/// that falls just past the width stays on its row, hanging off the edge
/// undrawn, so the next row does not start with it.
fn wrap(glyphs: &[Glyph], width: usize) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut column = 0;
    // Where the row may break: just after its latest space.
    let mut after_space = None;
    let mut index = 0;
    while let Some(glyph) = glyphs.get(index) {
        if column + glyph.width > width && index > start {
            if glyph.ch == ' ' && column == width {
                rows.push(start..index + 1);
                (start, column, after_space) = (index + 1, 0, None);
                index += 1;
                continue;
            }
            let end = after_space.unwrap_or(index);
            rows.push(start..end);
            column = glyphs[end..index].iter().map(|glyph| glyph.width).sum();
            (start, after_space) = (end, None);
            // The same glyph is tried again on the new row.
            continue;
        }
        column += glyph.width;
        index += 1;
        if glyph.ch == ' ' {
            after_space = Some(index);
        }
    }
    rows.push(start..glyphs.len());
    rows
}

/// One row as a line: plain text unstyled, fold labels dim, a hanging
/// space left out.
fn render(row: &[Glyph], width: usize, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    let mut text = String::new();
    let mut folded = false;
    let mut column = 0;
    for glyph in row {
        column += glyph.width;
        if column > width && glyph.ch == ' ' {
            break;
        }
        if glyph.folded != folded && !text.is_empty() {
            spans.push(span(std::mem::take(&mut text), folded, theme));
        }
        folded = glyph.folded;
        text.push(glyph.ch);
    }
    if !text.is_empty() {
        spans.push(span(text, folded, theme));
    }
    Line::from(spans)
}

fn span(text: String, folded: bool, theme: &Theme) -> Span<'static> {
    Span::styled(text, if folded { theme.dim() } else { Style::new() })
}

/// The cursor's (column, row) among `rows`, given it is at `cursor` in the
/// line the glyphs draw. A cursor that would stand at or past the width
/// goes to the start of the next row; that row may be one past the last.
fn place_cursor(glyphs: &[Glyph], rows: &[Range<usize>], cursor: usize, width: usize) -> (usize, usize) {
    let at = glyphs
        .iter()
        .position(|glyph| glyph.cell >= cursor)
        .unwrap_or(glyphs.len());
    let row = rows.iter().position(|row| row.contains(&at)).unwrap_or(rows.len() - 1);
    let column: usize = glyphs[rows[row].start..at].iter().map(|glyph| glyph.width).sum();
    if column >= width { (0, row + 1) } else { (column, row) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid_out(buffer: &Buffer, width: u16) -> (String, (u16, u16)) {
        let (lines, cursor) = layout(buffer, width, &Theme::new(false));
        let text = lines
            .iter()
            .map(|line| format!("|{line}|"))
            .collect::<Vec<_>>()
            .join("\n");
        (text, cursor)
    }

    fn at(text: &str, cursor: usize) -> Buffer {
        let mut buffer = Buffer::from_text(text);
        buffer.cursor = cursor;
        buffer
    }

    #[test]
    fn breaks_after_spaces_and_hangs_one_at_the_edge() {
        let (text, cursor) = laid_out(&Buffer::from_text("hello world, how are you"), 10);
        insta::assert_snapshot!(text, @r"
        |hello |
        |world, how|
        |are you|
        ");
        assert_eq!(cursor, (7, 2));
    }

    #[test]
    fn breaks_inside_a_word_longer_than_the_row() {
        let (text, cursor) = laid_out(&at("abcdefghijklm xy", 3), 5);
        insta::assert_snapshot!(text, @r"
        |abcde|
        |fghij|
        |klm |
        |xy|
        ");
        assert_eq!(cursor, (3, 0));
    }

    #[test]
    fn cursor_after_a_row_exactly_full_goes_to_a_new_row() {
        let (text, cursor) = laid_out(&Buffer::from_text("abcde"), 5);
        assert_eq!(text, "|abcde|\n||");
        assert_eq!(cursor, (0, 1));
        let (text, cursor) = laid_out(&at("abcde\nxy", 5), 5);
        assert_eq!(text, "|abcde|\n||\n|xy|");
        assert_eq!(cursor, (0, 1));
        let (text, cursor) = laid_out(&at("abcde\nxy", 4), 5);
        assert_eq!(text, "|abcde|\n|xy|");
        assert_eq!(cursor, (4, 0));
    }

    #[test]
    fn cursor_after_a_wrap_is_on_the_next_row() {
        let (_, cursor) = laid_out(&at("hello world", 8), 8);
        assert_eq!(cursor, (2, 1));
        let (_, cursor) = laid_out(&at("hello world", 6), 8);
        assert_eq!(cursor, (0, 1));
    }

    #[test]
    fn wide_characters_take_two_columns_and_never_split() {
        let (text, cursor) = laid_out(&Buffer::from_text("ab日本語"), 5);
        assert_eq!(text, "|ab日|\n|本語|");
        assert_eq!(cursor, (4, 1));
        // Before 本 is the start of the second row, not the end of the first.
        let (_, cursor) = laid_out(&at("ab日本語", 3), 5);
        assert_eq!(cursor, (0, 1));
        let (_, cursor) = laid_out(&at("ab日本語", 2), 5);
        assert_eq!(cursor, (2, 0));
        let (_, cursor) = laid_out(&at("ab日本語", 4), 5);
        assert_eq!(cursor, (2, 1));
    }

    #[test]
    fn folds_show_their_label_dim_and_tabs_as_spaces() {
        let mut buffer = Buffer::from_text("see\t");
        buffer.insert_fold("x\n".repeat(7));
        let (lines, cursor) = layout(&buffer, 40, &Theme::new(false));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].to_string(), "see    [Pasted text #1 +7 lines]");
        assert_eq!(lines[0].spans[1].style, Theme::new(false).dim());
        assert_eq!(cursor, (32, 0));
    }

    #[test]
    fn empty_draft_is_one_empty_line() {
        let (text, cursor) = laid_out(&Buffer::default(), 10);
        assert_eq!(text, "||");
        assert_eq!(cursor, (0, 0));
    }
}

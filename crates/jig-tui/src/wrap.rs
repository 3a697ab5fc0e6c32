//! Measuring, wrapping and truncating styled text for the terminal.
//!
//! Invariant: no line this module returns is wider than the width it was
//! asked for, as measured by [`width`], and a wide character (CJK, emoji) or
//! a character with combining marks is never split. Text is measured in
//! clusters: a character plus the zero-width characters that follow it
//! (combining marks, variation selectors, zero-width joiners and what they
//! join), which is how terminals and ratatui draw it. A tab counts as 4
//! columns and comes out as 4 spaces, a newline as a space, and other control
//! characters count as nothing and are dropped, because ratatui does not
//! draw them: what these functions return draws exactly as measured.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns a tab counts as (and the spaces it is replaced by).
const TAB_WIDTH: usize = 4;

/// Marks a character wider than the whole line (only possible at width 1).
const TOO_WIDE: &str = "…";

/// Columns `text` takes on a terminal: a tab counts as 4, a newline as 1,
/// other control characters as 0, everything else as unicode-width measures
/// each cluster.
pub fn width(text: &str) -> usize {
    let mut total = 0;
    for_each_cluster(text, |_, columns| total += columns);
    total
}

/// Word-wraps one styled line to `width` columns (0 is taken as 1): breaks at
/// spaces, keeps each span's style (with the line's own style folded into
/// the spans), breaks words longer than the width, never returns a line
/// wider than `width`, and returns at least one (possibly empty) line.
/// Leading indentation is kept on the first line only (at most `width - 1`
/// columns of it); the spaces at a break are dropped.
pub fn wrap(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    wrap_prefixed(line, width, &[], &[])
}

/// Like [`wrap`], but every output line starts with a prefix: `first` on the
/// first line, `rest` on the following ones (a hanging indent, a quote bar).
/// The prefixes count toward `width`; a prefix that leaves no room is cut so
/// that at least 1 column of content remains.
pub fn wrap_prefixed(
    line: &Line<'_>,
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    lay_out(line, width, first, rest, Mode::Words)
}

/// Like [`wrap_prefixed`], but breaks at the width wherever that falls and
/// keeps every space: for code, whose spacing is part of its meaning.
pub fn hard_wrap_prefixed(
    line: &Line<'_>,
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    lay_out(line, width, first, rest, Mode::Hard)
}

/// Cuts `text` to at most `width` columns, ending in "…" when cut. Tabs,
/// newlines and control characters are replaced as described in the module
/// documentation, so the result draws exactly as measured.
pub fn truncate(text: &str, width: usize) -> String {
    let fits = self::width(text) <= width;
    let budget = if fits { width } else { width.saturating_sub(1) };
    let mut out = String::new();
    let mut used = 0;
    let mut full = false;
    for_each_cluster(text, |cluster, columns| {
        if full || used + columns > budget {
            full = true;
            return;
        }
        used += columns;
        out.push_str(cluster);
    });
    if !fits && width > 0 {
        out.push_str(TOO_WIDE);
    }
    out
}

/// Calls `visit` with each cluster of `text` as it should be drawn, and its
/// columns.
fn for_each_cluster<'a>(text: &'a str, mut visit: impl FnMut(&'a str, usize)) {
    let mut start: Option<usize> = None;
    let mut joins_next = false;
    for (index, ch) in text.char_indices() {
        if ch.is_control() {
            if let Some(begin) = start.take() {
                let cluster = &text[begin..index];
                visit(cluster, cluster.width());
            }
            joins_next = false;
            match ch {
                '\t' => (0..TAB_WIDTH).for_each(|_| visit(" ", 1)),
                '\n' => visit(" ", 1),
                _ => {}
            }
            continue;
        }
        let extends = joins_next || ch.width() == Some(0) || is_emoji_modifier(ch);
        if !extends && let Some(begin) = start.replace(index) {
            let cluster = &text[begin..index];
            visit(cluster, cluster.width());
        }
        if start.is_none() {
            start = Some(index);
        }
        joins_next = ch == '\u{200D}';
    }
    if let Some(begin) = start {
        let cluster = &text[begin..];
        visit(cluster, cluster.width());
    }
}

/// Skin-tone modifiers are wide on their own but belong to the emoji before.
fn is_emoji_modifier(ch: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&ch)
}

/// One cluster with its style.
#[derive(Clone, Copy)]
struct Cell<'a> {
    text: &'a str,
    width: usize,
    style: Style,
}

impl Cell<'_> {
    fn is_space(&self) -> bool {
        self.text == " "
    }
}

fn cells<'a>(spans: &'a [Span<'_>], base: Style) -> Vec<Cell<'a>> {
    let mut out = Vec::new();
    for span in spans {
        let style = base.patch(span.style);
        for_each_cluster(&span.content, |text, width| out.push(Cell { text, width, style }));
    }
    out
}

fn cells_width(cells: &[Cell<'_>]) -> usize {
    cells.iter().map(|cell| cell.width).sum()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Words,
    Hard,
}

fn lay_out(
    line: &Line<'_>,
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
    mode: Mode,
) -> Vec<Line<'static>> {
    let width = width.max(1);
    let first = fit_prefix(cells(first, Style::default()), width);
    let rest = fit_prefix(cells(rest, Style::default()), width);
    let mut lines = Lines::new(width - cells_width(&first), width - cells_width(&rest));
    let content = cells(&line.spans, line.style);
    match mode {
        Mode::Words => fill_words(&mut lines, &content),
        Mode::Hard => content.iter().for_each(|cell| lines.push_breaking(*cell)),
    }
    let mut out = Vec::new();
    for (index, row) in lines.finish().into_iter().enumerate() {
        let prefix = if index == 0 { &first } else { &rest };
        let mut built = to_line(prefix.iter().chain(row.iter()));
        built.alignment = line.alignment;
        out.push(built);
    }
    out
}

/// Keeps at most `width - 1` columns of a prefix so content always has room.
fn fit_prefix(prefix: Vec<Cell<'_>>, width: usize) -> Vec<Cell<'_>> {
    if cells_width(&prefix) < width {
        return prefix;
    }
    let mut used = 0;
    prefix
        .into_iter()
        .take_while(|cell| {
            used += cell.width;
            used < width
        })
        .collect()
}

fn fill_words<'a>(lines: &mut Lines<'a>, content: &[Cell<'a>]) {
    let mut index = 0;
    while index < content.len() && content[index].is_space() {
        lines.push_indent(content[index]);
        index += 1;
    }
    while index < content.len() {
        let spaces_start = index;
        while index < content.len() && content[index].is_space() {
            index += 1;
        }
        let word_start = index;
        while index < content.len() && !content[index].is_space() {
            index += 1;
        }
        lines.push_word(&content[spaces_start..word_start], &content[word_start..index]);
    }
}

/// The lines being built, each with the columns its prefix leaves.
struct Lines<'a> {
    done: Vec<Vec<Cell<'a>>>,
    current: Vec<Cell<'a>>,
    used: usize,
    /// Whether `current` holds more than indentation.
    has_content: bool,
    first_width: usize,
    rest_width: usize,
}

impl<'a> Lines<'a> {
    fn new(first_width: usize, rest_width: usize) -> Self {
        Lines {
            done: Vec::new(),
            current: Vec::new(),
            used: 0,
            has_content: false,
            first_width,
            rest_width,
        }
    }

    fn limit(&self) -> usize {
        if self.done.is_empty() {
            self.first_width
        } else {
            self.rest_width
        }
    }

    fn room(&self) -> usize {
        self.limit().saturating_sub(self.used)
    }

    fn break_line(&mut self) {
        self.done.push(std::mem::take(&mut self.current));
        self.used = 0;
        self.has_content = false;
    }

    fn push(&mut self, cell: Cell<'a>) {
        self.used += cell.width;
        self.has_content = true;
        self.current.push(cell);
    }

    /// Indentation keeps a column free so the first word can start on it.
    fn push_indent(&mut self, cell: Cell<'a>) {
        if self.used + cell.width < self.limit() {
            self.used += cell.width;
            self.current.push(cell);
        }
    }

    /// Pushes `cell`, starting a new line when it does not fit; a cluster
    /// wider than a whole line is replaced by a mark that fits.
    fn push_breaking(&mut self, cell: Cell<'a>) {
        if cell.width > self.room() && self.used > 0 {
            self.break_line();
        }
        if cell.width > self.room() {
            self.push(Cell {
                text: TOO_WIDE,
                width: 1,
                style: cell.style,
            });
        } else {
            self.push(cell);
        }
    }

    fn push_word(&mut self, spaces: &[Cell<'a>], word: &[Cell<'a>]) {
        let spaces_width = cells_width(spaces);
        let word_width = cells_width(word);
        if word.is_empty() {
            // Trailing spaces are kept only where they fit.
            for space in spaces.iter().take(self.room()) {
                self.push(*space);
            }
            return;
        }
        if spaces_width + word_width <= self.room() {
            spaces.iter().chain(word).for_each(|cell| self.push(*cell));
            return;
        }
        let long = word_width > self.rest_width;
        if self.has_content && (!long || spaces_width >= self.room()) {
            self.break_line();
        } else if self.has_content {
            // A word too long for any line starts right here, like text does.
            spaces.iter().for_each(|cell| self.push(*cell));
        }
        word.iter().for_each(|cell| self.push_breaking(*cell));
    }

    fn finish(mut self) -> Vec<Vec<Cell<'a>>> {
        self.done.push(self.current);
        self.done
    }
}

/// Joins cells into a line, one span per run of the same style.
fn to_line<'c, 'a: 'c>(cells: impl Iterator<Item = &'c Cell<'a>>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style: Option<Style> = None;
    for cell in cells {
        if style.is_some_and(|current| current != cell.style) {
            spans.push(Span::styled(std::mem::take(&mut text), style.unwrap_or_default()));
        }
        style = Some(cell.style);
        text.push_str(cell.text);
    }
    if let Some(style) = style {
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect())
            .collect()
    }

    fn assert_fits(lines: &[Line<'_>], columns: usize) {
        for line in lines {
            let text: String = line.spans.iter().map(|span| span.content.as_ref()).collect();
            assert!(width(&text) <= columns, "{text:?} is wider than {columns}");
        }
    }

    #[test]
    fn width_counts_wide_tabs_and_clusters() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("日本"), 4);
        assert_eq!(width("a\tb"), 6);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("👍🏽"), 2);
        assert_eq!(width("a\u{1b}b"), 2);
        assert_eq!(width(""), 0);
    }

    #[test]
    fn wraps_at_spaces_to_exact_widths() {
        let lines = wrap(&Line::from("the quick brown fox jumps"), 10);
        assert_eq!(plain(&lines), ["the quick", "brown fox", "jumps"]);
        let exact = wrap(&Line::from("abcde fghij"), 5);
        assert_eq!(plain(&exact), ["abcde", "fghij"]);
        let one = wrap(&Line::from("abcde fghij"), 11);
        assert_eq!(plain(&one), ["abcde fghij"]);
    }

    #[test]
    fn styles_survive_breaks() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let red = Style::new().fg(Color::Red);
        let line = Line::from(vec![
            Span::styled("bold words here ", bold),
            Span::styled("red tail", red),
        ]);
        let lines = wrap(&line, 10);
        assert_eq!(plain(&lines), ["bold words", "here red", "tail"]);
        assert_eq!(lines[0].spans, vec![Span::styled("bold words", bold)]);
        assert_eq!(
            lines[1].spans,
            vec![Span::styled("here ", bold), Span::styled("red", red)]
        );
        assert_eq!(lines[2].spans, vec![Span::styled("tail", red)]);
    }

    #[test]
    fn line_style_is_folded_into_spans() {
        let line = Line::from("a b").style(Style::new().fg(Color::Green));
        let lines = wrap(&line, 1);
        assert_eq!(lines[1].spans[0].style.fg, Some(Color::Green));
    }

    #[test]
    fn long_words_are_broken() {
        let lines = wrap(&Line::from("see abcdefghijklmnop"), 8);
        assert_eq!(plain(&lines), ["see abcd", "efghijkl", "mnop"]);
        let alone = wrap(&Line::from("abcdefghij"), 4);
        assert_eq!(plain(&alone), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn wide_characters_are_not_split() {
        let lines = wrap(&Line::from("日本語のテキスト"), 5);
        assert_eq!(plain(&lines), ["日本", "語の", "テキ", "スト"]);
        assert_fits(&lines, 5);
        let narrow = wrap(&Line::from("日x"), 1);
        assert_eq!(plain(&narrow), ["…", "x"]);
        let emoji = wrap(&Line::from("ok 👍🏽 done"), 5);
        assert_eq!(plain(&emoji), ["ok 👍🏽", "done"]);
    }

    #[test]
    fn empty_line_gives_one_empty_line() {
        let lines = wrap(&Line::default(), 10);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].spans.is_empty());
    }

    #[test]
    fn indentation_stays_on_the_first_line() {
        let lines = wrap(&Line::from("    indented text wraps"), 12);
        assert_eq!(plain(&lines), ["    indented", "text wraps"]);
        let tabbed = wrap(&Line::from("\tx"), 20);
        assert_eq!(plain(&tabbed), ["    x"]);
    }

    #[test]
    fn prefixes_count_toward_the_width() {
        let first = [Span::raw("• ")];
        let rest = [Span::raw("  ")];
        let lines = wrap_prefixed(&Line::from("one two three four"), 9, &first, &rest);
        assert_eq!(plain(&lines), ["• one two", "  three", "  four"]);
        assert_fits(&lines, 9);
    }

    #[test]
    fn prefixes_leave_at_least_one_column() {
        let bar = [Span::raw("│ │ │ ")];
        let lines = wrap_prefixed(&Line::from("ab"), 3, &bar, &bar);
        assert_eq!(plain(&lines), ["│ a", "│ b"]);
        let tiny = wrap_prefixed(&Line::from("ab"), 1, &bar, &bar);
        assert_eq!(plain(&tiny), ["a", "b"]);
    }

    #[test]
    fn hard_wrap_keeps_spaces() {
        let indent = [Span::raw("  ")];
        let lines = hard_wrap_prefixed(&Line::from("let  x = 1;"), 6, &indent, &indent);
        assert_eq!(plain(&lines), ["  let ", "   x =", "   1;"]);
    }

    #[test]
    fn truncate_cuts_with_an_ellipsis() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語", 4), "日…");
        assert_eq!(truncate("日本語", 5), "日本…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("a\tb", 20), "a    b");
    }
}

//! The composer: the multi-line box where the person types prompts,
//! interjections and slash commands.
//!
//! The app handles its global keys first (Esc, Ctrl-C, Tab, paging, the
//! completion popup) and gives the rest to [`Composer::handle_key`]. A key
//! costs at most work proportional to the draft, so typing never lags.
//! Large pastes are folded behind a label and expanded again on submit.
//! Invariant: the cursor is always between two cells of the draft (a cell
//! being one character or one whole folded paste), never inside a label.

mod buffer;
mod draft;
mod keys;
mod layout;
mod store;

use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui::text::Line;

use self::buffer::{Buffer, Cell};
pub use self::draft::Draft;
use self::keys::Action;
pub use self::store::{DraftStore, HISTORY_LIMIT, HistoryFile};
use crate::theme::Theme;

/// A paste with more lines than this is folded.
pub const FOLD_LINES: usize = 5;
/// A paste with more characters than this is folded.
pub const FOLD_CHARS: usize = 1000;

/// What a key did to the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The draft was sent: its full text, pastes expanded. The composer is
    /// empty again and the text is in its history.
    Submitted(String),
    /// The draft's text changed (which may also move the cursor).
    Changed,
    /// Only the cursor moved.
    Moved,
    /// The key means nothing here, or changed nothing (Left at the very
    /// start, Up with no older history): the app may use it.
    Unhandled,
}

/// Where the cursor goes in an entry recalled from history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recall {
    /// End of its first line, so a further Up goes on back in history.
    FirstLineEnd,
    /// End of its last line, so a further Down goes on forward.
    End,
}

/// The input box: a draft with a cursor, the history it recalls, and the
/// draft put aside while history is browsed.
#[derive(Debug, Clone, Default)]
pub struct Composer {
    buffer: Buffer,
    /// Sent prompts, oldest first.
    history: Vec<String>,
    /// The history entry shown, while browsing.
    browsing: Option<usize>,
    /// The unsent draft, put aside while browsing; it comes back when Down
    /// goes past the newest entry.
    kept: Option<Buffer>,
    /// The column Up and Down aim for, kept across a run of them so that
    /// passing a short line does not pull the cursor left for good.
    goal_column: Option<usize>,
}

impl Composer {
    /// An empty composer without history.
    pub fn new() -> Self {
        Composer::default()
    }

    /// An empty composer recalling `entries`, oldest first.
    pub fn with_history(entries: Vec<String>) -> Self {
        Composer {
            history: entries,
            ..Composer::default()
        }
    }

    /// Applies `key`; release events are [`Outcome::Unhandled`].
    pub fn handle_key(&mut self, key: KeyEvent) -> Outcome {
        if key.kind == KeyEventKind::Release {
            return Outcome::Unhandled;
        }
        let Some(action) = keys::action(&key) else {
            return Outcome::Unhandled;
        };
        if !matches!(action, Action::Up | Action::Down) {
            self.goal_column = None;
        }
        match action {
            Action::Insert(c) => changed(self.buffer.insert_char(c)),
            Action::Newline => changed(self.buffer.insert_char('\n')),
            Action::Submit => self.submit(),
            Action::Up => self.up(),
            Action::Down => self.down(),
            _ => self.edit(action),
        }
    }

    /// Inserts a bracketed paste at the cursor: folded behind a label when
    /// large (more than [`FOLD_LINES`] lines or [`FOLD_CHARS`] characters),
    /// as typed text otherwise. Line endings become `\n`.
    pub fn paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if text.is_empty() {
            return;
        }
        self.goal_column = None;
        if text.lines().count() > FOLD_LINES || text.chars().count() > FOLD_CHARS {
            self.buffer.insert_fold(text);
        } else {
            self.buffer.insert_str(&text);
        }
    }

    /// What submitting would send: the draft with its pastes expanded.
    pub fn text(&self) -> String {
        self.buffer.text()
    }

    /// Whether the draft is empty (a draft of spaces is not).
    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// Replaces the draft with `text` as typed, cursor at the end. History
    /// browsing stops, and a draft put aside for it is dropped.
    pub fn set_text(&mut self, text: &str) {
        self.reset(Buffer::from_text(text));
    }

    /// Empties the composer and returns what it held, recording it in the
    /// history unless it is blank or repeats the newest entry.
    pub fn take(&mut self) -> String {
        let text = self.buffer.text();
        self.reset(Buffer::default());
        let repeat = self.history.last().is_some_and(|last| *last == text);
        if !text.trim().is_empty() && !repeat {
            self.history.push(text.clone());
        }
        text
    }

    /// A snapshot of the draft shown: text, folded pastes and cursor.
    pub fn draft(&self) -> Draft {
        Draft::from(&self.buffer)
    }

    /// Shows `draft` in place of the current one; history browsing stops.
    pub fn restore(&mut self, draft: Draft) {
        self.reset(Buffer::from(draft));
    }

    /// The prompts it can recall, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// The composer laid out in `width` columns: its lines (wrapped, folded
    /// pastes shown as their label in [`Theme::dim`]), and the cursor's
    /// (column, row) within them. The lines are already wrapped, so draw
    /// them without wrapping again.
    pub fn layout(&self, width: u16, theme: &Theme) -> (Vec<Line<'static>>, (u16, u16)) {
        layout::layout(&self.buffer, width, theme)
    }

    fn reset(&mut self, buffer: Buffer) {
        self.buffer = buffer;
        self.browsing = None;
        self.kept = None;
        self.goal_column = None;
    }

    /// Enter: a backslash just before the cursor becomes a line break;
    /// otherwise a draft with something in it is sent.
    fn submit(&mut self) -> Outcome {
        if matches!(self.buffer.before_cursor(), Some(Cell::Char('\\'))) {
            let at = self.buffer.cursor - 1;
            self.buffer.cells[at] = Cell::Char('\n');
            return Outcome::Changed;
        }
        if self.buffer.is_blank() {
            return Outcome::Unhandled;
        }
        Outcome::Submitted(self.take())
    }

    /// Editing and motion that stay within the draft.
    fn edit(&mut self, action: Action) -> Outcome {
        let buffer = &mut self.buffer;
        let (cursor, len) = (buffer.cursor, buffer.cells.len());
        match action {
            Action::Backspace => changed(buffer.delete(cursor.saturating_sub(1)..cursor)),
            Action::Delete => changed(buffer.delete(cursor..(cursor + 1).min(len))),
            Action::DeleteWordBefore => changed(buffer.delete(buffer.word_left(cursor)..cursor)),
            Action::DeleteWordAfter => changed(buffer.delete(cursor..buffer.word_right(cursor))),
            Action::DeleteToLineStart => {
                // At the start of a line, join it to the one above instead.
                let start = match buffer.line_start(cursor) {
                    start if start == cursor => cursor.saturating_sub(1),
                    start => start,
                };
                changed(buffer.delete(start..cursor))
            }
            Action::DeleteToLineEnd => {
                let end = match buffer.line_end(cursor) {
                    end if end == cursor => (cursor + 1).min(len),
                    end => end,
                };
                changed(buffer.delete(cursor..end))
            }
            Action::Left => self.move_to(cursor.saturating_sub(1)),
            Action::Right => self.move_to((cursor + 1).min(len)),
            Action::LineStart => self.move_to(self.buffer.line_start(cursor)),
            Action::LineEnd => self.move_to(self.buffer.line_end(cursor)),
            Action::DraftStart => self.move_to(0),
            Action::DraftEnd => self.move_to(len),
            Action::WordLeft => self.move_to(self.buffer.word_left(cursor)),
            Action::WordRight => self.move_to(self.buffer.word_right(cursor)),
            Action::Insert(_) | Action::Newline | Action::Submit | Action::Up | Action::Down => Outcome::Unhandled,
        }
    }

    fn move_to(&mut self, pos: usize) -> Outcome {
        if pos == self.buffer.cursor {
            return Outcome::Unhandled;
        }
        self.buffer.cursor = pos;
        Outcome::Moved
    }

    /// Up: to the line above, or from the first line to older history.
    fn up(&mut self) -> Outcome {
        let start = self.buffer.line_start(self.buffer.cursor);
        if start == 0 {
            return self.recall_older();
        }
        let goal = self.goal();
        let above = self.buffer.line_start(start - 1);
        self.buffer.cursor = self.buffer.at_column(above, goal);
        Outcome::Moved
    }

    /// Down: to the line below, or from the last line to newer history.
    fn down(&mut self) -> Outcome {
        let end = self.buffer.line_end(self.buffer.cursor);
        if end == self.buffer.cells.len() {
            return self.recall_newer();
        }
        let goal = self.goal();
        self.buffer.cursor = self.buffer.at_column(end + 1, goal);
        Outcome::Moved
    }

    fn goal(&mut self) -> usize {
        *self
            .goal_column
            .get_or_insert_with(|| self.buffer.column(self.buffer.cursor))
    }

    fn recall_older(&mut self) -> Outcome {
        let index = match self.browsing {
            None => self.history.len().checked_sub(1),
            Some(index) => index.checked_sub(1),
        };
        let Some(index) = index else {
            return Outcome::Unhandled;
        };
        if self.browsing.is_none() {
            self.kept = Some(std::mem::take(&mut self.buffer));
        }
        self.show_entry(index, Recall::FirstLineEnd);
        Outcome::Changed
    }

    fn recall_newer(&mut self) -> Outcome {
        let Some(index) = self.browsing else {
            return Outcome::Unhandled;
        };
        if index + 1 < self.history.len() {
            self.show_entry(index + 1, Recall::End);
        } else {
            self.buffer = self.kept.take().unwrap_or_default();
            self.browsing = None;
            self.goal_column = None;
        }
        Outcome::Changed
    }

    /// Shows history entry `index`. Edits made to an entry shown before are
    /// dropped: entries stay as they were sent.
    fn show_entry(&mut self, index: usize, recall: Recall) {
        let Some(entry) = self.history.get(index) else {
            return;
        };
        self.buffer = Buffer::from_text(entry);
        if recall == Recall::FirstLineEnd {
            self.buffer.cursor = self.buffer.line_end(0);
        }
        self.browsing = Some(index);
        self.goal_column = None;
    }
}

fn changed(did: bool) -> Outcome {
    if did { Outcome::Changed } else { Outcome::Unhandled }
}

#[cfg(test)]
mod tests;

//! The session picker (`jig resume` with no id, `/resume`, `/sessions`):
//! recorded sessions newest first, narrowed as the person types.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A recorded session as the picker lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    /// Session id.
    pub id: String,
    /// When it was created (RFC 3339).
    pub created: String,
    /// Its model.
    pub model: String,
    /// Its workspace.
    pub cwd: String,
    /// Its first message, on one line.
    pub title: String,
}

/// The picker's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    entries: Vec<SessionEntry>,
    /// What is typed to narrow the list.
    pub query: String,
    /// The highlighted row of the narrowed list.
    pub selected: usize,
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// This session was chosen.
    Chosen(String),
    /// The picker was closed without a choice.
    Closed,
    /// Nothing to do outside.
    Handled,
}

impl Picker {
    /// A picker over `entries`, newest first.
    pub fn new(mut entries: Vec<SessionEntry>) -> Self {
        entries.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
        Picker {
            entries,
            query: String::new(),
            selected: 0,
        }
    }

    /// The sessions matching the query: every word of it appears (ignoring
    /// case) in the id, title, model or directory.
    pub fn matches(&self) -> Vec<&SessionEntry> {
        let words: Vec<String> = self.query.split_whitespace().map(str::to_lowercase).collect();
        self.entries
            .iter()
            .filter(|entry| {
                let haystack = format!("{} {} {} {}", entry.id, entry.title, entry.model, entry.cwd).to_lowercase();
                words.iter().all(|word| haystack.contains(word.as_str()))
            })
            .collect()
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> Picked {
        let count = self.matches().len();
        match key.code {
            KeyCode::Esc => return Picked::Closed,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Picked::Closed,
            KeyCode::Enter => {
                return match self.matches().get(self.selected) {
                    Some(entry) => Picked::Chosen(entry.id.clone()),
                    None => Picked::Handled,
                };
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down if count > 0 => self.selected = (self.selected + 1).min(count - 1),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown if count > 0 => self.selected = (self.selected + 10).min(count - 1),
            KeyCode::Backspace => {
                self.query.pop();
                self.selected = 0;
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.query.push(c);
                self.selected = 0;
            }
            _ => {}
        }
        Picked::Handled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, created: &str, title: &str) -> SessionEntry {
        SessionEntry {
            id: id.into(),
            created: created.into(),
            model: "scripted:x".into(),
            cwd: "/w".into(),
            title: title.into(),
        }
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn newest_first_and_narrowed_by_typing() {
        let mut picker = Picker::new(vec![
            entry("a", "2026-01-01T00:00:00Z", "fix the parser"),
            entry("b", "2026-02-01T00:00:00Z", "write docs"),
            entry("c", "2026-03-01T00:00:00Z", "parser speed"),
        ]);
        let ids: Vec<&str> = picker.matches().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
        for c in "PARSER".chars() {
            picker.on_key(key(KeyCode::Char(c)));
        }
        let ids: Vec<&str> = picker.matches().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["c", "a"]);
        picker.on_key(key(KeyCode::Down));
        assert_eq!(picker.on_key(key(KeyCode::Enter)), Picked::Chosen("a".into()));
        assert_eq!(picker.on_key(key(KeyCode::Esc)), Picked::Closed);
    }
}

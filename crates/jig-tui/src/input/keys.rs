//! Which composer action a key press stands for.
//!
//! The mapping is a pure function of the key, kept apart from the editing
//! so that the bindings can be read (and tested) in one place. Invariant: a
//! key that maps to no action is one the app may use for itself.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Something a key asks the composer to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Put this character at the cursor.
    Insert(char),
    /// Put a line break at the cursor.
    Newline,
    /// Send the draft (or turn a trailing backslash into a line break).
    Submit,
    /// Delete the cell before the cursor.
    Backspace,
    /// Delete the cell after the cursor.
    Delete,
    /// One cell left.
    Left,
    /// One cell right.
    Right,
    /// One line up, or back in history from the first line.
    Up,
    /// One line down, or forward in history from the last line.
    Down,
    /// Start of the current line.
    LineStart,
    /// End of the current line.
    LineEnd,
    /// Start of the whole draft.
    DraftStart,
    /// End of the whole draft.
    DraftEnd,
    /// Start of the word before the cursor.
    WordLeft,
    /// End of the word after the cursor.
    WordRight,
    /// Delete back to the start of the word before the cursor.
    DeleteWordBefore,
    /// Delete up to the end of the word after the cursor.
    DeleteWordAfter,
    /// Delete back to the start of the line (or the line break before it).
    DeleteToLineStart,
    /// Delete up to the end of the line (or the line break after it).
    DeleteToLineEnd,
}

/// The action `key` stands for, if any. Release events are the caller's
/// business; this looks only at the code and the modifiers.
pub(super) fn action(key: &KeyEvent) -> Option<Action> {
    let mods = key.modifiers;
    let plain = mods.difference(KeyModifiers::SHIFT).is_empty();
    let ctrl = mods == KeyModifiers::CONTROL;
    let alt = mods == KeyModifiers::ALT;
    // Ctrl and Alt are interchangeable for word-wise keys: terminals and
    // platforms disagree on which one they send for "by word".
    let wordwise = ctrl || alt;
    match key.code {
        KeyCode::Char(c) => char_action(c, mods),
        KeyCode::Enter if mods.is_empty() => Some(Action::Submit),
        KeyCode::Enter if mods == KeyModifiers::SHIFT || alt => Some(Action::Newline),
        KeyCode::Backspace if plain => Some(Action::Backspace),
        KeyCode::Backspace if wordwise => Some(Action::DeleteWordBefore),
        KeyCode::Delete if plain => Some(Action::Delete),
        KeyCode::Delete if wordwise => Some(Action::DeleteWordAfter),
        KeyCode::Left if mods.is_empty() => Some(Action::Left),
        KeyCode::Left if wordwise => Some(Action::WordLeft),
        KeyCode::Right if mods.is_empty() => Some(Action::Right),
        KeyCode::Right if wordwise => Some(Action::WordRight),
        // Modified Up/Down are left to the app (scrolling, say).
        KeyCode::Up if mods.is_empty() => Some(Action::Up),
        KeyCode::Down if mods.is_empty() => Some(Action::Down),
        KeyCode::Home if mods.is_empty() => Some(Action::LineStart),
        KeyCode::Home if ctrl => Some(Action::DraftStart),
        KeyCode::End if mods.is_empty() => Some(Action::LineEnd),
        KeyCode::End if ctrl => Some(Action::DraftEnd),
        _ => None,
    }
}

fn char_action(c: char, mods: KeyModifiers) -> Option<Action> {
    let without_shift = mods.difference(KeyModifiers::SHIFT);
    // Windows reports AltGr (how many layouts type `@`, `{`, `\`) as
    // Ctrl+Alt; such a key is a character, not a shortcut.
    if without_shift.is_empty() || without_shift == KeyModifiers::CONTROL | KeyModifiers::ALT {
        return Some(Action::Insert(c));
    }
    if mods == KeyModifiers::CONTROL {
        return match c {
            'a' => Some(Action::LineStart),
            'e' => Some(Action::LineEnd),
            // In raw mode Ctrl+J arrives as itself, not as Enter: the
            // terminal's newline translation is off.
            'j' => Some(Action::Newline),
            // What many terminals send for Backspace; readline's binding.
            'h' => Some(Action::Backspace),
            'w' => Some(Action::DeleteWordBefore),
            'u' => Some(Action::DeleteToLineStart),
            'k' => Some(Action::DeleteToLineEnd),
            _ => None,
        };
    }
    if mods == KeyModifiers::ALT {
        return match c {
            'b' => Some(Action::WordLeft),
            'f' => Some(Action::WordRight),
            'd' => Some(Action::DeleteWordAfter),
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        action(&KeyEvent::new(code, mods))
    }

    #[test]
    fn characters_insert_with_or_without_shift_and_with_altgr() {
        assert_eq!(key(KeyCode::Char('a'), KeyModifiers::NONE), Some(Action::Insert('a')));
        assert_eq!(key(KeyCode::Char('A'), KeyModifiers::SHIFT), Some(Action::Insert('A')));
        let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
        assert_eq!(key(KeyCode::Char('@'), altgr), Some(Action::Insert('@')));
    }

    #[test]
    fn enter_variants() {
        assert_eq!(key(KeyCode::Enter, KeyModifiers::NONE), Some(Action::Submit));
        assert_eq!(key(KeyCode::Enter, KeyModifiers::SHIFT), Some(Action::Newline));
        assert_eq!(key(KeyCode::Enter, KeyModifiers::ALT), Some(Action::Newline));
        assert_eq!(key(KeyCode::Char('j'), KeyModifiers::CONTROL), Some(Action::Newline));
        assert_eq!(key(KeyCode::Enter, KeyModifiers::CONTROL), None);
    }

    #[test]
    fn shortcuts_the_app_owns_are_left_alone() {
        assert_eq!(key(KeyCode::Char('c'), KeyModifiers::CONTROL), None);
        assert_eq!(key(KeyCode::Tab, KeyModifiers::NONE), None);
        assert_eq!(key(KeyCode::Esc, KeyModifiers::NONE), None);
        assert_eq!(key(KeyCode::Up, KeyModifiers::SHIFT), None);
        assert_eq!(key(KeyCode::PageUp, KeyModifiers::NONE), None);
    }
}

//! The composer driven through its public API, key by key.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;

fn press(composer: &mut Composer, code: KeyCode) -> Outcome {
    composer.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chord(composer: &mut Composer, code: KeyCode, modifiers: KeyModifiers) -> Outcome {
    composer.handle_key(KeyEvent::new(code, modifiers))
}

fn ctrl(composer: &mut Composer, c: char) -> Outcome {
    chord(composer, KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(composer: &mut Composer, text: &str) {
    for c in text.chars() {
        let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
        let modifiers = if c == '\n' {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        assert_eq!(chord(composer, code, modifiers), Outcome::Changed, "typing {c:?}");
    }
}

/// The text with `|` where the cursor is.
fn shown(composer: &Composer) -> String {
    let draft = composer.draft();
    let mut text = Buffer::from(draft.clone()).cells;
    let cursor = Buffer::from(draft).cursor;
    text.insert(cursor, Cell::Char('|'));
    text.iter()
        .map(|cell| match cell {
            Cell::Char(c) => c.to_string(),
            Cell::Fold(paste) => paste.label.clone(),
        })
        .collect()
}

#[test]
fn typing_then_enter_submits_and_empties() {
    let mut composer = Composer::new();
    type_text(&mut composer, "Hello, wörld");
    assert_eq!(
        chord(&mut composer, KeyCode::Char('!'), KeyModifiers::SHIFT),
        Outcome::Changed
    );
    assert_eq!(composer.text(), "Hello, wörld!");
    assert_eq!(
        press(&mut composer, KeyCode::Enter),
        Outcome::Submitted("Hello, wörld!".into())
    );
    assert!(composer.is_empty());
    assert_eq!(composer.history(), ["Hello, wörld!"]);
}

#[test]
fn enter_on_a_blank_draft_is_unhandled() {
    let mut composer = Composer::new();
    assert_eq!(press(&mut composer, KeyCode::Enter), Outcome::Unhandled);
    type_text(&mut composer, "  \n ");
    assert_eq!(press(&mut composer, KeyCode::Enter), Outcome::Unhandled);
    assert_eq!(composer.text(), "  \n ");
}

#[test]
fn backslash_enter_becomes_a_newline() {
    let mut composer = Composer::new();
    type_text(&mut composer, "first\\");
    assert_eq!(press(&mut composer, KeyCode::Enter), Outcome::Changed);
    type_text(&mut composer, "second");
    assert_eq!(composer.text(), "first\nsecond");
    assert_eq!(
        press(&mut composer, KeyCode::Enter),
        Outcome::Submitted("first\nsecond".into())
    );
}

#[test]
fn shift_enter_alt_enter_and_ctrl_j_insert_newlines() {
    let mut composer = Composer::new();
    type_text(&mut composer, "a");
    assert_eq!(
        chord(&mut composer, KeyCode::Enter, KeyModifiers::SHIFT),
        Outcome::Changed
    );
    assert_eq!(
        chord(&mut composer, KeyCode::Enter, KeyModifiers::ALT),
        Outcome::Changed
    );
    assert_eq!(ctrl(&mut composer, 'j'), Outcome::Changed);
    type_text(&mut composer, "b");
    assert_eq!(composer.text(), "a\n\n\nb");
}

#[test]
fn release_events_are_unhandled() {
    let mut composer = Composer::new();
    let mut key = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    key.kind = KeyEventKind::Release;
    assert_eq!(composer.handle_key(key), Outcome::Unhandled);
    key.kind = KeyEventKind::Repeat;
    assert_eq!(composer.handle_key(key), Outcome::Changed);
    assert_eq!(composer.text(), "x");
}

#[test]
fn cursor_moves_by_character_across_wide_and_multibyte_chars() {
    let mut composer = Composer::new();
    type_text(&mut composer, "a日本é");
    let theme = Theme::new(false);
    assert_eq!(composer.layout(20, &theme).1, (6, 0));
    assert_eq!(press(&mut composer, KeyCode::Left), Outcome::Moved);
    assert_eq!(composer.layout(20, &theme).1, (5, 0));
    press(&mut composer, KeyCode::Left);
    assert_eq!(shown(&composer), "a日|本é");
    assert_eq!(composer.layout(20, &theme).1, (3, 0));
    assert_eq!(press(&mut composer, KeyCode::Backspace), Outcome::Changed);
    assert_eq!(shown(&composer), "a|本é");
    type_text(&mut composer, "ü");
    assert_eq!(press(&mut composer, KeyCode::Right), Outcome::Moved);
    assert_eq!(press(&mut composer, KeyCode::Delete), Outcome::Changed);
    assert_eq!(shown(&composer), "aü本|");
    assert_eq!(press(&mut composer, KeyCode::Right), Outcome::Unhandled);
    assert_eq!(press(&mut composer, KeyCode::Home), Outcome::Moved);
    assert_eq!(press(&mut composer, KeyCode::Left), Outcome::Unhandled);
    assert_eq!(press(&mut composer, KeyCode::Backspace), Outcome::Unhandled);
}

#[test]
fn line_and_word_keys() {
    let mut composer = Composer::new();
    type_text(&mut composer, "one two\nthree four-five");
    assert_eq!(ctrl(&mut composer, 'w'), Outcome::Changed);
    assert_eq!(shown(&composer), "one two\nthree four-|");
    assert_eq!(
        chord(&mut composer, KeyCode::Backspace, KeyModifiers::ALT),
        Outcome::Changed
    );
    assert_eq!(shown(&composer), "one two\nthree four|");
    chord(&mut composer, KeyCode::Char('b'), KeyModifiers::ALT);
    assert_eq!(shown(&composer), "one two\nthree |four");
    chord(&mut composer, KeyCode::Left, KeyModifiers::CONTROL);
    assert_eq!(shown(&composer), "one two\n|three four");
    chord(&mut composer, KeyCode::Char('f'), KeyModifiers::ALT);
    assert_eq!(shown(&composer), "one two\nthree| four");
    ctrl(&mut composer, 'a');
    assert_eq!(shown(&composer), "one two\n|three four");
    ctrl(&mut composer, 'e');
    assert_eq!(shown(&composer), "one two\nthree four|");
    press(&mut composer, KeyCode::Up);
    assert_eq!(shown(&composer), "one two|\nthree four");
    ctrl(&mut composer, 'a');
    press(&mut composer, KeyCode::Right);
    assert_eq!(ctrl(&mut composer, 'k'), Outcome::Changed);
    assert_eq!(shown(&composer), "o|\nthree four");
    assert_eq!(
        ctrl(&mut composer, 'k'),
        Outcome::Changed,
        "at the end of a line, Ctrl+K joins the next"
    );
    assert_eq!(shown(&composer), "o|three four");
    assert_eq!(ctrl(&mut composer, 'u'), Outcome::Changed);
    assert_eq!(shown(&composer), "|three four");
    assert_eq!(ctrl(&mut composer, 'u'), Outcome::Unhandled);
}

#[test]
fn up_and_down_move_between_lines_keeping_the_column() {
    let mut composer = Composer::new();
    type_text(&mut composer, "a long first line\nab\nanother long line");
    press(&mut composer, KeyCode::Left);
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Moved);
    assert_eq!(shown(&composer), "a long first line\nab|\nanother long line");
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Moved);
    assert_eq!(shown(&composer), "a long first lin|e\nab\nanother long line");
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Moved);
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Moved);
    assert_eq!(shown(&composer), "a long first line\nab\nanother long lin|e");
}

#[test]
fn up_and_down_walk_history_and_bring_back_the_kept_draft() {
    let history = vec![
        "oldest".to_string(),
        "older\nsecond line".to_string(),
        "newest".to_string(),
    ];
    let mut composer = Composer::with_history(history);
    type_text(&mut composer, "unsent\ndraft");
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Moved);
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Changed);
    assert_eq!(shown(&composer), "newest|");
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Changed);
    assert_eq!(
        shown(&composer),
        "older|\nsecond line",
        "a further Up keeps walking back"
    );
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Changed);
    assert_eq!(shown(&composer), "oldest|");
    assert_eq!(press(&mut composer, KeyCode::Up), Outcome::Unhandled, "nothing older");
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Changed);
    assert_eq!(shown(&composer), "older\nsecond line|");
    // Edits to an entry are dropped when moving on.
    type_text(&mut composer, "!");
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Changed);
    assert_eq!(shown(&composer), "newest|");
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Changed);
    assert_eq!(
        shown(&composer),
        "unsen|t\ndraft",
        "the kept draft, cursor where it was"
    );
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Moved);
    assert_eq!(press(&mut composer, KeyCode::Down), Outcome::Unhandled);
    assert_eq!(composer.history().len(), 3);
}

#[test]
fn submitting_a_recalled_entry_does_not_repeat_it_in_history() {
    let mut composer = Composer::with_history(vec!["again".into()]);
    press(&mut composer, KeyCode::Up);
    assert_eq!(press(&mut composer, KeyCode::Enter), Outcome::Submitted("again".into()));
    assert_eq!(composer.history(), ["again"]);
    assert_eq!(
        press(&mut composer, KeyCode::Down),
        Outcome::Unhandled,
        "browsing ended with the submit"
    );
}

#[test]
fn small_pastes_are_typed_text_with_normalised_line_endings() {
    let mut composer = Composer::new();
    type_text(&mut composer, "<>");
    press(&mut composer, KeyCode::Left);
    composer.paste("one\r\ntwo\rthree");
    assert_eq!(shown(&composer), "<one\ntwo\nthree|>");
}

#[test]
fn large_pastes_fold_and_expand_on_submit() {
    let mut composer = Composer::new();
    type_text(&mut composer, "explain ");
    let pasted: String = (1..=42).map(|n| format!("line {n}\r\n")).collect();
    composer.paste(&pasted);
    type_text(&mut composer, " and ");
    composer.paste(&"x".repeat(FOLD_CHARS + 1));
    assert_eq!(
        shown(&composer),
        "explain [Pasted text #1 +42 lines] and [Pasted text #2 1001 chars]|"
    );
    let expected = format!(
        "explain {} and {}",
        pasted.replace("\r\n", "\n"),
        "x".repeat(FOLD_CHARS + 1)
    );
    assert_eq!(composer.text(), expected);
    let (lines, cursor) = composer.layout(30, &Theme::new(false));
    let rows: Vec<String> = lines.iter().map(|line| format!("|{line}|")).collect();
    insta::assert_snapshot!(rows.join("\n"), @r"
    |explain [Pasted text #1 +42 |
    |lines] and [Pasted text #2 |
    |1001 chars]|
    ");
    assert_eq!(cursor, (11, 2));
    assert_eq!(press(&mut composer, KeyCode::Enter), Outcome::Submitted(expected));
    composer.paste(&"y\n".repeat(6));
    assert_eq!(shown(&composer), "[Pasted text #1 +6 lines]|", "numbering starts again");
}

#[test]
fn backspace_after_a_label_deletes_the_whole_paste() {
    let mut composer = Composer::new();
    type_text(&mut composer, "a");
    composer.paste(&"z\n".repeat(10));
    assert_eq!(
        press(&mut composer, KeyCode::Left),
        Outcome::Moved,
        "one step over the whole label"
    );
    assert_eq!(shown(&composer), "a|[Pasted text #1 +10 lines]");
    press(&mut composer, KeyCode::Right);
    assert_eq!(press(&mut composer, KeyCode::Backspace), Outcome::Changed);
    assert_eq!(composer.text(), "a");
}

#[test]
fn draft_snapshots_restore_text_folds_and_cursor() {
    let mut composer = Composer::new();
    type_text(&mut composer, "keep ");
    composer.paste(&"p\n".repeat(8));
    type_text(&mut composer, " this");
    press(&mut composer, KeyCode::Home);
    press(&mut composer, KeyCode::Right);
    let draft = composer.draft();
    let mut other = Composer::new();
    other.restore(draft.clone());
    assert_eq!(shown(&other), "k|eep [Pasted text #1 +8 lines] this");
    assert_eq!(other.text(), composer.text());
    assert_eq!(draft.text(), composer.text());
    other.paste(&"q\n".repeat(8));
    assert!(shown(&other).contains("[Pasted text #2 +8 lines]"), "{}", shown(&other));
}

#[test]
fn set_text_and_take() {
    let mut composer = Composer::with_history(vec!["old".into()]);
    composer.set_text("/model ");
    assert_eq!(shown(&composer), "/model |");
    assert_eq!(composer.take(), "/model ");
    assert!(composer.is_empty());
    assert_eq!(composer.take(), "");
    assert_eq!(composer.history(), ["old", "/model "]);
}

#[test]
fn layout_of_a_multi_line_draft() {
    let mut composer = Composer::new();
    type_text(&mut composer, "fn main() {\n\tprintln!(\"a rather long line\");\n}");
    press(&mut composer, KeyCode::Up);
    let (lines, cursor) = composer.layout(24, &Theme::new(false));
    let rows: Vec<String> = lines.iter().map(|line| format!("|{line}|")).collect();
    insta::assert_snapshot!(rows.join("\n"), @r#"
    |fn main() {|
    |    println!("a rather |
    |long line");|
    |}|
    "#);
    assert_eq!(cursor, (0, 1), "the goal column 1 falls inside the tab: before it");
}

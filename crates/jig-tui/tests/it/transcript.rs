//! The transcript lays out only what is on screen, and scrolls by anchors.

use jig_tui::cells::{Cell, Expanded, Style};
use jig_tui::theme::Theme;
use jig_tui::transcript::Transcript;

fn style() -> Style {
    Style {
        theme: Theme::new(false),
        expanded: Expanded::Folded,
    }
}

fn filled(cells: usize) -> Transcript {
    let mut transcript = Transcript::new();
    for i in 0..cells {
        transcript.push(Cell::Assistant(format!("message {i}\n\nsecond paragraph of {i}")));
    }
    transcript
}

fn text(lines: &[ratatui::text::Line<'_>]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

#[test]
fn only_cells_on_screen_are_laid_out() {
    let mut transcript = filled(5_000);
    let window = transcript.window(60, 20, style());
    assert_eq!(window.len(), 20);
    assert!(text(&window).iter().any(|l| l.contains("message 4999")));
    // 20 lines of 4-line cells: 5 or 6 cells, never thousands.
    assert!(transcript.laid_out_cells() <= 6, "{}", transcript.laid_out_cells());
    transcript.scroll_up(2_000, 60, style());
    let window = transcript.window(60, 20, style());
    assert!(transcript.laid_out_cells() <= 8, "{}", transcript.laid_out_cells());
    assert!(
        text(&window).iter().any(|l| l.contains("message 4499")),
        "{:?}",
        text(&window)
    );
}

#[test]
fn scrolling_up_holds_still_while_cells_arrive_and_follows_again_at_the_end() {
    let mut transcript = filled(50);
    transcript.window(40, 10, style());
    transcript.scroll_up(12, 40, style());
    let before = text(&transcript.window(40, 10, style()));
    transcript.push(Cell::Assistant("new arrival".into()));
    let after = text(&transcript.window(40, 10, style()));
    assert_eq!(before, after);
    assert!(!transcript.following());
    transcript.scroll_down(1_000, 40, style());
    assert!(transcript.following());
    let bottom = text(&transcript.window(40, 10, style()));
    assert!(bottom.iter().any(|l| l.contains("new arrival")), "{bottom:?}");
}

#[test]
fn scrolling_to_the_top_shows_the_first_cell() {
    let mut transcript = filled(30);
    transcript.window(40, 10, style());
    transcript.scroll_up(usize::MAX / 2, 40, style());
    let top = text(&transcript.window(40, 10, style()));
    assert!(top[0].contains("message 0"), "{top:?}");
}

#[test]
fn a_changed_cell_is_laid_out_again() {
    let mut transcript = filled(3);
    transcript.window(40, 20, style());
    if let Some(Cell::Assistant(text)) = transcript.get_mut(2) {
        text.push_str(" and more");
    }
    let window = text(&transcript.window(40, 20, style()));
    assert!(
        window.iter().any(|l| l.contains("second paragraph of 2 and more")),
        "{window:?}"
    );
}

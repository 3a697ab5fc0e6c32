//! Building apps, feeding them events and reading their screens.

use jig_protocol::{Envelope, Event};
use jig_tui::App;
use jig_tui::input::Composer;
use jig_tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The session id the fake events carry.
pub const SESSION: &str = "019a0000-0000-7000-8000-00000000abcd";

/// A colourless app (snapshots hold text only) with a started session.
pub fn app() -> App {
    let mut app = App::new(Theme::new(false), Composer::new());
    feed(
        &mut app,
        [Event::SessionStarted {
            protocol_version: 1,
            session_id: SESSION.into(),
            model: "scripted:demo.toml".into(),
            cwd: "/work/demo".into(),
            resumed: false,
        }],
    );
    app.status.context_window = 200_000;
    app
}

/// Applies events of the session.
pub fn feed(app: &mut App, events: impl IntoIterator<Item = Event>) {
    for event in events {
        app.on_envelope(&Envelope {
            session_id: SESSION.into(),
            event,
        });
    }
}

/// Draws the app on a `width`×`height` screen; returns its text, one line
/// per row, trailing spaces trimmed.
pub fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| jig_tui::ui::draw(frame, app)).unwrap();
    text_of(terminal.backend().buffer())
}

/// A buffer's text.
pub fn text_of(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A key press.
pub fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
}

/// A key press with Ctrl.
pub fn ctrl(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::CONTROL,
    )
}

/// Types `text` key by key.
pub fn type_text(app: &mut App, text: &str) -> Vec<jig_tui::Action> {
    let mut actions = Vec::new();
    for c in text.chars() {
        actions.extend(app.on_key(key(crossterm::event::KeyCode::Char(c))));
    }
    actions
}

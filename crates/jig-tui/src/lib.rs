//! jig's interactive terminal UI (`jig` with no subcommand, `jig "task"`,
//! `jig resume` with no id).
//!
//! It is only a client of the runtime's Op/Event protocol: the embedding
//! program hands it a [`Launcher`] that builds sessions with
//! [`jig_core::SessionBuilder`]; the TUI submits [`jig_protocol::Op`]s and
//! draws the [`jig_protocol::Event`]s it receives. It never reaches into a
//! session any other way.
//!
//! Invariants: nothing typed is lost (the draft is saved on every change
//! and restored on the next start in the same directory; messages sent
//! while the agent works stay visible as queued until delivered); a frame
//! costs what is on screen, not the length of the session
//! ([`transcript`]); the terminal is restored on every exit, panics
//! included.

pub mod app;
pub mod cells;
pub mod highlight;
pub mod input;
mod keys;
pub mod markdown;
pub mod picker;
pub mod requests;
pub mod run;
pub mod slash;
pub mod theme;
pub mod tools;
pub mod transcript;
pub mod ui;
pub mod wrap;

/// The terminal libraries the TUI draws with and reads keys from, for
/// embedders that drive an [`App`] themselves (`jig bench tui`): one
/// version of each, never two.
pub use {crossterm, ratatui};

use std::io::{self, Stdout};
use std::path::PathBuf;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags, PopKeyboardEnhancementFlags,
    PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub use app::{Action, App};
pub use picker::SessionEntry;
pub use run::{Files, Launcher, Runner, Start, Started};

use crate::input::{Composer, DraftStore, HistoryFile};
use crate::theme::Theme;

/// How the TUI starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// The session to start; `None` opens the session picker.
    pub start: Option<Start>,
    /// A first message to send.
    pub prompt: Option<String>,
    /// No colours (`--no-color`; `NO_COLOR` is honoured too).
    pub no_color: bool,
    /// jig's home (`$JIG_HOME`): drafts and input history live under `tui/`.
    pub home: PathBuf,
    /// The working directory (whose draft is restored).
    pub cwd: PathBuf,
    /// Quit right after the first frame is drawn (`jig bench tui` times
    /// start-up to it); see [`Runner::exit_after_first_frame`].
    pub exit_after_first_frame: bool,
}

/// What the TUI leaves behind when it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// Exit code.
    pub code: u8,
    /// The session shown last, if any.
    pub session_id: Option<String>,
}

/// The files of `home` the TUI keeps for `cwd`.
pub fn files(home: &std::path::Path, cwd: &std::path::Path) -> Files {
    Files {
        drafts: DraftStore::new(home.join("tui").join("drafts"), cwd),
        history: HistoryFile::new(home.join("tui").join("history.jsonl")),
    }
}

/// Runs the TUI on this process's terminal until the person quits.
pub async fn run(launcher: &dyn Launcher, options: Options) -> anyhow::Result<Exit> {
    let theme = Theme::from_env(options.no_color);
    let files = files(&options.home, &options.cwd);
    let mut composer = Composer::with_history(files.history.load());
    let restored = match files.drafts.load() {
        Some(draft) => {
            composer.restore(draft);
            true
        }
        None => false,
    };
    highlight::warm();
    let mut app = App::new(theme, composer);
    if restored {
        app.hint = Some("Restored the draft you had not sent.".into());
    }
    let mut terminal = enter()?;
    let mut runner = Runner::new(app, launcher, files, options.cwd.clone());
    runner.exit_after_first_frame = options.exit_after_first_frame;
    runner.begin(options.start, options.prompt);
    let result = runner.run(&mut terminal, run::terminal_events()).await;
    leave();
    let session_id = Some(runner.app.session_id().to_string()).filter(|id| !id.is_empty());
    Ok(Exit {
        code: result?,
        session_id,
    })
}

/// Raw mode, the alternate screen, bracketed paste, and the kitty keyboard
/// protocol's disambiguation (Shift-Enter) where the terminal has it; a
/// panic hook that undoes them first.
fn enter() -> anyhow::Result<Terminal<CrosstermBackend<Stdout>>> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    execute!(stdout, EnterAlternateScreen, EnableBracketedPaste)?;
    // Terminals without the protocol ignore the request.
    let _ = execute!(
        stdout,
        PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
    );
    // Cleared directly: ratatui's `clear` asks the terminal where its cursor
    // is, and a terminal that does not answer would stop jig from starting.
    execute!(stdout, crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
    Ok(Terminal::new(CrosstermBackend::new(stdout))?)
}

/// Gives the terminal back as it was; safe to call twice.
fn leave() {
    let mut stdout = io::stdout();
    let _ = execute!(stdout, PopKeyboardEnhancementFlags);
    let _ = execute!(
        stdout,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

//! The event loop: the terminal's keys and the session's events in, frames
//! out, and the [`Action`]s the app asks for carried out.
//!
//! Events that are already waiting are applied together before one frame
//! is drawn, so a fast stream of deltas costs one frame, not one per
//! delta; when nothing happens nothing is drawn and no timer runs, so an
//! idle TUI uses no CPU. The terminal is restored on every exit, a panic
//! included.

use std::io;
use std::path::PathBuf;

use crossterm::event::{Event as TermEvent, EventStream};
use futures::{Stream, StreamExt};
use jig_core::SessionHandle;
use jig_protocol::{Envelope, Op};
use ratatui::Terminal;
use ratatui::backend::Backend;

use crate::app::{Action, App};
use crate::cells::{Cell, Notice};
use crate::input::{DraftStore, HistoryFile};
use crate::picker::{Picker, SessionEntry};

/// How to start the session the TUI shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A new session, optionally with a model other than the configured one.
    New {
        /// Model spec.
        model: Option<String>,
    },
    /// Resume a recorded session (id or unique prefix).
    Resume {
        /// Session id.
        id: String,
        /// Go on with this model instead of the session's own.
        model: Option<String>,
    },
}

/// A session started for the TUI.
pub struct Started {
    /// Its handle.
    pub handle: SessionHandle,
    /// The conversation so far (resumed sessions).
    pub history: Vec<jig_protocol::Item>,
    /// What the person should be told about how it was built.
    pub notes: Vec<String>,
    /// The model's context window in tokens.
    pub context_window: u64,
    /// Whether a turn is already running (an unfinished turn taken up again).
    pub running: bool,
}

/// What the TUI needs from the program that embeds it: sessions, built with
/// that program's settings and policies, and the list of recorded ones.
pub trait Launcher {
    /// Starts a session.
    fn start(&self, start: Start) -> anyhow::Result<Started>;
    /// The recorded sessions, for the picker.
    fn sessions(&self) -> anyhow::Result<Vec<SessionEntry>>;
}

/// Where the TUI keeps what must survive it.
#[derive(Debug, Clone)]
pub struct Files {
    /// The draft of this directory.
    pub drafts: DraftStore,
    /// The input history.
    pub history: HistoryFile,
}

/// The loop's state besides the app.
pub struct Runner<'a> {
    /// The app.
    pub app: App,
    /// Return right after the first frame is drawn, leaving the session
    /// unclosed (for timing start-up: `jig bench tui`); off by default.
    pub exit_after_first_frame: bool,
    launcher: &'a dyn Launcher,
    files: Files,
    session: Option<SessionHandle>,
    cwd: PathBuf,
}

impl<'a> Runner<'a> {
    /// A runner with no session yet.
    pub fn new(app: App, launcher: &'a dyn Launcher, files: Files, cwd: PathBuf) -> Self {
        Runner {
            app,
            exit_after_first_frame: false,
            launcher,
            files,
            session: None,
            cwd,
        }
    }

    /// Runs until the person quits; returns the exit code.
    pub async fn run<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        mut input: impl Stream<Item = io::Result<TermEvent>> + Unpin,
    ) -> anyhow::Result<u8>
    where
        B::Error: Send + Sync + 'static,
    {
        terminal.draw(|frame| crate::ui::draw(frame, &mut self.app))?;
        if self.exit_after_first_frame {
            return Ok(0);
        }
        loop {
            let actions = tokio::select! {
                event = input.next() => match event {
                    Some(Ok(event)) => {
                        let mut actions = self.on_terminal(event);
                        // Keys already typed are handled before the next frame.
                        while let Some(Some(Ok(event))) = ready(input.next()).await {
                            actions.extend(self.on_terminal(event));
                        }
                        actions
                    }
                    Some(Err(err)) => return Err(err.into()),
                    None => vec![Action::Quit],
                },
                envelope = next_envelope(&mut self.session) => {
                    match envelope {
                        Some(envelope) => {
                            self.app.on_envelope(&envelope);
                            self.drain_session().await;
                        }
                        None => self.session_ended(),
                    }
                    Vec::new()
                }
            };
            if self.perform(actions).await? == Flow::Quit {
                break;
            }
            terminal.draw(|frame| crate::ui::draw(frame, &mut self.app))?;
        }
        self.shutdown().await;
        Ok(0)
    }

    /// Applies the session's events that are already waiting.
    async fn drain_session(&mut self) {
        let Some(handle) = self.session.as_mut() else { return };
        let mut ended = false;
        for _ in 0..10_000 {
            match ready(handle.next()).await {
                Some(Some(envelope)) => self.app.on_envelope(&envelope),
                Some(None) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
        if ended {
            self.session_ended();
        }
    }

    fn session_ended(&mut self) {
        self.session = None;
        self.app.activity = crate::app::Activity::Idle;
        self.app.notice(
            Notice::Warning,
            "The session ended. /new starts another, /resume picks one.",
        );
    }

    fn on_terminal(&mut self, event: TermEvent) -> Vec<Action> {
        match event {
            TermEvent::Key(key) => self.app.on_key(key),
            TermEvent::Paste(text) => self.app.on_paste(&text),
            // Resize, focus: the next frame is laid out at the new size.
            _ => Vec::new(),
        }
    }

    /// Starts the first session, or opens the picker.
    pub fn begin(&mut self, start: Option<Start>, prompt: Option<String>) {
        match start {
            Some(start) => {
                if self.switch(start)
                    && let Some(text) = prompt
                {
                    self.app.queued.push(text.clone());
                    self.submit(Op::UserInput { text });
                }
            }
            None => self.open_picker(),
        }
    }

    /// Carries out the app's actions.
    async fn perform(&mut self, actions: Vec<Action>) -> anyhow::Result<Flow> {
        for action in actions {
            match action {
                Action::Op(op) => self.submit(op),
                Action::SaveDraft => self.save_draft(),
                Action::History(text) => {
                    if let Err(err) = self.files.history.append(&text) {
                        self.app.hint = Some(format!("cannot save the input history: {err}"));
                    }
                }
                Action::Quit => return Ok(Flow::Quit),
                Action::NewSession => {
                    self.close_session().await;
                    self.switch(Start::New { model: None });
                }
                Action::Resume(Some(id)) => {
                    self.close_session().await;
                    self.switch(Start::Resume { id, model: None });
                }
                Action::Resume(None) => self.open_picker(),
                Action::SetModel(model) => {
                    let id = self.app.session_id().to_string();
                    self.close_session().await;
                    let start = match id.is_empty() {
                        true => Start::New { model: Some(model) },
                        false => Start::Resume { id, model: Some(model) },
                    };
                    self.switch(start);
                }
                Action::Diff => self.diff().await,
            }
        }
        Ok(Flow::Go)
    }

    fn submit(&mut self, op: Op) {
        let sent = self.session.as_ref().is_some_and(|handle| handle.submit(op));
        if !sent {
            self.app.hint = Some("No session is running: /new starts one.".into());
        }
    }

    fn save_draft(&mut self) {
        let draft = self.app.composer.draft();
        let saved = if self.app.composer.is_empty() {
            self.files.drafts.clear()
        } else {
            self.files.drafts.save(&draft)
        };
        if let Err(err) = saved {
            self.app.hint = Some(format!("cannot save the draft: {err}"));
        }
    }

    /// Starts a session and shows it; false (and a notice) when it cannot start.
    fn switch(&mut self, start: Start) -> bool {
        match self.launcher.start(start) {
            Ok(started) => {
                self.app.reset();
                self.app.status.context_window = started.context_window;
                self.app.load_history(&started.history);
                for note in started.notes {
                    self.app.notice(Notice::Info, note);
                }
                self.app.attach(&started.handle.session_id);
                if started.running {
                    self.app.activity = crate::app::Activity::Working;
                }
                self.session = Some(started.handle);
                true
            }
            Err(err) => {
                self.app.notice(Notice::Error, format!("{err:#}"));
                false
            }
        }
    }

    fn open_picker(&mut self) {
        match self.launcher.sessions() {
            Ok(entries) if entries.is_empty() => {
                self.app.notice(Notice::Info, "No recorded sessions yet.");
            }
            Ok(entries) => self.app.picker = Some(Picker::new(entries)),
            Err(err) => self.app.notice(Notice::Error, format!("{err:#}")),
        }
    }

    /// `/diff`: `git diff` of the workspace, untracked files included as
    /// intent-to-add would show them.
    async fn diff(&mut self) {
        let output = tokio::process::Command::new("git")
            .args(["-c", "color.ui=never", "diff", "--no-ext-diff", "HEAD", "--"])
            .current_dir(&self.cwd)
            .output()
            .await;
        match output {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                self.app.transcript.push(Cell::Diff(text));
                self.app.transcript.follow();
            }
            Ok(out) => self.app.notice(
                Notice::Error,
                format!(
                    "git diff failed: {} (is {} a git repository with a commit?)",
                    String::from_utf8_lossy(&out.stderr).trim(),
                    self.cwd.display()
                ),
            ),
            Err(err) => self.app.notice(Notice::Error, format!("cannot run git: {err}")),
        }
    }

    /// Ends the session shown and waits until it has closed its rollout.
    async fn close_session(&mut self) {
        if let Some(mut handle) = self.session.take() {
            handle.submit(Op::Shutdown);
            // Until the actor ends: the rollout is closed and its lock free.
            while handle.next().await.is_some() {}
        }
    }

    async fn shutdown(&mut self) {
        if let Some(handle) = self.session.as_ref() {
            handle.submit(Op::Interrupt);
        }
        self.close_session().await;
        self.save_draft();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Go,
    Quit,
}

/// `future`'s output if it is ready now, polled with the task's own waker.
/// (`now_or_never` polls with a no-op waker, which crossterm's event
/// stream keeps: it would never wake the loop again.)
async fn ready<F: std::future::Future>(future: F) -> Option<F::Output> {
    tokio::select! {
        biased;
        output = future => Some(output),
        () = std::future::ready(()) => None,
    }
}

async fn next_envelope(session: &mut Option<SessionHandle>) -> Option<Envelope> {
    match session {
        Some(handle) => handle.next().await,
        None => std::future::pending().await,
    }
}

/// The terminal's event stream (keys, pastes, resizes).
pub fn terminal_events() -> EventStream {
    EventStream::new()
}

//! What the person's keys and pastes do to the [`App`].
//!
//! Order of precedence: Ctrl-C; the session picker; scrolling and Ctrl-O;
//! the approval or question waiting (it sees keys before the composer,
//! passing on what is typing); the slash-command menu; Esc; the composer.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jig_protocol::Op;

use crate::app::{Action, App};
use crate::cells::{Cell, Expanded, Notice};
use crate::input::Outcome;
use crate::picker::Picked;
use crate::requests::Keyed;
use crate::slash::{self, Command, Completion};

impl App {
    /// Applies a key press; returns what the event loop must do.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Action> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return self.ctrl_c();
        }
        self.quit_armed = false;
        self.hint = None;
        if let Some(picker) = &mut self.picker {
            match picker.on_key(key) {
                Picked::Chosen(id) => {
                    self.picker = None;
                    return vec![Action::Resume(Some(id))];
                }
                Picked::Closed => self.picker = None,
                Picked::Handled => {}
            }
            return Vec::new();
        }
        if self.scroll_key(key) {
            return Vec::new();
        }
        if let Some(request) = self.requests.front_mut() {
            match request.on_key(key, &mut self.composer) {
                Keyed::Answer(op) => {
                    if let Some(request) = self.requests.pop_front() {
                        self.answered.push(request);
                    }
                    return vec![Action::Op(op), Action::SaveDraft];
                }
                Keyed::Handled => return vec![Action::SaveDraft],
                Keyed::Pass => {
                    // Typing an answer: the composer edits, but never submits.
                    return match self.composer.handle_key(key) {
                        Outcome::Changed => vec![Action::SaveDraft],
                        _ => Vec::new(),
                    };
                }
            }
        }
        if let Some(actions) = self.completion_key(key) {
            return actions;
        }
        if key.code == KeyCode::Esc {
            return match self.busy() {
                true => vec![Action::Op(Op::Interrupt)],
                false => Vec::new(),
            };
        }
        match self.composer.handle_key(key) {
            Outcome::Submitted(text) => {
                self.completion = None;
                let mut actions = vec![Action::SaveDraft, Action::History(text.clone())];
                actions.extend(self.submit(text));
                actions
            }
            Outcome::Changed => {
                self.completion = Completion::for_draft(&self.composer.text());
                vec![Action::SaveDraft]
            }
            Outcome::Moved | Outcome::Unhandled => Vec::new(),
        }
    }

    /// A bracketed paste: into the composer, whole (folded when large).
    pub fn on_paste(&mut self, text: &str) -> Vec<Action> {
        if self.picker.is_some() || matches!(self.requests.front(), Some(r) if r.command().is_some()) {
            return Vec::new();
        }
        self.composer.paste(text);
        vec![Action::SaveDraft]
    }

    /// Ctrl-C: clear the draft, else interrupt the turn, else quit on the second press.
    fn ctrl_c(&mut self) -> Vec<Action> {
        if self.picker.take().is_some() {
            return Vec::new();
        }
        if !self.composer.is_empty() {
            // Cleared, not lost: it stays in the input history (↑).
            let text = self.composer.take();
            self.hint = Some("Draft cleared (↑ brings it back).".into());
            return vec![Action::SaveDraft, Action::History(text)];
        }
        if self.quit_armed {
            return vec![Action::Quit];
        }
        self.quit_armed = true;
        if self.busy() {
            self.hint = Some("Interrupting… Ctrl-C again to quit.".into());
            return vec![Action::Op(Op::Interrupt)];
        }
        self.hint = Some("Press Ctrl-C again to quit.".into());
        Vec::new()
    }

    fn scroll_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let (width, style) = (self.width, self.cell_style());
        match key.code {
            KeyCode::PageUp => self.transcript.scroll_up(self.transcript.page(), width, style),
            KeyCode::PageDown => self.transcript.scroll_down(self.transcript.page(), width, style),
            KeyCode::Home if ctrl => self.transcript.scroll_up(usize::MAX / 2, width, style),
            KeyCode::End if ctrl => self.transcript.follow(),
            KeyCode::Char('o') if ctrl => {
                self.expanded = match self.expanded {
                    Expanded::Folded => Expanded::Whole,
                    Expanded::Whole => Expanded::Folded,
                };
            }
            _ => return false,
        }
        true
    }

    /// Keys of the slash-command menu, while it is open.
    fn completion_key(&mut self, key: KeyEvent) -> Option<Vec<Action>> {
        let menu = self.completion.as_mut()?;
        match key.code {
            KeyCode::Up => menu.step(-1),
            KeyCode::Down => menu.step(1),
            KeyCode::Esc => self.completion = None,
            KeyCode::Tab => self.complete(),
            KeyCode::Enter => {
                let chosen = menu.chosen()?;
                if chosen.trim_end() == self.composer.text().trim() {
                    // Typed whole: Enter sends it as usual.
                    self.completion = None;
                    return None;
                }
                self.complete();
                if chosen.ends_with(' ') {
                    // It takes an argument: complete, and let the person type it.
                    return Some(vec![Action::SaveDraft]);
                }
                return None;
            }
            _ => return None,
        }
        Some(vec![Action::SaveDraft])
    }

    fn complete(&mut self) {
        if let Some(chosen) = self.completion.as_ref().and_then(Completion::chosen) {
            self.composer.set_text(&chosen);
        }
        self.completion = None;
    }

    /// A message or command the person sent.
    fn submit(&mut self, text: String) -> Vec<Action> {
        match slash::parse(&text) {
            Some(Ok((command, argument))) => self.command(command, argument),
            Some(Err(problem)) => {
                self.notice(Notice::Error, problem);
                Vec::new()
            }
            None if self.session_id().is_empty() => {
                self.hint = Some("No session yet: /new starts one, /resume picks one.".into());
                self.composer.set_text(&text);
                Vec::new()
            }
            None => {
                let op = if self.busy() {
                    Op::Interject { text: text.clone() }
                } else {
                    Op::UserInput { text: text.clone() }
                };
                self.queued.push(text);
                self.transcript.follow();
                vec![Action::Op(op)]
            }
        }
    }

    fn command(&mut self, command: Command, argument: String) -> Vec<Action> {
        let switching = matches!(
            command,
            Command::Model | Command::New | Command::Resume | Command::Sessions
        ) && !(command == Command::Model && argument.is_empty());
        if switching && self.busy() {
            self.hint = Some("Wait for the turn to end, or press Esc to interrupt it first.".into());
            return Vec::new();
        }
        match command {
            Command::Model if argument.is_empty() => {
                let text = format!(
                    "Model: {}. `/model PROVIDER:NAME` goes on with another.",
                    self.status.model
                );
                self.notice(Notice::Info, text);
            }
            Command::Model => return vec![Action::SetModel(argument)],
            Command::Compact => {
                let focus = (!argument.is_empty()).then_some(argument);
                return vec![Action::Op(Op::Compact { focus })];
            }
            Command::Plan => self.show_plan(),
            Command::Status => {
                let text = self.status_text();
                self.notice(Notice::Info, text);
            }
            Command::Cost => {
                let text = self.cost_text();
                self.notice(Notice::Info, text);
            }
            Command::Diff => return vec![Action::Diff],
            Command::Sessions => return vec![Action::Resume(None)],
            Command::Resume => return vec![Action::Resume((!argument.is_empty()).then_some(argument))],
            Command::New => return vec![Action::NewSession],
            Command::Help => self.notice(Notice::Info, slash::help()),
            Command::Quit => return vec![Action::Quit],
        }
        self.transcript.follow();
        Vec::new()
    }

    fn show_plan(&mut self) {
        let plan = (0..self.transcript.len())
            .rev()
            .find_map(|i| match self.transcript.get(i) {
                Some(cell @ Cell::Plan { .. }) => Some(cell.clone()),
                _ => None,
            });
        match plan {
            Some(plan) => {
                self.transcript.push(plan);
            }
            None => self.notice(Notice::Info, "No plan yet: the agent makes one for longer tasks."),
        }
    }

    fn status_text(&self) -> String {
        let s = &self.status;
        format!(
            "Session {}\nModel {}\nDirectory {}\nContext {}\nTokens {} in ({} cached) · {} out",
            s.session_id,
            s.model,
            s.cwd,
            crate::ui::context_text(s),
            s.total.input_tokens,
            s.total.cached_input_tokens,
            s.total.output_tokens,
        )
    }

    fn cost_text(&self) -> String {
        let s = &self.status;
        let cost = match s.cost_usd {
            Some(usd) => format!("${usd:.4}"),
            None => "unknown (no price for this model; set [prices.MODEL] in config)".into(),
        };
        format!(
            "Tokens: {} in ({} cached), {} out. Cost: {cost}.",
            s.total.input_tokens, s.total.cached_input_tokens, s.total.output_tokens
        )
    }
}

//! Approvals and questions waiting for the person, and the keys that
//! answer them.
//!
//! An approval is a modal: `y` approve, `a` approve for the session, `n`
//! deny (the model is told and goes on), `Esc` abort the turn. A question
//! is answered inline: ↑/↓ pick an option, Space ticks one where several
//! may be chosen, Enter answers — with what is typed in the composer, if
//! anything, as the person's own words. Esc skips a question (declines a
//! free-text question or a form). Each request is answered exactly once,
//! by one [`Op`].

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::{KeyCode, KeyEvent};
use jig_protocol::form::{FormField, form_fields};
use jig_protocol::{Event, HostAnswer, HostRequest, Op, ReviewDecision};

use crate::input::Composer;

/// A request of the session's waiting for the person.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A command waiting for approval.
    Approval {
        /// Id to answer with.
        id: String,
        /// The tool call waiting for it.
        call_id: String,
        /// The command.
        command: String,
        /// Where it would run.
        cwd: String,
        /// Why it needs approval.
        reason: String,
        /// Whether it would run outside the sandbox.
        escalation: bool,
        /// The sub-agent asking, if not the session itself.
        agent: Option<String>,
    },
    /// A tool's question.
    Input {
        /// Id to answer with.
        id: String,
        /// What is asked.
        request: HostRequest,
        /// The sub-agent asking, if not the session itself.
        agent: Option<String>,
        /// How far the person got.
        state: Box<InputState>,
    },
}

/// Progress through a question, several questions, or a form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputState {
    /// Which question (or form field) is asked now.
    pub step: usize,
    /// The highlighted option.
    pub selected: usize,
    /// Options ticked (where several may be chosen).
    pub ticked: BTreeSet<usize>,
    /// Answers so far, by question id.
    pub answers: BTreeMap<String, Vec<String>>,
    /// Form values so far.
    pub form: serde_json::Map<String, serde_json::Value>,
    /// Why the last answer was refused.
    pub problem: Option<String>,
}

/// What a key did to the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Keyed {
    /// The request is answered: submit this.
    Answer(Op),
    /// The key was used.
    Handled,
    /// The key is for the composer (typing an answer in one's own words).
    Pass,
}

/// One line a question panel shows for an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionLine {
    /// The option's label.
    pub label: String,
    /// What it means.
    pub description: String,
}

impl Request {
    /// The request an event asks, if it asks one.
    pub fn from_event(event: &Event, agent: Option<String>) -> Option<Request> {
        match event {
            Event::ApprovalRequested {
                request_id,
                call_id,
                command,
                cwd,
                reason,
                escalation,
            } => Some(Request::Approval {
                id: request_id.clone(),
                call_id: call_id.clone(),
                command: command.clone(),
                cwd: cwd.clone(),
                reason: reason.clone(),
                escalation: *escalation,
                agent,
            }),
            Event::InputRequested {
                request_id, request, ..
            } => Some(Request::Input {
                id: request_id.clone(),
                request: request.clone(),
                agent,
                state: Box::default(),
            }),
            _ => None,
        }
    }

    /// Its id.
    pub fn id(&self) -> &str {
        match self {
            Request::Approval { id, .. } | Request::Input { id, .. } => id,
        }
    }

    /// The tool call an approval is for.
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Request::Approval { call_id, .. } => Some(call_id),
            Request::Input { .. } => None,
        }
    }

    /// The command, for an approval.
    pub fn command(&self) -> Option<&str> {
        match self {
            Request::Approval { command, .. } => Some(command),
            Request::Input { .. } => None,
        }
    }

    /// Handles a key; typed text stays in `composer` until Enter.
    pub fn on_key(&mut self, key: KeyEvent, composer: &mut Composer) -> Keyed {
        match self {
            Request::Approval { id, .. } => {
                let decision = match key.code {
                    KeyCode::Char('y' | 'Y') => ReviewDecision::Approve,
                    KeyCode::Char('a' | 'A') => ReviewDecision::ApproveForSession,
                    KeyCode::Char('n' | 'N') => ReviewDecision::Deny,
                    KeyCode::Esc => ReviewDecision::Abort,
                    _ => return Keyed::Handled,
                };
                Keyed::Answer(Op::Approval {
                    request_id: id.clone(),
                    decision,
                })
            }
            Request::Input { id, request, state, .. } => {
                let answer = match request {
                    HostRequest::Question { options, .. } => question_key(key, options, state, composer),
                    HostRequest::Questions { questions } => questions_key(key, questions, state, composer),
                    HostRequest::Form { schema, .. } => form_key(key, &form_fields(schema), state, composer),
                };
                match answer {
                    Step::Done(answer) => Keyed::Answer(Op::Answer {
                        request_id: id.clone(),
                        answer,
                    }),
                    Step::Handled => Keyed::Handled,
                    Step::Pass => Keyed::Pass,
                }
            }
        }
    }
}

enum Step {
    Done(HostAnswer),
    Handled,
    Pass,
}

/// ↑/↓ over `count` options.
fn move_selection(key: KeyEvent, count: usize, state: &mut InputState) -> bool {
    match key.code {
        KeyCode::Up if count > 0 => state.selected = (state.selected + count - 1) % count,
        KeyCode::Down if count > 0 => state.selected = (state.selected + 1) % count,
        _ => return false,
    }
    true
}

fn question_key(key: KeyEvent, options: &[String], state: &mut InputState, composer: &mut Composer) -> Step {
    if move_selection(key, options.len(), state) {
        return Step::Handled;
    }
    match key.code {
        KeyCode::Esc => Step::Done(HostAnswer::Declined),
        KeyCode::Enter if !composer.is_empty() => Step::Done(HostAnswer::Text {
            text: composer.take().trim().to_string(),
        }),
        KeyCode::Enter => match options.get(state.selected) {
            Some(option) => Step::Done(HostAnswer::Text { text: option.clone() }),
            None => Step::Handled,
        },
        _ => Step::Pass,
    }
}

fn questions_key(
    key: KeyEvent,
    questions: &[jig_protocol::Question],
    state: &mut InputState,
    composer: &mut Composer,
) -> Step {
    let Some(question) = questions.get(state.step) else {
        return Step::Done(finish(state));
    };
    if move_selection(key, question.options.len(), state) {
        return Step::Handled;
    }
    let chosen = match key.code {
        KeyCode::Char(' ') if question.multi_select && composer.is_empty() => {
            if !state.ticked.remove(&state.selected) {
                state.ticked.insert(state.selected);
            }
            return Step::Handled;
        }
        KeyCode::Esc => None,
        KeyCode::Enter if !composer.is_empty() => Some(vec![composer.take().trim().to_string()]),
        KeyCode::Enter if question.options.is_empty() => return Step::Handled,
        KeyCode::Enter => {
            let picked: Vec<usize> = match (question.multi_select, state.ticked.is_empty()) {
                (true, false) => state.ticked.iter().copied().collect(),
                _ => vec![state.selected],
            };
            Some(
                picked
                    .into_iter()
                    .filter_map(|i| question.options.get(i).map(|o| o.label.clone()))
                    .collect(),
            )
        }
        _ => return Step::Pass,
    };
    if let Some(chosen) = chosen {
        state.answers.insert(question.id.clone(), chosen);
    }
    state.step += 1;
    state.selected = 0;
    state.ticked.clear();
    if state.step >= questions.len() {
        Step::Done(finish(state))
    } else {
        Step::Handled
    }
}

fn finish(state: &InputState) -> HostAnswer {
    if state.answers.is_empty() {
        HostAnswer::Declined
    } else {
        HostAnswer::Answers {
            answers: state.answers.clone(),
        }
    }
}

fn form_key(key: KeyEvent, fields: &[FormField], state: &mut InputState, composer: &mut Composer) -> Step {
    let Some(field) = fields.get(state.step) else {
        return Step::Done(form_answer(state));
    };
    match key.code {
        KeyCode::Esc => return Step::Done(HostAnswer::Declined),
        KeyCode::Enter => {}
        _ => return Step::Pass,
    }
    let typed = composer.text().trim().to_string();
    if typed.is_empty() {
        if field.required {
            state.problem = Some(format!("{} is required (Esc declines the form)", field.title));
            return Step::Handled;
        }
    } else {
        match field.value(&typed) {
            Ok(value) => {
                state.form.insert(field.name.clone(), value);
            }
            Err(problem) => {
                state.problem = Some(problem);
                return Step::Handled;
            }
        }
    }
    composer.take();
    state.problem = None;
    state.step += 1;
    if state.step >= fields.len() {
        Step::Done(form_answer(state))
    } else {
        Step::Handled
    }
}

fn form_answer(state: &InputState) -> HostAnswer {
    HostAnswer::Form {
        content: serde_json::Value::Object(state.form.clone()),
    }
}

/// One line saying what was answered, for the transcript.
pub fn describe_answer(answer: &HostAnswer) -> String {
    match answer {
        HostAnswer::Text { text } => format!("Answered: {text}"),
        HostAnswer::Answers { answers } if answers.len() == 1 => {
            let chosen: Vec<&str> = answers.values().flatten().map(String::as_str).collect();
            format!("Answered: {}", chosen.join(", "))
        }
        HostAnswer::Answers { answers } => {
            let parts: Vec<String> = answers
                .iter()
                .map(|(id, chosen)| format!("{id}: {}", chosen.join(", ")))
                .collect();
            format!("Answered: {}", parts.join("; "))
        }
        HostAnswer::Form { content } => format!("Answered the form: {content}"),
        HostAnswer::Declined => "Declined to answer.".to_string(),
    }
}

/// What the question panel shows now: the prompt, its options, and which
/// are highlighted or ticked.
pub struct Shown {
    /// Who asks and which question of how many.
    pub title: String,
    /// The question.
    pub question: String,
    /// The options.
    pub options: Vec<OptionLine>,
    /// The highlighted option.
    pub selected: usize,
    /// Ticked options, where several may be chosen.
    pub ticked: Option<BTreeSet<usize>>,
    /// Why the last answer was refused.
    pub problem: Option<String>,
    /// The keys that apply.
    pub keys: &'static str,
}

/// What to show for an input request.
pub fn shown(request: &HostRequest, state: &InputState, agent: Option<&str>) -> Shown {
    let who = agent.map(|a| format!("{a} asks")).unwrap_or_else(|| "jig asks".into());
    match request {
        HostRequest::Question { question, options } => Shown {
            title: who,
            question: question.clone(),
            options: options
                .iter()
                .map(|o| OptionLine {
                    label: o.clone(),
                    description: String::new(),
                })
                .collect(),
            selected: state.selected,
            ticked: None,
            problem: None,
            keys: "↑/↓ choose · type your own answer · Enter answer · Esc decline",
        },
        HostRequest::Questions { questions } => {
            let Some(q) = questions.get(state.step) else {
                return empty(who);
            };
            let header = if q.header.is_empty() {
                String::new()
            } else {
                format!(" · {}", q.header)
            };
            Shown {
                title: format!("{who} ({}/{}){header}", state.step + 1, questions.len()),
                question: q.question.clone(),
                options: q
                    .options
                    .iter()
                    .map(|o| OptionLine {
                        label: o.label.clone(),
                        description: o.description.clone(),
                    })
                    .collect(),
                selected: state.selected,
                ticked: q.multi_select.then(|| state.ticked.clone()),
                problem: None,
                keys: if q.multi_select {
                    "↑/↓ move · Space tick · type your own answer · Enter answer · Esc skip"
                } else {
                    "↑/↓ choose · type your own answer · Enter answer · Esc skip"
                },
            }
        }
        HostRequest::Form {
            source,
            message,
            schema,
        } => {
            let fields = form_fields(schema);
            let Some(field) = fields.get(state.step) else {
                return empty(who);
            };
            let kind = match field.choices.is_empty() {
                true => field.kind.clone(),
                false => format!("one of {}", field.choices.join(" | ")),
            };
            let needed = if field.required { ", required" } else { "" };
            Shown {
                title: format!("{source} asks ({}/{}): {message}", state.step + 1, fields.len()),
                question: format!(
                    "{} ({kind}{needed}){}",
                    field.title,
                    field
                        .description
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ),
                options: Vec::new(),
                selected: 0,
                ticked: None,
                problem: state.problem.clone(),
                keys: "type the value · Enter next · Esc decline the form",
            }
        }
    }
}

fn empty(title: String) -> Shown {
    Shown {
        title,
        question: String::new(),
        options: Vec::new(),
        selected: 0,
        ticked: None,
        problem: None,
        keys: "Enter",
    }
}

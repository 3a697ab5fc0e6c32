//! What keys do: answers, interrupts, quitting, commands.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;
use jig_protocol::{Event, HostAnswer, HostRequest, Op, Question, QuestionOption, ReviewDecision};
use jig_tui::Action;

use crate::support::{app, ctrl, feed, key, type_text};

fn approval(id: &str) -> Event {
    Event::ApprovalRequested {
        request_id: id.into(),
        call_id: "c".into(),
        command: "make deploy".into(),
        cwd: "/w".into(),
        reason: "asks first".into(),
        escalation: true,
    }
}

#[test]
fn approval_keys_answer_once_each_in_order() {
    let mut app = app();
    feed(
        &mut app,
        [Event::TurnStarted { turn_id: 1 }, approval("r1"), approval("r2")],
    );
    // Typing goes nowhere while an approval waits.
    let typed = type_text(&mut app, "x");
    assert!(typed.iter().all(|a| !matches!(a, Action::Op(_))), "{typed:?}");
    assert!(app.composer.is_empty());
    let first = app.on_key(key(KeyCode::Char('a')));
    assert!(first.contains(&Action::Op(Op::Approval {
        request_id: "r1".into(),
        decision: ReviewDecision::ApproveForSession
    })));
    let second = app.on_key(key(KeyCode::Esc));
    assert!(second.contains(&Action::Op(Op::Approval {
        request_id: "r2".into(),
        decision: ReviewDecision::Abort
    })));
    assert!(app.requests.is_empty());
    feed(
        &mut app,
        [Event::ApprovalDecided {
            request_id: "r1".into(),
            decision: ReviewDecision::ApproveForSession,
        }],
    );
    let shown = crate::support::screen(&mut app, 70, 14);
    assert!(shown.contains("Approved for this session: make deploy"), "{shown}");
}

fn questions(multi: bool) -> Event {
    let options = ["red", "green", "blue"]
        .iter()
        .map(|label| QuestionOption {
            label: (*label).into(),
            description: String::new(),
        })
        .collect();
    Event::InputRequested {
        request_id: "q".into(),
        call_id: "c".into(),
        request: HostRequest::Questions {
            questions: vec![
                Question {
                    id: "colour".into(),
                    header: "Colour".into(),
                    question: "Which colours?".into(),
                    options,
                    multi_select: multi,
                },
                Question {
                    id: "name".into(),
                    header: String::new(),
                    question: "Its name?".into(),
                    options: Vec::new(),
                    multi_select: false,
                },
            ],
        },
    }
}

#[test]
fn questions_take_options_ticks_and_own_words() {
    let mut app = app();
    feed(&mut app, [Event::TurnStarted { turn_id: 1 }, questions(true)]);
    app.on_key(key(KeyCode::Char(' ')));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Char(' ')));
    assert!(
        app.on_key(key(KeyCode::Enter))
            .iter()
            .all(|a| !matches!(a, Action::Op(_)))
    );
    type_text(&mut app, "Rex");
    let actions = app.on_key(key(KeyCode::Enter));
    let answers = BTreeMap::from([
        ("colour".to_string(), vec!["red".to_string(), "blue".to_string()]),
        ("name".to_string(), vec!["Rex".to_string()]),
    ]);
    assert!(
        actions.contains(&Action::Op(Op::Answer {
            request_id: "q".into(),
            answer: HostAnswer::Answers { answers }
        })),
        "{actions:?}"
    );
    assert!(app.composer.is_empty());
}

#[test]
fn skipping_every_question_declines() {
    let mut app = app();
    feed(&mut app, [questions(false)]);
    app.on_key(key(KeyCode::Esc));
    let actions = app.on_key(key(KeyCode::Esc));
    assert!(actions.contains(&Action::Op(Op::Answer {
        request_id: "q".into(),
        answer: HostAnswer::Declined
    })));
}

#[test]
fn a_form_checks_each_field() {
    let mut app = app();
    feed(
        &mut app,
        [Event::InputRequested {
            request_id: "f".into(),
            call_id: "c".into(),
            request: HostRequest::Form {
                source: "mcp server deploy".into(),
                message: "Where to?".into(),
                schema: serde_json::json!({
                    "type": "object",
                    "properties": {"replicas": {"type": "integer"}},
                    "required": ["replicas"]
                }),
            },
        }],
    );
    type_text(&mut app, "three");
    assert!(
        app.on_key(key(KeyCode::Enter))
            .iter()
            .all(|a| !matches!(a, Action::Op(_)))
    );
    let shown = crate::support::screen(&mut app, 70, 14);
    assert!(shown.contains("answer a whole number"), "{shown}");
    for _ in 0..5 {
        app.on_key(key(KeyCode::Backspace));
    }
    type_text(&mut app, "3");
    let actions = app.on_key(key(KeyCode::Enter));
    assert!(actions.contains(&Action::Op(Op::Answer {
        request_id: "f".into(),
        answer: HostAnswer::Form {
            content: serde_json::json!({"replicas": 3})
        }
    })));
}

#[test]
fn esc_interrupts_a_running_turn_only() {
    let mut app = app();
    assert!(!app.on_key(key(KeyCode::Esc)).contains(&Action::Op(Op::Interrupt)));
    feed(&mut app, [Event::TurnStarted { turn_id: 1 }]);
    assert!(app.on_key(key(KeyCode::Esc)).contains(&Action::Op(Op::Interrupt)));
}

#[test]
fn ctrl_c_clears_then_interrupts_then_quits() {
    let mut app = app();
    feed(&mut app, [Event::TurnStarted { turn_id: 1 }]);
    type_text(&mut app, "half a thought");
    let cleared = app.on_key(ctrl('c'));
    assert!(
        cleared.contains(&Action::History("half a thought".into())),
        "{cleared:?}"
    );
    assert!(app.composer.is_empty());
    assert!(app.on_key(ctrl('c')).contains(&Action::Op(Op::Interrupt)));
    assert!(app.on_key(ctrl('c')).contains(&Action::Quit));
    // Any other key in between disarms it.
    let mut app = crate::support::app();
    app.on_key(ctrl('c'));
    type_text(&mut app, "x");
    app.on_key(key(KeyCode::Backspace));
    assert!(!app.on_key(ctrl('c')).contains(&Action::Quit));
}

#[test]
fn slash_commands_become_actions() {
    let mut app = app();
    type_text(&mut app, "/compact keep the API");
    let actions = app.on_key(key(KeyCode::Enter));
    assert!(actions.contains(&Action::Op(Op::Compact {
        focus: Some("keep the API".into())
    })));
    type_text(&mut app, "/model openai:gpt-5");
    assert!(
        app.on_key(key(KeyCode::Enter))
            .contains(&Action::SetModel("openai:gpt-5".into()))
    );
    // Switching while a turn runs would lose it: refused with a hint.
    feed(&mut app, [Event::TurnStarted { turn_id: 1 }]);
    type_text(&mut app, "/new");
    let actions = app.on_key(key(KeyCode::Enter));
    assert!(!actions.contains(&Action::NewSession));
    assert!(app.hint.as_deref().is_some_and(|h| h.contains("Esc")));
    // Tab completes a unique prefix.
    let mut app = crate::support::app();
    type_text(&mut app, "/he");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.composer.text(), "/help");
    app.on_key(key(KeyCode::Enter));
    let shown = crate::support::screen(&mut app, 100, 30);
    assert!(shown.contains("/compact [focus]"), "{shown}");
}

//! The main states of the screen, as a person sees them.

use crossterm::event::KeyCode;
use jig_protocol::{
    Event, FailureKind, HostRequest, PlanStep, Question, QuestionOption, StepStatus, TokenUsage, ToolStatus,
    TurnOutcome,
};

use crate::support::{SESSION, app, ctrl, feed, key, screen, type_text};

fn started_turn(app: &mut jig_tui::App, prompt: &str) {
    feed(
        app,
        [
            Event::UserMessage { text: prompt.into() },
            Event::TurnStarted { turn_id: 1 },
        ],
    );
}

#[test]
fn streaming_answer_with_markdown() {
    let mut app = app();
    started_turn(&mut app, "Why do the tests fail?");
    feed(
        &mut app,
        [
            Event::AgentReasoning {
                text: "Looking at **mean** first.".into(),
            },
            Event::AgentMessageDelta {
                delta: "The bug is in `mean`:\n\n- it divides by ".into(),
            },
            Event::AgentMessageDelta {
                delta: "`len - 1`\n- so the tests fail\n\n```rust\nSome(sum / values.len() as f64)\n".into(),
            },
            Event::TokenUsage {
                last: TokenUsage {
                    input_tokens: 12_000,
                    cached_input_tokens: 0,
                    output_tokens: 400,
                },
                turn: TokenUsage::default(),
                total: TokenUsage {
                    input_tokens: 12_000,
                    cached_input_tokens: 0,
                    output_tokens: 400,
                },
                cost: None,
            },
        ],
    );
    insta::assert_snapshot!(screen(&mut app, 72, 24));
}

fn long_output() -> String {
    (1..=20).map(|i| format!("line {i} of the test output\n")).collect()
}

#[test]
fn tool_output_folded_then_expanded_with_ctrl_o() {
    let mut app = app();
    started_turn(&mut app, "run the tests");
    feed(
        &mut app,
        [
            Event::ToolCallBegin {
                call_id: "c1".into(),
                name: "shell".into(),
                arguments: r#"{"command":["bash","-lc","cargo test"]}"#.into(),
            },
            Event::ToolCallEnd {
                call_id: "c1".into(),
                name: "shell".into(),
                status: ToolStatus::Error,
                output: long_output(),
                duration_ms: 1520,
            },
            Event::ToolCallBegin {
                call_id: "c2".into(),
                name: "Bash".into(),
                arguments: r#"{"command":"sleep 100"}"#.into(),
            },
        ],
    );
    insta::assert_snapshot!("tool_folded", screen(&mut app, 72, 22));
    app.on_key(ctrl('o'));
    insta::assert_snapshot!("tool_expanded", screen(&mut app, 72, 34));
}

#[test]
fn patch_shows_as_a_diff() {
    let mut app = app();
    started_turn(&mut app, "fix it");
    let patch = "*** Begin Patch\n*** Update File: src/lib.rs\n@@ pub fn mean(values: &[f64]) -> Option<f64> {\n     let sum: f64 = values.iter().sum();\n-    Some(sum / (values.len() - 1) as f64)\n+    Some(sum / values.len() as f64)\n }\n*** End Patch\n";
    let edit = serde_json::json!({"file_path": "notes.md", "old_string": "# Notes\nold line\n", "new_string": "# Notes\nnew line\n"});
    feed(
        &mut app,
        [
            Event::ToolCallBegin {
                call_id: "p1".into(),
                name: "apply_patch".into(),
                arguments: patch.into(),
            },
            Event::ToolCallEnd {
                call_id: "p1".into(),
                name: "apply_patch".into(),
                status: ToolStatus::Ok,
                output: "Success. Updated the following files:\nM src/lib.rs".into(),
                duration_ms: 3,
            },
            Event::ToolCallBegin {
                call_id: "e1".into(),
                name: "Edit".into(),
                arguments: edit.to_string(),
            },
            Event::ToolCallEnd {
                call_id: "e1".into(),
                name: "Edit".into(),
                status: ToolStatus::Ok,
                output: "ok".into(),
                duration_ms: 1,
            },
        ],
    );
    insta::assert_snapshot!(screen(&mut app, 72, 24));
}

#[test]
fn plan_is_a_live_checklist() {
    let mut app = app();
    started_turn(&mut app, "fix the bug");
    let plan = |statuses: [StepStatus; 3]| Event::PlanUpdated {
        explanation: None,
        plan: [
            "Reproduce the failure",
            "Find the bug in mean",
            "Fix it and re-run the tests",
        ]
        .iter()
        .zip(statuses)
        .map(|(step, status)| PlanStep {
            step: (*step).into(),
            status,
        })
        .collect(),
    };
    use StepStatus::*;
    feed(&mut app, [plan([InProgress, Pending, Pending])]);
    // The next update replaces the checklist in place: one plan on screen.
    feed(&mut app, [plan([Completed, InProgress, Pending])]);
    let shown = screen(&mut app, 72, 18);
    assert_eq!(shown.matches("Plan").count(), 1, "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn approval_modal() {
    let mut app = app();
    started_turn(&mut app, "clean up");
    feed(
        &mut app,
        [Event::ApprovalRequested {
            request_id: "r1".into(),
            call_id: "c1".into(),
            command: "rm -rf target && cargo build".into(),
            cwd: "/work/demo".into(),
            reason: "the rule `rm -rf` asks first".into(),
            escalation: false,
        }],
    );
    insta::assert_snapshot!(screen(&mut app, 72, 20));
}

#[test]
fn question_with_options_inline() {
    let mut app = app();
    started_turn(&mut app, "set up the project");
    feed(
        &mut app,
        [Event::InputRequested {
            request_id: "q1".into(),
            call_id: "c1".into(),
            request: HostRequest::Questions {
                questions: vec![Question {
                    id: "db".into(),
                    header: "Database".into(),
                    question: "Which database should the service use?".into(),
                    options: vec![
                        QuestionOption {
                            label: "Postgres".into(),
                            description: "what production runs".into(),
                        },
                        QuestionOption {
                            label: "SQLite".into(),
                            description: "no server needed".into(),
                        },
                    ],
                    multi_select: false,
                }],
            },
        }],
    );
    app.on_key(key(KeyCode::Down));
    insta::assert_snapshot!(screen(&mut app, 72, 20));
}

#[test]
fn errors_and_a_failed_turn() {
    let mut app = app();
    started_turn(&mut app, "go");
    feed(
        &mut app,
        [
            Event::ModelRetry {
                attempt: 1,
                max_attempts: 5,
                delay_ms: 800,
                reason: "429 Too Many Requests".into(),
            },
            Event::Error {
                message: "the model's stream broke off".into(),
            },
            Event::TurnCompleted {
                turn_id: 1,
                outcome: TurnOutcome::Failed {
                    kind: FailureKind::Model,
                    error: "retries exhausted: 503 Service Unavailable; try again later".into(),
                },
                last_message: None,
            },
        ],
    );
    insta::assert_snapshot!(screen(&mut app, 72, 18));
}

#[test]
fn narrow_terminal_wraps_everything() {
    let mut app = app();
    started_turn(&mut app, "please fix the failing tests in the calc crate");
    feed(
        &mut app,
        [
            Event::ToolCallBegin {
                call_id: "c1".into(),
                name: "shell".into(),
                arguments: r#"{"command":"cargo test --offline --quiet"}"#.into(),
            },
            Event::AgentMessageDelta {
                delta: "Running the tests first, then reading `src/lib.rs`.".into(),
            },
        ],
    );
    type_text(&mut app, "also update the changelog");
    insta::assert_snapshot!(screen(&mut app, 28, 26));
}

#[test]
fn queued_interjection_until_delivered() {
    let mut app = app();
    started_turn(&mut app, "start");
    type_text(&mut app, "also the docs");
    let actions = app.on_key(key(KeyCode::Enter));
    assert!(actions.contains(&jig_tui::Action::Op(jig_protocol::Op::Interject {
        text: "also the docs".into()
    })));
    let before = screen(&mut app, 60, 12);
    assert!(before.contains("queued: also the docs"), "{before}");
    feed(
        &mut app,
        [Event::UserMessage {
            text: "also the docs".into(),
        }],
    );
    let after = screen(&mut app, 60, 12);
    assert!(!after.contains("queued"), "{after}");
    assert!(after.contains("› also the docs"), "{after}");
    let _ = SESSION;
}

#[test]
fn slash_menu_completes_commands() {
    let mut app = app();
    type_text(&mut app, "/co");
    insta::assert_snapshot!(screen(&mut app, 60, 10));
}

#[test]
fn no_colour_mode_draws_without_colours() {
    use ratatui::style::Color;
    let mut app = app();
    started_turn(&mut app, "x");
    feed(
        &mut app,
        [Event::AgentMessageDelta {
            delta: "# Title\n\n`code` and **bold**\n\n```rust\nfn main() {}\n```".into(),
        }],
    );
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 16)).unwrap();
    terminal.draw(|frame| jig_tui::ui::draw(frame, &mut app)).unwrap();
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "a colour in no-colour mode: {cell:?}"
        );
    }
}

//! Many sessions in one process, built the way every front-end builds them
//! ([`jig_core::SessionBuilder`]): each does real file work in its own
//! workspace, and nothing process-wide leaks from one into another.

use jig_config::{EnvSnapshot, SandboxMode};
use jig_core::SessionBuilder;
use jig_protocol::{Event, RolloutRecord, TurnOutcome};

use crate::support::{Fixture, model, run, settings};

const SESSIONS: usize = 16;

/// A script that writes `note.txt` with `text`, reads it back with a
/// command, and answers with what it read.
fn file_work(text: &str) -> String {
    format!(
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "printf '%s' '{text}' > note.txt" }}
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "cat note.txt" }}
[[response]]
text = "read back"
[response.expect]
last_output_contains = "{text}"
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_built_sessions_run_side_by_side_and_stay_independent() {
    let fixtures: Vec<Fixture> = (0..SESSIONS).map(|_| Fixture::new()).collect();
    // One channel for every session's events, as a front-end following many would use.
    let (sink, mut events) = tokio::sync::mpsc::unbounded_channel();
    let mut sessions = Vec::new();
    for (i, fx) in fixtures.iter().enumerate() {
        let home = fx.dir.path().join("home");
        let settings = settings(&home, &fx.ws());
        let env = EnvSnapshot::default();
        let text = format!("session {i} was here");
        let built = SessionBuilder::new(&settings, &env)
            .workspace(fx.ws())
            .client("scripted:test", model(&file_work(&text)))
            .sandbox(SandboxMode::DangerFullAccess)
            .event_sink(sink.clone())
            .create()
            .unwrap();
        assert!(built.notes.is_empty(), "{:?}", built.notes);
        let handle = built.session.spawn();
        handle.submit(jig_protocol::Op::UserInput {
            text: "write and read a note".into(),
        });
        sessions.push(handle);
    }
    drop(sink);
    let mut by_session: std::collections::HashMap<String, Vec<Event>> = std::collections::HashMap::new();
    let mut completed = 0;
    while completed < SESSIONS {
        let envelope = events.recv().await.expect("a session went away before its turn ended");
        completed += usize::from(matches!(envelope.event, Event::TurnCompleted { .. }));
        by_session.entry(envelope.session_id).or_default().push(envelope.event);
    }
    assert_eq!(by_session.len(), SESSIONS);
    for (i, (handle, fx)) in sessions.iter().zip(&fixtures).enumerate() {
        let events = &by_session[&handle.session_id];
        let outcome = events.iter().find_map(|e| match e {
            Event::TurnCompleted { outcome, .. } => Some(outcome.clone()),
            _ => None,
        });
        assert_eq!(outcome, Some(TurnOutcome::Completed), "session {i}: {events:#?}");
        let text = format!("session {i} was here");
        assert_eq!(std::fs::read_to_string(fx.ws().join("note.txt")).unwrap(), text);
        // Its events are its own: the id it started with, its own output.
        assert!(
            matches!(&events[0], Event::SessionStarted { session_id, .. } if *session_id == handle.session_id),
            "{events:#?}"
        );
        let outputs: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::ToolCallEnd { output, .. } => Some(output.as_str()),
                _ => None,
            })
            .collect();
        assert!(outputs.iter().any(|o| o.contains(&text)), "{outputs:?}");
        // And its own complete rollout.
        let dir = &handle.dir;
        assert!(dir.starts_with(fx.dir.path()), "{} outside its home", dir.display());
        let rollout = std::fs::read_to_string(dir.join("rollout.jsonl")).unwrap();
        let records: Vec<RolloutRecord> = rollout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let ends = records
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    RolloutRecord::Event {
                        event: Event::TurnCompleted { .. }
                    }
                )
            })
            .count();
        assert_eq!(ends, 1, "session {i}");
        for other in (0..SESSIONS).filter(|&other| other != i) {
            let foreign = format!("session {other} was here");
            assert!(!rollout.contains(&foreign), "session {i}'s rollout holds {foreign:?}");
        }
    }
}

#[tokio::test]
async fn each_session_puts_its_own_directory_first_on_its_commands_path() {
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "which-shim" }
[[response]]
text = "ran it"
"#;
    let mut outputs = Vec::new();
    let fixtures = [Fixture::new(), Fixture::new()];
    for (i, fx) in fixtures.iter().enumerate() {
        let bin = fx.dir.path().join(format!("bin-{i}"));
        std::fs::create_dir_all(&bin).unwrap();
        let shim = bin.join("which-shim");
        std::fs::write(&shim, format!("#!/bin/sh\necho shim {i}\n")).unwrap();
        std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let config = jig_core::SessionConfig {
            path_prefix: Some(bin),
            ..fx.config(10)
        };
        let session = jig_core::Session::create(&config, model(script), jig_tools::ToolRouter::builtin()).unwrap();
        let mut handle = session.spawn();
        let (events, outcome) = run(&mut handle, "run the shim").await;
        assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
        let output = events
            .iter()
            .find_map(|e| match e {
                Event::ToolCallEnd { output, .. } => Some(output.clone()),
                _ => None,
            })
            .unwrap();
        outputs.push(output);
    }
    assert!(
        outputs[0].contains("shim 0") && !outputs[0].contains("shim 1"),
        "{outputs:?}"
    );
    assert!(
        outputs[1].contains("shim 1") && !outputs[1].contains("shim 0"),
        "{outputs:?}"
    );
}

/// A tool that asks the front-end a question through the tool host and
/// reports the answer; one that panics.
#[derive(Debug)]
enum TestTool {
    Ask,
    Panic,
}

#[async_trait::async_trait]
impl jig_tools::Tool for TestTool {
    fn spec(&self) -> jig_protocol::ToolSpec {
        let name = match self {
            TestTool::Ask => "ask_user",
            TestTool::Panic => "explode",
        };
        jig_protocol::ToolSpec {
            namespace: None,
            name: name.into(),
            description: "test tool".into(),
            parameters: serde_json::json!({"type": "object", "properties": {}}),
            format: jig_protocol::ToolFormat::Function,
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(
        &self,
        ctx: &jig_tools::ToolContext,
        _args: serde_json::Value,
    ) -> Result<jig_tools::ToolResult, jig_tools::ToolError> {
        match self {
            TestTool::Ask => {
                let host = ctx.host.as_ref().expect("a session gives every call a host");
                let request = jig_protocol::HostRequest::Question {
                    question: "Which colour?".into(),
                    options: vec!["red".into(), "blue".into()],
                };
                match host.ask(request).await? {
                    jig_protocol::HostAnswer::Text { text } => {
                        Ok(jig_tools::ToolResult::ok(format!("the user chose {text}")))
                    }
                    _ => Ok(jig_tools::ToolResult::ok("the user did not answer")),
                }
            }
            TestTool::Panic => panic!("the explode tool exploded"),
        }
    }
}

fn router_with(tool: TestTool) -> jig_tools::ToolRouter {
    let mut router = jig_tools::ToolRouter::builtin();
    router.register(std::sync::Arc::new(tool));
    router
}

#[tokio::test]
async fn a_tool_asks_the_front_end_through_the_host_and_gets_its_answer() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "ask_user"
arguments = {}
[[response]]
text = "noted"
[response.expect]
last_output_contains = "the user chose blue"
"#;
    let session = jig_core::Session::create(&fx.config(10), model(script), router_with(TestTool::Ask)).unwrap();
    let mut handle = session.spawn();
    handle.submit(jig_protocol::Op::UserInput { text: "ask".into() });
    let request_id = loop {
        match handle.next_event().await.unwrap() {
            Event::InputRequested {
                request_id,
                request: jig_protocol::HostRequest::Question { question, .. },
                ..
            } => {
                assert_eq!(question, "Which colour?");
                break request_id;
            }
            Event::TurnCompleted { outcome, .. } => panic!("the turn ended without asking: {outcome:?}"),
            _ => {}
        }
    };
    // A late or mistyped answer is dropped; the right one is taken.
    handle.submit(jig_protocol::Op::Answer {
        request_id: "input-99".into(),
        answer: jig_protocol::HostAnswer::Declined,
    });
    handle.submit(jig_protocol::Op::Answer {
        request_id: request_id.clone(),
        answer: jig_protocol::HostAnswer::Text { text: "blue".into() },
    });
    let (_, outcome) = crate::support::until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed);
    // Recorded before and after, in order.
    let rollout = std::fs::read_to_string(handle.dir.join("rollout.jsonl")).unwrap();
    let asked = rollout.find("\"input_requested\"").expect("the question is recorded");
    let answered = rollout.find("\"input_answered\"").expect("the answer is recorded");
    assert!(asked < answered);
    assert!(rollout.contains("the user chose blue"));
}

#[tokio::test]
async fn a_panicking_turn_fails_as_internal_and_the_rollout_says_why() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "explode"
arguments = {}
[[response]]
text = "never reached"
"#;
    let session = jig_core::Session::create(&fx.config(10), model(script), router_with(TestTool::Panic)).unwrap();
    let mut handle = session.spawn();
    let (_, outcome) = run(&mut handle, "go").await;
    let TurnOutcome::Failed { kind, error } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(*kind, jig_protocol::FailureKind::Internal);
    assert!(error.contains("the explode tool exploded"), "{error}");
    // The session stops: its events end without a shutdown.
    while handle.next_event().await.is_some() {}
    let records: Vec<RolloutRecord> = std::fs::read_to_string(handle.dir.join("rollout.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let recorded = records.iter().rev().find_map(|r| match r {
        RolloutRecord::Event {
            event: Event::TurnCompleted { outcome, .. },
        } => Some(outcome.clone()),
        _ => None,
    });
    assert_eq!(recorded.as_ref(), Some(&outcome));
}

#[test]
fn a_session_built_with_a_parent_records_it() {
    let fx = Fixture::new();
    let home = fx.dir.path().join("home");
    let settings = settings(&home, &fx.ws());
    let env = EnvSnapshot::default();
    let build = |parent: Option<&str>| {
        let mut builder = SessionBuilder::new(&settings, &env)
            .workspace(fx.ws())
            .client("scripted:test", model("[[response]]\ntext = \"ok\"\n"));
        if let Some(parent) = parent {
            builder = builder.parent(parent);
        }
        builder.create().unwrap().session
    };
    let parent = build(None);
    let child = build(Some(parent.id()));
    let meta = |session: &jig_core::Session| {
        let dir = home.join("sessions").join(session.id());
        jig_core::store::read_meta(&dir).unwrap()
    };
    assert_eq!(meta(&parent).parent_session_id, None);
    assert_eq!(meta(&child).parent_session_id.as_deref(), Some(parent.id()));
}

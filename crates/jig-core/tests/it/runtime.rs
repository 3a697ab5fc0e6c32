//! Many sessions in one process, built the way every front-end builds them
//! ([`jig_core::SessionBuilder`]): each does real file work in its own
//! workspace, and nothing process-wide leaks from one into another.

use std::path::Path;

use jig_config::{CliOverrides, EnvSnapshot, LoadInputs, SandboxMode};
use jig_core::SessionBuilder;
use jig_protocol::{Event, RolloutRecord, TurnOutcome};

use crate::support::{Fixture, model, run};

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

fn settings(home: &Path, cwd: &Path) -> jig_config::Settings {
    jig_config::load(&LoadInputs {
        cwd: cwd.to_path_buf(),
        env: EnvSnapshot::from_pairs([("JIG_HOME", home.display().to_string())]),
        cli: CliOverrides::default(),
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_built_sessions_run_side_by_side_and_stay_independent() {
    let fixtures: Vec<Fixture> = (0..SESSIONS).map(|_| Fixture::new()).collect();
    let mut runs = Vec::new();
    for (i, fx) in fixtures.iter().enumerate() {
        let home = fx.dir.path().join("home");
        let settings = settings(&home, &fx.ws());
        let env = EnvSnapshot::default();
        let text = format!("session {i} was here");
        let built = SessionBuilder::new(&settings, &env)
            .workspace(fx.ws())
            .client("scripted:test", model(&file_work(&text)))
            .sandbox(SandboxMode::DangerFullAccess)
            .create()
            .unwrap();
        assert!(built.notes.is_empty(), "{:?}", built.notes);
        let mut handle = built.session.spawn();
        runs.push(tokio::spawn(async move {
            let (events, outcome) = run(&mut handle, "write and read a note").await;
            (handle.session_id.clone(), handle.dir.clone(), events, outcome)
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for (i, (run, fx)) in runs.into_iter().zip(&fixtures).enumerate() {
        let (id, dir, events, outcome) = run.await.unwrap();
        assert_eq!(outcome, TurnOutcome::Completed, "session {i}: {events:#?}");
        assert!(ids.insert(id.clone()), "two sessions share id {id}");
        let text = format!("session {i} was here");
        assert_eq!(std::fs::read_to_string(fx.ws().join("note.txt")).unwrap(), text);
        // Each session's own events, and its own complete rollout.
        let started = events.iter().find_map(|e| match e {
            Event::SessionStarted { session_id, .. } => Some(session_id.clone()),
            _ => None,
        });
        assert_eq!(started.as_deref(), Some(id.as_str()));
        let rollout = std::fs::read_to_string(dir.join("rollout.jsonl")).unwrap();
        assert!(dir.starts_with(fx.dir.path()), "{} outside its home", dir.display());
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
        for other in 0..SESSIONS {
            if other != i {
                let foreign = format!("session {other} was here");
                assert!(!rollout.contains(&foreign), "session {i}'s rollout holds {foreign:?}");
            }
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

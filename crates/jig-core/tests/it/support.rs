//! Shared helpers: build a session from a TOML script and collect its events.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jig_core::{Session, SessionConfig, SessionHandle};
use jig_model::scripted::{ScriptFormat, ScriptedModel};
use jig_protocol::{Event, Op, TurnOutcome};
use jig_tools::ToolRouter;
use tempfile::TempDir;

/// A workspace and a data dir in one temp dir.
pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ws")).unwrap();
        Fixture { dir }
    }

    pub fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    pub fn config(&self, max_turns: u32) -> SessionConfig {
        SessionConfig {
            cwd: self.ws(),
            home: self.dir.path().join("home"),
            model_spec: "scripted:test".into(),
            instructions: "test instructions".into(),
            dialect: "generic".into(),
            max_turns: Some(max_turns),
            limits: Default::default(),
            redactor: Default::default(),
            guard: Default::default(),
            compaction: Default::default(),
            fault_kill_after_records: None,
            path_prefix: None,
            parent_session_id: None,
        }
    }

    pub fn start(&self, script: &str, max_turns: u32) -> SessionHandle {
        let session = Session::create(&self.config(max_turns), model(script), ToolRouter::builtin()).unwrap();
        session.spawn()
    }

    pub fn resume(&self, dir: &Path, script: &str) -> Session {
        Session::resume(
            dir.to_path_buf(),
            &self.config(50),
            model(script),
            ToolRouter::builtin(),
        )
        .unwrap()
    }
}

pub fn model(script: &str) -> Arc<ScriptedModel> {
    Arc::new(ScriptedModel::parse("test", script, ScriptFormat::Toml).unwrap())
}

/// Events up to and including the next `turn_completed`.
pub async fn until_turn_end(handle: &mut SessionHandle) -> (Vec<Event>, TurnOutcome) {
    let mut events = Vec::new();
    while let Some(event) = handle.next_event().await {
        if let Event::TurnCompleted { outcome, .. } = &event {
            let outcome = outcome.clone();
            events.push(event);
            return (events, outcome);
        }
        events.push(event);
    }
    panic!("session ended without completing the turn: {events:#?}");
}

/// Shuts the session down and waits until its actor is gone (with it the
/// session's lock, so the session can be resumed).
pub async fn shut_down(mut handle: SessionHandle) {
    handle.submit(Op::Shutdown);
    while handle.next_event().await.is_some() {}
}

/// Waits until a tool call has begun.
pub async fn until_tool_call_begins(handle: &mut SessionHandle) {
    while let Some(event) = handle.next_event().await {
        if let Event::ToolCallBegin { .. } = event {
            return;
        }
    }
    panic!("session ended before a tool call began");
}

/// Runs one prompt to the end of its turn.
pub async fn run(handle: &mut SessionHandle, prompt: &str) -> (Vec<Event>, TurnOutcome) {
    handle.submit(Op::UserInput { text: prompt.into() });
    until_turn_end(handle).await
}

pub fn tool_ends(events: &[Event]) -> Vec<(String, jig_protocol::ToolStatus, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ToolCallEnd {
                name, status, output, ..
            } => Some((name.clone(), *status, output.clone())),
            _ => None,
        })
        .collect()
}

/// Settings as `jig` loads them for `cwd`, with `home` as `JIG_HOME`.
pub fn settings(home: &Path, cwd: &Path) -> jig_config::Settings {
    jig_config::load(&jig_config::LoadInputs {
        cwd: cwd.to_path_buf(),
        env: jig_config::EnvSnapshot::from_pairs([("JIG_HOME", home.display().to_string())]),
        cli: jig_config::CliOverrides::default(),
    })
    .unwrap()
}

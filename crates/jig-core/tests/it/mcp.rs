//! MCP servers a front-end passes to the [`SessionBuilder`] (as an ACP
//! client does in `session/new`): their tools join the session's, and one
//! that cannot start is a warning, not a failed session. The server is
//! jig-mcp's python test server, a real child process.

use std::path::Path;

use jig_config::{EnvSnapshot, McpServerConfig, SandboxMode};
use jig_core::{Note, SessionBuilder};
use jig_protocol::{ToolStatus, TurnOutcome};

use crate::support::{Fixture, model, run, settings, tool_ends};

const SCRIPT: &str = r#"
[[response]]
[[response.tool_calls]]
name = "flaky__ok"
arguments = {}
[[response]]
text = "the server answered"
[response.expect]
last_output_contains = "ok from"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_ends_mcp_servers_become_session_tools() {
    let fx = Fixture::new();
    let settings = settings(&fx.dir.path().join("home"), &fx.ws());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../jig-mcp/tests/fixtures/flaky_server.py");
    let flaky = McpServerConfig::stdio("flaky", "python3", vec![script.display().to_string()]);
    let gone = McpServerConfig::stdio("gone", "/nonexistent/server", vec![]);
    let env = EnvSnapshot::from_pairs([("PATH", std::env::var("PATH").unwrap_or_default())]);
    let built = SessionBuilder::new(&settings, &env)
        .workspace(fx.ws())
        .client("scripted:test", model(SCRIPT))
        .sandbox(SandboxMode::DangerFullAccess)
        .mcp_servers(vec![flaky, gone])
        .create()
        .unwrap();
    assert!(
        matches!(built.notes.as_slice(), [Note::Warning(w)] if w.starts_with("mcp server gone could not start")),
        "{:?}",
        built.notes
    );
    let mut handle = built.session.spawn();
    let (events, outcome) = run(&mut handle, "ask the server").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let ends = tool_ends(&events);
    assert!(
        matches!(ends.as_slice(), [(name, ToolStatus::Ok, out)] if name == "flaky__ok" && out.starts_with("ok from")),
        "{ends:?}"
    );
}

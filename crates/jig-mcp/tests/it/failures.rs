//! Servers that crash, hang or never start: the model is told, the next
//! call restarts the server, and the session goes on.

use std::time::Duration;

use jig_config::McpServerConfig;
use jig_mcp::{McpManager, ServerOutcome};
use jig_protocol::ToolStatus;
use jig_tools::{Tool, ToolContext, ToolError};
use serde_json::json;

use crate::support::{env, flaky, tempdir};

fn model_error(result: Result<jig_tools::ToolResult, ToolError>) -> String {
    match result {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected an error for the model, got {other:?}"),
    }
}

fn pid(output: &str) -> String {
    output.trim_start_matches("ok from ").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_or_a_hang_is_reported_and_the_next_call_restarts_the_server() {
    let (_dir, root) = tempdir();
    let mut config = flaky();
    config.tool_timeout = Duration::from_millis(300);
    let startup = McpManager::start(vec![config], &env(), &root, []).unwrap();
    let find = |name: &str| startup.tools.iter().find(|t| t.name() == name).unwrap().clone();
    let (ok, crash, hang) = (find("flaky__ok"), find("flaky__crash"), find("flaky__hang"));
    let ctx = ToolContext::new(&root);

    let first = ok.run(&ctx, json!({})).await.unwrap();
    assert_eq!(first.status, ToolStatus::Ok);

    let text = model_error(crash.run(&ctx, json!({})).await);
    assert!(text.starts_with("mcp server flaky exited: "), "{text}");
    assert!(text.contains("it will be restarted on the next call"), "{text}");
    let second = ok.run(&ctx, json!({})).await.unwrap();
    assert_ne!(pid(&first.output), pid(&second.output), "the server was not restarted");

    let text = model_error(hang.run(&ctx, json!({})).await);
    assert!(text.contains("did not answer within 0.3s (tool_timeout_sec)"), "{text}");
    let third = ok.run(&ctx, json!({})).await.unwrap();
    assert_ne!(
        pid(&second.output),
        pid(&third.output),
        "the hung server was not restarted"
    );

    // An interrupt ends the call without blaming the server.
    let mut config = flaky();
    config.name = "slow".into();
    let startup = McpManager::start(vec![config], &env(), &root, []).unwrap();
    let hang = startup.tools.iter().find(|t| t.name() == "slow__hang").unwrap().clone();
    let ctx = ToolContext::new(&root);
    let cancel = ctx.cancel.clone();
    let call = tokio::spawn(async move { hang.run(&ctx, json!({})).await });
    cancel.cancel();
    assert!(matches!(call.await.unwrap(), Err(ToolError::Interrupted)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_cannot_start_is_a_warning() {
    let (_dir, root) = tempdir();
    let missing = McpServerConfig::stdio("gone", "/nonexistent/mcp-server", vec![]);
    let mut off = flaky();
    off.name = "off".into();
    off.enabled = false;
    let mut only_ok = flaky();
    only_ok.enabled_tools = Some(vec!["ok".into(), "crash".into()]);
    only_ok.disabled_tools = vec!["crash".into()];
    let mut mute = McpServerConfig::stdio("mute", "sleep", vec!["600".into()]);
    mute.startup_timeout = Duration::from_millis(300);
    let startup = McpManager::start(vec![missing, off, only_ok, mute], &env(), &root, []).unwrap();
    assert!(matches!(startup.servers[0].outcome, ServerOutcome::Failed { .. }));
    assert!(matches!(startup.servers[1].outcome, ServerOutcome::Disabled));
    assert!(matches!(startup.servers[2].outcome, ServerOutcome::Running { .. }));
    let warnings = startup.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(
        warnings[1],
        "mcp server mute did not start within 0.3s (startup_timeout_sec); the session goes on without its tools"
    );
    assert!(
        warnings[0].starts_with("mcp server gone could not start: cannot run `/nonexistent/mcp-server`"),
        "{warnings:?}"
    );
    let names: Vec<&str> = startup.tools.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["flaky__ok"], "enabled_tools and disabled_tools are not applied");
}

/// Whether process `pid` is gone (or only a zombie waiting to be reaped).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit(") ").next().is_some_and(|rest| rest.starts_with('Z')),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_the_session_kills_the_servers_process_group() {
    let (_dir, root) = tempdir();
    let pid_file = root.join("helper.pid");
    let mut config = flaky();
    if let jig_config::McpTransport::Stdio { env, .. } = &mut config.transport {
        env.insert("FLAKY_CHILD_PID_FILE".into(), pid_file.to_string_lossy().into_owned());
    }
    let startup = McpManager::start(vec![config], &env(), &root, []).unwrap();
    assert!(matches!(startup.servers[0].outcome, ServerOutcome::Running { .. }));
    let helper = std::fs::read_to_string(&pid_file).unwrap();
    assert!(!gone(&helper), "the helper is not running");
    drop(startup);
    // SIGKILL is delivered at once, but the kernel tears the process down
    // asynchronously: wait for that, bounded, instead of sleeping a guess.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !gone(&helper) {
        assert!(
            std::time::Instant::now() < deadline,
            "the server's helper {helper} outlived the session"
        );
        std::thread::yield_now();
    }
}

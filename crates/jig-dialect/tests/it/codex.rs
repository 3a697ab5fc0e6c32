//! The codex dialects through `jig_dialect::router`: the exact shapes Codex
//! CLI sends, and real tools on real temp dirs.

use std::fs;

use jig_dialect::{Dialect, router};
use jig_protocol::{ToolCall, ToolStatus};
use jig_tools::{ToolContext, ToolError, ToolResult, ToolRouter};
use serde_json::{Value, json};

async fn call(router: &ToolRouter, ctx: &ToolContext, name: &str, arguments: String) -> Result<ToolResult, ToolError> {
    let call = ToolCall {
        call_id: "call_1".into(),
        name: name.into(),
        arguments,
    };
    router.dispatch(ctx, &call).await
}

async fn exec(router: &ToolRouter, ctx: &ToolContext, args: Value) -> ToolResult {
    call(router, ctx, "exec_command", args.to_string()).await.unwrap()
}

/// Replaces the chunk id and wall time, which change every run.
fn normalize(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            if line.starts_with("Chunk ID: ") {
                "Chunk ID: [ID]".to_string()
            } else if line.starts_with("Wall time: ") {
                "Wall time: [TIME] seconds".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn session_id(output: &str) -> Option<u64> {
    output
        .lines()
        .find_map(|line| line.strip_prefix("Process running with session ID "))
        .map(|id| id.parse().unwrap())
}

#[test]
fn codex_tool_specs() {
    let specs = serde_json::to_string_pretty(&router(Dialect::Codex).specs()).unwrap();
    insta::assert_snapshot!("codex_tool_specs", specs);
}

#[test]
fn codex_legacy_tool_specs() {
    let specs = serde_json::to_string_pretty(&router(Dialect::CodexLegacy).specs()).unwrap();
    insta::assert_snapshot!("codex_legacy_tool_specs", specs);
}

#[tokio::test]
async fn exec_command_uses_the_codex_layout() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let codex = router(Dialect::Codex);
    let result = exec(&codex, &ctx, json!({ "cmd": "echo hi" })).await;
    assert_eq!(result.status, ToolStatus::Ok);
    let id = result
        .output
        .lines()
        .next()
        .unwrap()
        .strip_prefix("Chunk ID: ")
        .unwrap();
    assert!(id.len() == 6 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let wall = result.output.lines().nth(1).unwrap();
    assert!(wall.starts_with("Wall time: ") && wall.ends_with(" seconds"), "{wall}");
    assert_eq!(
        normalize(&result.output),
        "Chunk ID: [ID]\nWall time: [TIME] seconds\nProcess exited with code 0\nOriginal token count: 1\nOutput:\nhi"
    );
    let failed = exec(&codex, &ctx, json!({ "cmd": "exit 4", "yield_time_ms": 5000 })).await;
    assert_eq!(failed.status, ToolStatus::Error);
    assert!(
        failed.output.contains("Process exited with code 4\n"),
        "{}",
        failed.output
    );
}

#[tokio::test]
async fn without_tty_stdin_is_closed_so_stdin_readers_finish() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let codex = router(Dialect::Codex);
    let done = exec(&codex, &ctx, json!({ "cmd": "cat; echo done", "yield_time_ms": 10000 })).await;
    assert!(session_id(&done.output).is_none(), "{}", done.output);
    assert!(done.output.ends_with("Output:\ndone\n"), "{}", done.output);
}

#[tokio::test]
async fn long_command_continues_with_write_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let codex = router(Dialect::Codex);
    let first = exec(
        &codex,
        &ctx,
        json!({ "cmd": "read line; echo got $line", "yield_time_ms": 300, "tty": true }),
    )
    .await;
    let id = session_id(&first.output).expect("still waiting for input");
    let mut output = String::new();
    let mut chars = "hello\n";
    for _ in 0..20 {
        let args = json!({ "session_id": id, "chars": chars, "yield_time_ms": 2000 });
        let next = call(&codex, &ctx, "write_stdin", args.to_string()).await.unwrap();
        chars = "";
        output = next.output;
        if session_id(&output).is_none() {
            break;
        }
    }
    assert!(output.contains("Process exited with code 0\n"), "{output}");
    assert!(output.ends_with("Output:\ngot hello\n"), "{output}");
    let gone = call(&codex, &ctx, "write_stdin", json!({ "session_id": id }).to_string()).await;
    assert!(matches!(gone, Err(ToolError::RespondToModel(_))), "{gone:?}");
}

#[tokio::test]
async fn apply_patch_heredoc_is_applied_in_process() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/a.txt"), "one\ntwo\n").unwrap();
    let ctx = ToolContext::new(dir.path());
    let codex = router(Dialect::Codex);
    // No `apply_patch` program exists on this machine, so only interception
    // can make this work.
    let cmd = "cd sub && apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: a.txt\n one\n-two\n+three\n*** End Patch\nEOF\n";
    let result = exec(&codex, &ctx, json!({ "cmd": cmd })).await;
    assert_eq!(result.status, ToolStatus::Ok, "{}", result.output);
    assert!(
        result.output.contains("Process exited with code 0\n"),
        "{}",
        result.output
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("sub/a.txt")).unwrap(),
        "one\nthree\n"
    );

    let bad = "apply_patch <<EOF\n*** Begin Patch\n*** Update File: missing.txt\n-x\n+y\n*** End Patch\nEOF";
    let result = exec(&codex, &ctx, json!({ "cmd": bad })).await;
    assert_eq!(result.status, ToolStatus::Error);
    assert!(
        result.output.contains("Process exited with code 1\n"),
        "{}",
        result.output
    );
    assert!(result.output.contains("missing.txt"), "{}", result.output);
}

#[tokio::test]
async fn legacy_shell_runs_argv() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let legacy = router(Dialect::CodexLegacy);
    let args = json!({ "command": ["bash", "-c", "echo out; echo err >&2; exit 2"], "timeout_ms": 10000 });
    let result = call(&legacy, &ctx, "shell", args.to_string()).await.unwrap();
    assert_eq!(result.status, ToolStatus::Error);
    let mut lines = result.output.lines();
    assert_eq!(lines.next(), Some("Exit code: 2"));
    assert!(lines.next().unwrap().starts_with("Wall time: "));
    assert_eq!(lines.collect::<Vec<_>>(), ["Output:", "out", "err"]);
    let plain = call(&legacy, &ctx, "shell", json!({ "command": "echo hi" }).to_string()).await;
    assert!(
        matches!(plain, Err(ToolError::RespondToModel(_))),
        "a string is not an argv: {plain:?}"
    );
}

#[tokio::test]
async fn legacy_apply_patch_takes_raw_text() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let legacy = router(Dialect::CodexLegacy);
    let patch = "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch\n";
    let result = call(&legacy, &ctx, "apply_patch", patch.to_string()).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok, "{}", result.output);
    assert_eq!(fs::read_to_string(dir.path().join("new.txt")).unwrap(), "hello\n");
}

#[tokio::test]
async fn update_plan_is_offered_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    for dialect in [Dialect::Codex, Dialect::CodexLegacy] {
        let args = json!({ "explanation": "start", "plan": [{ "step": "read", "status": "in_progress" }] });
        let result = call(&router(dialect), &ctx, "update_plan", args.to_string())
            .await
            .unwrap();
        assert!(result.effect.is_some());
    }
}

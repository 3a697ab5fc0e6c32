//! The shell tool against real processes: output layout, exit codes, argv,
//! env, workdir, timeouts and interrupts that kill the whole process group.

use std::path::Path;
use std::time::Duration;

use jig_protocol::ToolStatus;
use jig_tools::shell::ShellTool;
use jig_tools::{Tool, ToolContext, ToolError, ToolResult};
use serde_json::{Value, json};

async fn shell(ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
    ShellTool::default().run(ctx, args).await
}

/// Replaces the measured duration so snapshots are stable.
fn normalize(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            if line.starts_with("wall time: ") {
                "wall time: [TIME] s"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn respond_text(result: Result<ToolResult, ToolError>) -> String {
    match result {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

/// Whether `pid` is gone (or a zombie waiting for init to reap it).
fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            state.starts_with('Z') || state.starts_with('X')
        }
    }
}

/// Polls briefly, because SIGKILL delivery is asynchronous.
async fn assert_gone(pid: i32) {
    for _ in 0..500 {
        if process_gone(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("process {pid} is still alive");
}

fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

#[tokio::test]
async fn echo_reports_exit_code_time_and_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": "echo hello" })).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    insta::assert_snapshot!(normalize(&result.output), @r"
    exit code: 0
    wall time: [TIME] s
    stdout:
    hello
    ");
}

#[tokio::test]
async fn non_zero_exit_is_an_error_result_with_both_streams() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": "echo out; echo err >&2; exit 3" }))
        .await
        .unwrap();
    assert_eq!(result.status, ToolStatus::Error);
    insta::assert_snapshot!(normalize(&result.output), @r"
    exit code: 3
    wall time: [TIME] s
    stdout:
    out
    stderr:
    err
    ");
}

#[tokio::test]
async fn death_by_signal_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": ["bash", "-c", "kill -SEGV $$"] }))
        .await
        .unwrap();
    assert_eq!(result.status, ToolStatus::Error);
    assert!(
        result.output.starts_with("exit code: none (killed by SIGSEGV)\n"),
        "{}",
        result.output
    );
}

#[tokio::test]
async fn stderr_only_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": "echo oops >&2" })).await.unwrap();
    insta::assert_snapshot!(normalize(&result.output), @r"
    exit code: 0
    wall time: [TIME] s
    stderr:
    oops
    ");
    let result = shell(&ctx, json!({ "command": "true" })).await.unwrap();
    insta::assert_snapshot!(normalize(&result.output), @r"
    exit code: 0
    wall time: [TIME] s
    (no output)
    ");
}

#[tokio::test]
async fn argv_form_runs_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": ["printf", "%s|", "a b", "$HOME"] }))
        .await
        .unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    assert!(result.output.ends_with("stdout:\na b|$HOME|"), "{}", result.output);
}

#[tokio::test]
async fn missing_program_is_reported_to_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let text = respond_text(shell(&ctx, json!({ "command": ["jig-no-such-program"] })).await);
    assert!(text.starts_with("cannot run jig-no-such-program in "), "{text}");
    assert!(text.contains("check the program name"), "{text}");
    let text = respond_text(shell(&ctx, json!({ "command": [] })).await);
    assert!(text.contains("argv array is empty"), "{text}");
}

#[tokio::test]
async fn env_and_workdir_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let ctx = ToolContext::new(dir.path());
    let args = json!({ "command": "echo \"$JIG_TEST_VAR\"; pwd", "workdir": "sub", "env": { "JIG_TEST_VAR": "x y" } });
    let result = shell(&ctx, args).await.unwrap();
    let expected = format!(
        "stdout:\nx y\n{}",
        dir.path().join("sub").canonicalize().unwrap().display()
    );
    assert!(result.output.ends_with(&expected), "{}", result.output);
}

#[tokio::test]
async fn missing_workdir_is_reported_to_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let text = respond_text(shell(&ctx, json!({ "command": "pwd", "workdir": "nope" })).await);
    assert!(text.contains("workdir") && text.contains("nope"), "{text}");
}

#[tokio::test]
async fn unknown_argument_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let text = respond_text(shell(&ctx, json!({ "command": "true", "cwd": "/" })).await);
    assert!(
        text.starts_with("invalid arguments for shell: unknown field `cwd`"),
        "{text}"
    );
}

#[tokio::test]
async fn timeout_kills_the_process_group_including_grandchildren() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let args = json!({ "command": "echo started; sleep 100 & echo $! > pid; wait", "timeout_ms": 2000 });
    let result = shell(&ctx, args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Error);
    insta::assert_snapshot!(normalize(&result.output), @r"
    command timed out after 2 s; the process group was killed
    wall time: [TIME] s
    stdout:
    started
    ");
    assert_gone(read_pid(&dir.path().join("pid"))).await;
}

#[tokio::test]
async fn background_grandchild_holding_the_pipes_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": "sleep 100 & echo $! > pid; echo done" }))
        .await
        .unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    assert!(result.output.ends_with("stdout:\ndone"), "{}", result.output);
    assert_gone(read_pid(&dir.path().join("pid"))).await;
}

#[tokio::test]
async fn large_output_is_cut_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": "seq 1 200000" })).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    assert!(
        result.output.contains("stdout:\n1\n2\n3\n"),
        "{}",
        &result.output[..100]
    );
    assert!(result.output.ends_with("\n199999\n200000"));
    assert!(result.output.contains(" lines) truncated ...]\n"));
    assert!(result.output.len() < 17 * 1024, "{} bytes", result.output.len());

    let small = ShellTool { max_output_bytes: 40 };
    let result = small.run(&ctx, json!({ "command": "seq 1 100" })).await.unwrap();
    insta::assert_snapshot!(normalize(&result.output), @r"
    exit code: 0
    wall time: [TIME] s
    stdout:
    1
    2
    3
    4
    5
    6
    7
    8
    9
    [... 252 bytes (84 lines) truncated ...]
    94
    95
    96
    97
    98
    99
    100
    ");
}

#[tokio::test]
async fn invalid_utf8_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let result = shell(&ctx, json!({ "command": "printf 'a\\377b'" })).await.unwrap();
    assert!(result.output.ends_with("stdout:\na\u{fffd}b"), "{}", result.output);
}

#[tokio::test]
async fn cancel_interrupts_and_kills_the_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let task_ctx = ctx.clone();
    let command = "echo $$ > shell.pid; sleep 100 & echo $! > sleep.pid; wait";
    let task = tokio::spawn(async move { shell(&task_ctx, json!({ "command": command })).await });
    let sleep_pid = dir.path().join("sleep.pid");
    for _ in 0..1000 {
        if std::fs::read_to_string(&sleep_pid).is_ok_and(|s| s.ends_with('\n')) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ctx.cancel.cancel();
    let result = task.await.unwrap();
    assert!(matches!(result, Err(ToolError::Interrupted)), "{result:?}");
    assert_gone(read_pid(&dir.path().join("shell.pid"))).await;
    assert_gone(read_pid(&sleep_pid)).await;
}

#[tokio::test]
async fn already_cancelled_context_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    ctx.cancel.cancel();
    let result = shell(&ctx, json!({ "command": "touch ran" })).await;
    assert!(matches!(result, Err(ToolError::Interrupted)), "{result:?}");
    assert!(!dir.path().join("ran").exists());
}

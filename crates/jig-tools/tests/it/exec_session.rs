//! Exec sessions against real processes: exit codes, sessions that outlive a
//! call, stdin, truncation, and unknown ids.

use jig_tools::exec_session::{ExecChunk, ExecRequest, ExecSessions, Stdin};
use jig_tools::shell::CommandLine;
use jig_tools::{ToolContext, ToolError};

fn request(ctx: &ToolContext, script: &str, yield_ms: u64) -> ExecRequest {
    ExecRequest {
        command: CommandLine::Script(script.to_string()),
        workdir: ctx.cwd.clone(),
        env: Default::default(),
        yield_time_ms: Some(yield_ms),
        max_output_tokens: None,
        stdin: Stdin::Closed,
    }
}

/// Polls with empty input until the process exits (bounded attempts; the
/// tool's yield time does the waiting).
async fn poll_until_exit(sessions: &ExecSessions, ctx: &ToolContext, id: u32) -> (ExecChunk, String) {
    let mut output = String::new();
    for _ in 0..40 {
        let chunk = sessions.write_stdin(ctx, id, "", Some(2_000), None).await.unwrap();
        output.push_str(&chunk.output);
        if chunk.exit_code.is_some() {
            return (chunk, output);
        }
    }
    panic!("session {id} never exited");
}

#[tokio::test]
async fn quick_command_returns_exit_code_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    let chunk = sessions
        .exec(&ctx, &request(&ctx, "echo hi; echo err >&2; exit 3", 10_000))
        .await
        .unwrap();
    assert_eq!(chunk.exit_code, Some(3));
    assert_eq!(chunk.session_id, None);
    assert_eq!(chunk.output, "hi\nerr\n");
    assert_eq!(chunk.original_token_count, 2);
    assert_eq!(chunk.chunk_id.len(), 6);
    assert!(chunk.chunk_id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(sessions.live().is_empty());
}

#[tokio::test]
async fn slow_command_keeps_a_session_until_it_exits() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    let first = sessions
        .exec(&ctx, &request(&ctx, "echo start; sleep 1; echo done", 250))
        .await
        .unwrap();
    let id = first.session_id.expect("still running after 250 ms");
    assert_eq!(first.exit_code, None);
    assert_eq!(sessions.live(), vec![id]);
    let (last, rest) = poll_until_exit(&sessions, &ctx, id).await;
    assert_eq!(last.exit_code, Some(0));
    assert_eq!(last.session_id, None);
    assert_eq!(format!("{}{rest}", first.output), "start\ndone\n");
    assert!(sessions.live().is_empty());
}

#[tokio::test]
async fn interactive_command_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    let mut req = request(&ctx, "read line; echo got $line", 250);
    req.stdin = Stdin::Pipe;
    let first = sessions.exec(&ctx, &req).await.unwrap();
    let id = first.session_id.expect("waits for input");
    let reply = sessions
        .write_stdin(&ctx, id, "hello\n", Some(5_000), None)
        .await
        .unwrap();
    let (exit, output) = if reply.exit_code.is_some() {
        (reply.exit_code, reply.output)
    } else {
        let (chunk, rest) = poll_until_exit(&sessions, &ctx, id).await;
        (chunk.exit_code, reply.output + &rest)
    };
    assert_eq!(exit, Some(0));
    assert_eq!(output, "got hello\n");
}

#[tokio::test]
async fn without_a_pipe_stdin_is_closed_and_typing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), "needle\n").unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    // A program that reads stdin when given no file ends at once instead of
    // waiting on a pipe nobody writes to.
    let chunk = sessions
        .exec(&ctx, &request(&ctx, "wc -c; cat; echo done", 10_000))
        .await
        .unwrap();
    assert_eq!(chunk.exit_code, Some(0), "{chunk:?}");
    assert_eq!(chunk.output, "0\ndone\n");
    let slow = sessions
        .exec(&ctx, &request(&ctx, "read line; echo got $line; sleep 5", 250))
        .await
        .unwrap();
    let id = slow.session_id.expect("still sleeping");
    match sessions.write_stdin(&ctx, id, "hello\n", Some(250), None).await {
        Err(ToolError::RespondToModel(msg)) => assert!(msg.contains("tty: true"), "{msg}"),
        other => panic!("typing into a closed stdin must be refused: {other:?}"),
    }
}

#[tokio::test]
async fn long_output_is_cut_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    let mut req = request(&ctx, "seq 1 2000", 10_000);
    req.max_output_tokens = Some(50);
    let chunk = sessions.exec(&ctx, &req).await.unwrap();
    let full: usize = (1..=2000).map(|n: u32| n.to_string().len() + 1).sum();
    assert_eq!(chunk.original_token_count, full.div_ceil(4));
    assert!(chunk.output.starts_with("1\n2\n"), "{}", chunk.output);
    assert!(chunk.output.ends_with("2000\n"), "{}", chunk.output);
    assert!(chunk.output.contains("truncated"), "{}", chunk.output);
    assert!(chunk.output.len() < 400, "{}", chunk.output.len());
}

#[tokio::test]
async fn unknown_session_is_reported_to_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    match sessions.write_stdin(&ctx, 42, "", None, None).await {
        Err(ToolError::RespondToModel(text)) => assert!(text.contains("unknown session id 42"), "{text}"),
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

#[tokio::test]
async fn dropping_the_manager_kills_running_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > {}; sleep 30", pid_file.display());
    let chunk = sessions.exec(&ctx, &request(&ctx, &script, 250)).await.unwrap();
    let id = chunk.session_id.expect("sleeping");
    let mut pid = None;
    for _ in 0..40 {
        if let Ok(text) = std::fs::read_to_string(&pid_file)
            && let Ok(found) = text.trim().parse::<i32>()
        {
            pid = Some(found);
            break;
        }
        sessions.write_stdin(&ctx, id, "", Some(250), None).await.unwrap();
    }
    let pid = pid.expect("the script wrote its pid");
    drop(sessions);
    for _ in 0..500 {
        let gone = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => {
                let state = stat.rsplit(')').next().unwrap_or("").trim_start();
                state.starts_with('Z') || state.starts_with('X')
            }
        };
        if gone {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("process {pid} survived the manager");
}

#[tokio::test]
async fn the_truncation_note_counts_output_the_buffer_never_kept() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let sessions = ExecSessions::new();
    // 5 MB in lines of 10 bytes: far more than the unread-output buffer holds.
    let total: usize = 5_000_000;
    let req = request(&ctx, &format!("yes abcdefghi | head -c {total}"), 10_000);
    let chunk = sessions.exec(&ctx, &req).await.unwrap();
    assert_eq!(chunk.exit_code, Some(0));
    assert_eq!(chunk.original_token_count, total.div_ceil(4));
    let marker = chunk.output.lines().find(|l| l.starts_with("[...")).unwrap();
    let kept = chunk.output.len() - marker.len() - 1;
    let kept_lines = chunk.output.lines().count() - 1;
    assert_eq!(
        marker,
        format!(
            "[... {} bytes ({} lines) truncated ...]",
            total - kept,
            total / 10 - kept_lines
        )
    );
}

//! Guardrails through `jig exec`: the sandbox blocks and explains, approvals
//! are asked as events and answered as JSON lines on stdin, and Ctrl-C stops
//! a running command's whole process group and leaves a resumable session.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Stdio};

use crate::support::{Env, stderr, stdout};

fn model(env: &Env, script: &str) -> String {
    format!("scripted:{}", env.file("script.toml", script).display())
}

/// Reads JSON event lines until one has `"type": kind`.
pub(crate) fn until(lines: &mut impl Iterator<Item = std::io::Result<String>>, kind: &str) -> serde_json::Value {
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["type"] == kind {
            return event;
        }
    }
    panic!("jig ended without a {kind} event");
}

pub(crate) fn spawn_json(env: &Env, args: &[&str]) -> (Child, std::io::Lines<BufReader<ChildStdout>>) {
    let mut child = env
        .jig()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

#[test]
fn the_sandbox_blocks_writes_outside_and_the_network_and_says_why() {
    if !crate::support::landlock() {
        return;
    }
    let env = Env::new();
    let outside = std::path::PathBuf::from(format!("/var/tmp/jig-sandbox-probe-{}", std::process::id()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "echo escaped > {outside}" }}
[[response]]
[response.expect]
last_status = "error"
last_output_contains = "may have been stopped by it"
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected" }}
[[response]]
[response.expect]
last_status = "error"
last_output_contains = "Network access is blocked"
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "echo inside > inside.txt" }}
[[response]]
text = "done"
[response.expect]
last_status = "ok"
"#,
        outside = outside.display()
    );
    let out = env.run(&["exec", "--model", &model(&env, &script), "probe the sandbox"]);
    let escaped = outside.exists();
    let _ = std::fs::remove_file(&outside);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!escaped, "a sandboxed command wrote outside the workspace");
    listener.set_nonblocking(true).unwrap();
    assert!(
        listener.accept().is_err(),
        "a sandboxed command reached a loopback port"
    );
    assert_eq!(
        std::fs::read_to_string(env.ws().join("inside.txt")).unwrap(),
        "inside\n"
    );
}

#[test]
fn untrusted_asks_and_json_lines_on_stdin_answer() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "ls" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch approved.txt" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch denied.txt" }
[[response]]
text = "done"
[response.expect]
last_output_contains = "declined"
"#;
    let model = model(&env, script);
    let (mut child, mut lines) = spawn_json(&env, &["exec", "--json", "-a", "untrusted", "--model", &model, "go"]);
    let mut stdin = child.stdin.take().unwrap();
    // `ls` is known-safe: no question. The two writes are asked in order.
    let first = until(&mut lines, "approval_requested");
    assert_eq!(first["command"], "touch approved.txt");
    writeln!(
        stdin,
        r#"{{"type":"approval","request_id":"{}","decision":"approve"}}"#,
        first["request_id"].as_str().unwrap()
    )
    .unwrap();
    let second = until(&mut lines, "approval_requested");
    assert_eq!(second["command"], "touch denied.txt");
    writeln!(
        stdin,
        r#"{{"type":"approval","request_id":"{}","decision":"deny"}}"#,
        second["request_id"].as_str().unwrap()
    )
    .unwrap();
    let done = until(&mut lines, "turn_completed");
    assert_eq!(done["outcome"]["type"], "completed");
    assert!(child.wait().unwrap().success());
    assert!(env.ws().join("approved.txt").exists());
    assert!(!env.ws().join("denied.txt").exists());
}

#[test]
fn without_a_terminal_or_flags_jig_never_asks() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "git push --force origin feature || true; touch ran.txt" }
[[response]]
text = "done"
"#;
    let out = env.run(&["exec", "--json", "--model", &model(&env, script), "go"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("approval_requested"));
    assert!(env.ws().join("ran.txt").exists());
}

#[test]
fn ctrl_c_kills_the_running_command_and_the_session_resumes() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo $$ > pid.txt; exec sleep 100" }
[[response]]
text = "resumed fine"
"#;
    let model = model(&env, script);
    let (mut child, mut lines) = spawn_json(&env, &["exec", "--json", "--model", &model, "go"]);
    until(&mut lines, "tool_call_begin");
    let pid_file = env.ws().join("pid.txt");
    let pid = wait_for(|| {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
    });
    let jig = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(jig, nix::sys::signal::Signal::SIGINT).unwrap();
    let done = until(&mut lines, "turn_completed");
    assert_eq!(done["outcome"]["type"], "interrupted");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    // The whole process group was killed: the sleep is gone (a zombie awaiting
    // its reaper counts as gone).
    let gone = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        (stat.is_empty() || stat.contains(") Z ")).then_some(())
    };
    wait_for(gone);

    let out = env.run(&["resume", "--last", "carry on"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "resumed fine\n");
}

/// Polls `check` until it yields, for at most about a second.
fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(value) = check() {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("condition not reached in time");
}

#[test]
fn an_approval_open_when_jig_is_killed_is_asked_again_on_resume() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch approved.txt" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch after.txt" }
[[response]]
text = "done"
"#;
    let model = model(&env, script);
    let (mut child, mut lines) = spawn_json(&env, &["exec", "--json", "-a", "untrusted", "--model", &model, "go"]);
    let first = until(&mut lines, "approval_requested");
    assert_eq!(first["command"], "touch approved.txt");
    // The question is durable before it is shown; now jig dies unanswered.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!env.ws().join("approved.txt").exists());

    let (mut child, mut lines) = spawn_json(&env, &["resume", "--last", "--json", "-a", "untrusted"]);
    let mut stdin = child.stdin.take().unwrap();
    let again = until(&mut lines, "approval_requested");
    assert_eq!(again["command"], "touch approved.txt");
    assert_eq!(again["call_id"], first["call_id"], "the same call asks again");
    assert_ne!(again["request_id"], first["request_id"], "request ids are never reused");
    let mut request = again;
    for next in ["touch after.txt", ""] {
        writeln!(
            stdin,
            r#"{{"type":"approval","request_id":"{}","decision":"approve"}}"#,
            request["request_id"].as_str().unwrap()
        )
        .unwrap();
        if !next.is_empty() {
            request = until(&mut lines, "approval_requested");
            assert_eq!(request["command"], next);
        }
    }
    let done = until(&mut lines, "turn_completed");
    assert_eq!(done["outcome"]["type"], "completed", "{done}");
    assert!(child.wait().unwrap().success());
    assert!(env.ws().join("approved.txt").exists());
    assert!(
        env.ws().join("after.txt").exists(),
        "the call after the open one runs too"
    );

    // The rollout tells the story: asked, (killed), asked again, decided;
    // no output was ever invented for the open call.
    let records = crate::support::records(&env.only_session().join("rollout.jsonl"));
    let outputs: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            jig_protocol::RolloutRecord::Item {
                item: jig_protocol::Item::ToolOutput(out),
            } => Some(out.output.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(outputs.len(), 2, "{outputs:#?}");
    assert!(outputs.iter().all(|o| !o.contains("interrupted")), "{outputs:#?}");
}

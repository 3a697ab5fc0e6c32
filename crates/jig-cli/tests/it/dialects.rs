//! The dialects through `jig exec` with scripted models: each family's
//! trained tool calls work end to end, including `rg` where ripgrep is not
//! installed (jig answers as `rg` through a link on the commands' PATH) and
//! Codex's `apply_patch` heredoc through `exec_command`.

use crate::support::{Env, stderr, stdout};

fn exec(env: &Env, dialect: &str, script: &str) -> std::process::Output {
    let model = format!("scripted:{}", env.file("script.toml", script).display());
    env.run(&[
        "exec",
        "--dialect",
        dialect,
        "--model",
        &model,
        "change needle to thread",
    ])
}

#[test]
fn codex_searches_with_rg_and_patches_through_exec_command() {
    let env = Env::new();
    std::fs::write(env.ws().join("notes.txt"), "first line\na needle here\n").unwrap();
    let script = r#"
[[response]]
text = "Searching."
[[response.tool_calls]]
name = "exec_command"
arguments = { cmd = "rg -n needle" }

[[response]]
[response.expect]
last_output_contains = "notes.txt:2:a needle here"
[[response.tool_calls]]
name = "exec_command"
arguments = { cmd = """apply_patch <<'EOF'
*** Begin Patch
*** Update File: notes.txt
 first line
-a needle here
+a thread here
*** End Patch
EOF""" }

[[response]]
text = "Changed it."
[response.expect]
last_output_contains = "Process exited with code 0"
"#;
    let out = exec(&env, "codex", script);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Changed it.\n");
    assert_eq!(
        std::fs::read_to_string(env.ws().join("notes.txt")).unwrap(),
        "first line\na thread here\n"
    );
}

#[test]
fn claude_reads_edits_and_tracks_tasks() {
    let env = Env::new();
    std::fs::write(env.ws().join("notes.txt"), "first line\na needle here\n").unwrap();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "TaskCreate"
arguments = { subject = "Replace needle", description = "in notes.txt" }
[[response.tool_calls]]
name = "Bash"
arguments = { command = "rg -l needle", description = "find the file" }

[[response]]
[response.expect]
last_output_contains = "notes.txt"
[[response.tool_calls]]
name = "Read"
arguments = { file_path = "notes.txt" }

[[response]]
[response.expect]
last_output_contains = "2→a needle here"
[[response.tool_calls]]
name = "Edit"
arguments = { file_path = "notes.txt", old_string = "needle", new_string = "thread" }
[[response.tool_calls]]
name = "TaskUpdate"
arguments = { taskId = "1", status = "completed" }

[[response]]
text = "Done."
"#;
    let out = exec(&env, "claude", script);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(env.ws().join("notes.txt")).unwrap(),
        "first line\na thread here\n"
    );
    assert!(stderr(&out).contains("[x] Replace needle"), "{}", stderr(&out));
}

#[test]
fn resume_keeps_the_dialect_the_session_started_with() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "exec_command"
arguments = { cmd = "echo one" }
[[response]]
text = "first done"
[[response]]
[[response.tool_calls]]
name = "exec_command"
arguments = { cmd = "echo two" }
[[response]]
text = "second done"
[response.expect]
last_output_contains = "two"
"#;
    let out = exec(&env, "codex", script);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["resume", "--last", "again"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "second done\n");
}

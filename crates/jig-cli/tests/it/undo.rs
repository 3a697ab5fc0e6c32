//! Checkpoints, `jig undo` and `jig diff` through the real binary with
//! scripted models: files changed by apply_patch (the tool and Codex's
//! heredoc) and by Claude's Write/Edit are restored — untracked files in a
//! workspace outside git, a deleted file brought back, a created file
//! removed — to before the last call or before `--to CALL_ID`; files changed
//! since are not overwritten without `--force`; a running session is not
//! touched; every undo is recorded in the rollout.

use std::path::Path;

use crate::support::{Env, stderr, stdout};

fn exec(env: &Env, dialect: &str, script: &str) {
    let model = format!("scripted:{}", env.file("script.toml", script).display());
    let out = env.run(&["exec", "--dialect", dialect, "--model", &model, "edit the files"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn read(env: &Env, name: &str) -> Option<String> {
    std::fs::read_to_string(env.ws().join(name)).ok()
}

/// The rollout's records of `kind` (`checkpoint`, `undo`), as JSON.
fn records(session: &Path, kind: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(session.join("rollout.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["type"] == kind)
        .collect()
}

const PATCHES: &str = r#"
[[response]]
[[response.tool_calls]]
id = "p1"
name = "apply_patch"
arguments = { input = """*** Begin Patch
*** Update File: notes.txt
-one
+two
*** Delete File: gone.txt
*** Add File: new.txt
+fresh
*** End Patch""" }

[[response]]
[response.expect]
last_output_contains = "Success"
[[response.tool_calls]]
id = "p2"
name = "apply_patch"
arguments = { input = """*** Begin Patch
*** Update File: notes.txt
-two
+three
*** End Patch""" }

[[response]]
[[response.tool_calls]]
id = "sh"
name = "shell"
arguments = { command = "echo made by a command > shell.txt" }

[[response]]
text = "Done."
"#;

/// A workspace outside git with two untracked files.
fn workspace() -> Env {
    let env = Env::new();
    std::fs::write(env.ws().join("notes.txt"), "one\n").unwrap();
    std::fs::write(env.ws().join("gone.txt"), "keep me\n").unwrap();
    env
}

#[test]
fn undo_restores_apply_patch_changes_one_call_or_back_to_a_call() {
    let env = workspace();
    exec(&env, "generic", PATCHES);
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("three\n"));
    assert_eq!(read(&env, "gone.txt"), None);
    let session = env.only_session();

    let diff = env.run(&["diff"]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    assert_eq!(
        stdout(&diff),
        "--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1 @@\n-one\n+three\n\
         --- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-keep me\n\
         --- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+fresh\n"
    );

    // Default: the last file-changing call only.
    let out = env.run(&["undo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("restored 1 file to their state before tool call p2 (undid p2)\n"),
        "{text}"
    );
    assert!(
        text.contains("the session ran shell commands after this checkpoint (sh)"),
        "{text}"
    );
    assert!(text.contains("not undone"), "{text}");
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("two\n"));
    assert_eq!(read(&env, "new.txt").as_deref(), Some("fresh\n"));

    // Back to before p1: the deleted file returns, the created one goes.
    let out = env.run(&["undo", "--to", "p1", session.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("  restored  notes.txt\n"), "{text}");
    assert!(text.contains("  restored  gone.txt\n"), "{text}");
    assert!(
        text.contains("  deleted   new.txt (it did not exist before)\n"),
        "{text}"
    );
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("one\n"));
    assert_eq!(read(&env, "gone.txt").as_deref(), Some("keep me\n"));
    assert_eq!(read(&env, "new.txt"), None);
    // A command's own effects are not undone.
    assert_eq!(read(&env, "shell.txt").as_deref(), Some("made by a command\n"));

    let undos = records(&session, "undo");
    assert_eq!(undos.len(), 2);
    assert_eq!(undos[0]["undone"], serde_json::json!(["p2"]));
    assert_eq!(undos[1]["to_call_id"], "p1");
    assert_eq!(undos[1]["undone"], serde_json::json!(["p1"]));
    assert_eq!(
        records(&session, "checkpoint").len(),
        5,
        "before and after p1, p2; the command's marker"
    );

    let again = env.run(&["undo"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("every checkpointed call was undone already"),
        "{}",
        stderr(&again)
    );
    let diff = env.run(&["diff", "--last"]);
    assert_eq!(stdout(&diff), "");
    // The session resumes after its undo records.
    env.file(
        "script.toml",
        &format!("{PATCHES}\n[[response]]\ntext = \"Resumed.\"\n"),
    );
    let resumed = env.run(&["resume", "--last", "carry on"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(stdout(&resumed), "Resumed.\n");
}

#[test]
fn undo_refuses_to_overwrite_a_file_changed_since_unless_forced() {
    let env = workspace();
    exec(&env, "generic", PATCHES);
    std::fs::write(env.ws().join("notes.txt"), "edited by hand\n").unwrap();

    let out = env.run(&["undo", "--to", "p1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("not undoing"), "{err}");
    assert!(err.contains("  notes.txt was modified"), "{err}");
    assert!(err.contains("jig undo --force"), "{err}");
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("edited by hand\n"));
    assert_eq!(
        read(&env, "gone.txt"),
        None,
        "nothing is restored when one file refuses"
    );
    assert!(records(&env.only_session(), "undo").is_empty());

    let out = env.run(&["undo", "--to", "p1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("one\n"));
    assert_eq!(read(&env, "gone.txt").as_deref(), Some("keep me\n"));
    assert_eq!(records(&env.only_session(), "undo")[0]["forced"], true);
}

#[test]
fn undo_restores_claude_write_and_edit() {
    let env = workspace();
    let script = r#"
[[response]]
[[response.tool_calls]]
id = "w"
name = "Write"
arguments = { file_path = "dir/made.txt", content = "made\n" }

[[response]]
[[response.tool_calls]]
id = "e"
name = "Edit"
arguments = { file_path = "notes.txt", old_string = "one", new_string = "uno" }

[[response]]
text = "Done."
"#;
    exec(&env, "claude", script);
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("uno\n"));
    assert_eq!(read(&env, "dir/made.txt").as_deref(), Some("made\n"));
    let diff = stdout(&env.run(&["diff"]));
    assert!(diff.contains("--- /dev/null\n+++ b/dir/made.txt\n"), "{diff}");
    assert!(diff.contains("-one\n+uno\n"), "{diff}");

    let out = env.run(&["undo", "--to", "w"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("restored 2 files to their state before tool call w (undid w, e)\n"));
    assert!(!stdout(&out).contains("shell commands"), "{}", stdout(&out));
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("one\n"));
    assert_eq!(read(&env, "dir/made.txt"), None);
}

#[test]
fn undo_restores_a_codex_apply_patch_heredoc() {
    let env = workspace();
    let script = r#"
[[response]]
[[response.tool_calls]]
id = "h"
name = "exec_command"
arguments = { cmd = """apply_patch <<'EOF'
*** Begin Patch
*** Update File: notes.txt
-one
+patched
*** End Patch
EOF""" }

[[response]]
text = "Done."
[response.expect]
last_output_contains = "Process exited with code 0"
"#;
    exec(&env, "codex", script);
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("patched\n"));
    let out = env.run(&["undo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("one\n"));
}

#[test]
fn undo_names_unknown_calls_and_leaves_a_running_session_alone() {
    let env = workspace();
    exec(&env, "generic", PATCHES);
    let out = env.run(&["undo", "--to", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no checkpoint for tool call `nope`; calls with checkpoints: p1, p2"),
        "{}",
        stderr(&out)
    );

    let session = env.only_session();
    let lock = jig_core::store::SessionLock::acquire(&session).unwrap();
    let out = env.run(&["undo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is in use by"), "{}", stderr(&out));
    assert_eq!(read(&env, "notes.txt").as_deref(), Some("three\n"));
    drop(lock);
    assert!(env.run(&["undo"]).status.success());
}

//! The claude dialect through `jig_dialect::router(Dialect::Claude)`: the
//! exact shapes Claude Code sends, and real tools on real temp dirs.

use std::fs;

use jig_dialect::{Dialect, router};
use jig_protocol::{PlanStep, StepStatus, ToolCall, ToolStatus};
use jig_tools::{ToolContext, ToolEffect, ToolError, ToolResult, ToolRouter};
use serde_json::{Value, json};
use tempfile::TempDir;

fn claude() -> ToolRouter {
    router(Dialect::Claude)
}

async fn call(ctx: &ToolContext, name: &str, args: Value) -> Result<ToolResult, ToolError> {
    let call = ToolCall {
        call_id: "toolu_1".into(),
        name: name.into(),
        arguments: args.to_string(),
    };
    claude().dispatch(ctx, &call).await
}

async fn ok(ctx: &ToolContext, name: &str, args: Value) -> ToolResult {
    let result = call(ctx, name, args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok, "{}", result.output);
    result
}

async fn refused(ctx: &ToolContext, name: &str, args: Value) -> String {
    match call(ctx, name, args).await {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

fn workspace(files: &[(&str, &str)]) -> (TempDir, ToolContext) {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        fs::write(dir.path().join(path), content).unwrap();
    }
    let ctx = ToolContext::new(dir.path());
    (dir, ctx)
}

fn abs(dir: &TempDir, path: &str) -> String {
    dir.path().join(path).display().to_string()
}

#[test]
fn tool_specs_are_pinned() {
    let specs = serde_json::to_string_pretty(&claude().specs()).unwrap();
    insta::assert_snapshot!("claude_tool_specs", specs);
}

#[test]
fn names_types_and_required_fields_match_claude_code() {
    // (tool, required, [(parameter, type)]) from shared/reference/dialects.md.
    type Shape = (
        &'static str,
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
    );
    let expected: &[Shape] = &[
        (
            "Bash",
            &["command"],
            &[
                ("command", "string"),
                ("description", "string"),
                ("timeout", "number"),
                ("run_in_background", "boolean"),
                ("dangerouslyDisableSandbox", "boolean"),
            ],
        ),
        (
            "Read",
            &["file_path"],
            &[
                ("file_path", "string"),
                ("offset", "integer"),
                ("limit", "integer"),
                ("pages", "string"),
            ],
        ),
        (
            "Edit",
            &["file_path", "old_string", "new_string"],
            &[
                ("file_path", "string"),
                ("old_string", "string"),
                ("new_string", "string"),
                ("replace_all", "boolean"),
            ],
        ),
        (
            "Write",
            &["file_path", "content"],
            &[("file_path", "string"), ("content", "string")],
        ),
        (
            "Agent",
            &["description", "prompt"],
            &[
                ("description", "string"),
                ("prompt", "string"),
                ("subagent_type", "string"),
                ("model", "string"),
                ("run_in_background", "boolean"),
                ("isolation", "string"),
            ],
        ),
        (
            "TaskCreate",
            &["subject", "description"],
            &[
                ("subject", "string"),
                ("description", "string"),
                ("activeForm", "string"),
            ],
        ),
        (
            "TaskUpdate",
            &["taskId"],
            &[
                ("taskId", "string"),
                ("status", "string"),
                ("subject", "string"),
                ("description", "string"),
                ("activeForm", "string"),
            ],
        ),
        ("TaskList", &[], &[]),
        ("TaskGet", &["taskId"], &[("taskId", "string")]),
        (
            "AskUserQuestion",
            &["questions"],
            &[
                ("questions", "array"),
                ("answers", "object"),
                ("annotations", "object"),
                ("metadata", "object"),
            ],
        ),
    ];
    let specs = claude().specs();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let expected_names: Vec<&str> = expected.iter().map(|(name, ..)| *name).collect();
    assert_eq!(names, expected_names);
    for ((name, required, params), spec) in expected.iter().zip(&specs) {
        let schema = &spec.parameters;
        assert_eq!(schema["type"], "object", "{name}");
        let got_required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(&got_required, required, "{name} required");
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(properties.len(), params.len(), "{name} parameter count");
        for (param, ty) in *params {
            assert_eq!(properties[*param]["type"], *ty, "{name}.{param}");
        }
    }
    let status = &specs[6].parameters["properties"]["status"]["enum"];
    assert_eq!(status, &json!(["pending", "in_progress", "completed", "deleted"]));
    assert!(!names.iter().any(|n| *n == "Grep" || *n == "Glob" || *n == "Task"));
}

#[test]
fn instructions_name_the_tools() {
    let text = jig_dialect::tool_instructions(Dialect::Claude);
    for word in ["rg", "Bash", "Read", "Edit", "Write", "TaskCreate", "TaskUpdate"] {
        assert!(text.contains(word), "{word}");
    }
}

#[tokio::test]
async fn read_numbers_lines_with_an_arrow() {
    let (dir, ctx) = workspace(&[("a.rs", "fn main() {\n\tlet x = 1;\n}\n")]);
    let out = ok(&ctx, "Read", json!({ "file_path": abs(&dir, "a.rs") })).await.output;
    insta::assert_snapshot!(out, @r"
         1→fn main() {
         2→	let x = 1;
         3→}
    ");
    let window = ok(&ctx, "Read", json!({ "file_path": "a.rs", "offset": 2, "limit": 1 }))
        .await
        .output;
    assert_eq!(
        window,
        "     2→\tlet x = 1;\n[showing lines 2-2 of 3; call again with offset=3 to read more]"
    );
    let from_zero = ok(&ctx, "Read", json!({ "file_path": "a.rs", "offset": 0, "limit": 1 }))
        .await
        .output;
    assert!(from_zero.starts_with("     1→fn main() {\n"), "{from_zero}");
}

#[tokio::test]
async fn read_refusals_speak_this_dialect() {
    let (dir, ctx) = workspace(&[("doc.pdf", "%PDF")]);
    fs::create_dir(dir.path().join("src")).unwrap();
    let pdf = refused(&ctx, "Read", json!({ "file_path": "doc.pdf", "pages": "1-2" })).await;
    assert!(pdf.contains("PDF files are not supported"), "{pdf}");
    let directory = refused(&ctx, "Read", json!({ "file_path": "src" })).await;
    assert!(
        directory.contains("it is a directory") && directory.contains("Bash"),
        "{directory}"
    );
    let missing = refused(&ctx, "Read", json!({ "file_path": "nope.rs" })).await;
    assert!(
        missing.contains("no such file") && missing.contains("rg --files"),
        "{missing}"
    );
    let wrong = refused(&ctx, "Read", json!({ "path": "a.rs" })).await;
    assert!(wrong.starts_with("invalid arguments for Read"), "{wrong}");
}

#[tokio::test]
async fn edit_replaces_a_unique_string_and_refuses_an_ambiguous_one() {
    let (dir, ctx) = workspace(&[("a.txt", "alpha\nbeta\nbeta\n")]);
    let file = abs(&dir, "a.txt");
    let out = ok(
        &ctx,
        "Edit",
        json!({ "file_path": file, "old_string": "alpha", "new_string": "ALPHA" }),
    )
    .await;
    assert_eq!(
        out.output,
        format!("Edited {file}: 1 replacement.\n     1→ALPHA\n     2→beta\n     3→beta")
    );
    assert!(out.effect.is_none());

    let ambiguous = refused(
        &ctx,
        "Edit",
        json!({ "file_path": file, "old_string": "beta", "new_string": "B" }),
    )
    .await;
    assert!(
        ambiguous.contains("occurs 2 times") && ambiguous.contains("replace_all"),
        "{ambiguous}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "ALPHA\nbeta\nbeta\n"
    );

    let all = json!({ "file_path": file, "old_string": "beta", "new_string": "B", "replace_all": true });
    assert!(
        ok(&ctx, "Edit", all)
            .await
            .output
            .starts_with(&format!("Edited {file}: 2 replacements."))
    );
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "ALPHA\nB\nB\n");

    let missing = refused(
        &ctx,
        "Edit",
        json!({ "file_path": "new.txt", "old_string": "a", "new_string": "b" }),
    )
    .await;
    assert_eq!(
        missing,
        "cannot edit new.txt: the file does not exist; use Write to create it"
    );
}

#[tokio::test]
async fn write_creates_and_overwrites_inside_the_workspace_only() {
    let (dir, ctx) = workspace(&[]);
    let file = abs(&dir, "src/new.rs");
    let created = ok(&ctx, "Write", json!({ "file_path": file, "content": "fn f() {}\n" })).await;
    assert_eq!(created.output, format!("Created {file} (10 bytes, 1 line)."));
    let again = ok(&ctx, "Write", json!({ "file_path": file, "content": "" })).await;
    assert!(again.output.starts_with("Overwrote"), "{}", again.output);
    assert_eq!(fs::read_to_string(dir.path().join("src/new.rs")).unwrap(), "");
    let outside = refused(&ctx, "Write", json!({ "file_path": "../escape.txt", "content": "x" })).await;
    assert!(outside.contains("outside the workspace"), "{outside}");
}

#[tokio::test]
async fn bash_shows_stdout_then_stderr_and_the_exit_code() {
    let (_dir, ctx) = workspace(&[("hello.txt", "hi\n")]);
    let echo = ok(
        &ctx,
        "Bash",
        json!({ "command": "cat hello.txt", "description": "Show the file" }),
    )
    .await;
    assert_eq!(echo.output, "hi");

    let failing = json!({ "command": "echo out; echo err >&2; exit 3", "dangerouslyDisableSandbox": true });
    let result = call(&ctx, "Bash", failing).await.unwrap();
    assert_eq!(result.status, ToolStatus::Error);
    assert_eq!(result.output, "out\nerr\nExit code 3");

    let quiet = ok(&ctx, "Bash", json!({ "command": "true" })).await;
    assert_eq!(quiet.output, "(no output)");
}

#[tokio::test]
async fn bash_times_out_and_refuses_background_runs() {
    let (_dir, ctx) = workspace(&[]);
    let slow = call(
        &ctx,
        "Bash",
        json!({ "command": "echo started; sleep 5", "timeout": 300 }),
    )
    .await
    .unwrap();
    assert_eq!(slow.status, ToolStatus::Error);
    assert!(
        slow.output.ends_with("Command timed out after 300 ms"),
        "{}",
        slow.output
    );

    let background = refused(&ctx, "Bash", json!({ "command": "sleep 1", "run_in_background": true })).await;
    assert!(
        background.contains("not supported yet") && background.contains("foreground"),
        "{background}"
    );
    let bad = refused(&ctx, "Bash", json!({ "command": "true", "timeout": 0 })).await;
    assert!(bad.contains("invalid timeout"), "{bad}");
}

fn plan_of(result: &ToolResult) -> Vec<PlanStep> {
    match &result.effect {
        Some(ToolEffect::Plan {
            explanation: None,
            plan,
        }) => plan.clone(),
        other => panic!("expected a plan effect, got {other:?}"),
    }
}

fn step(text: &str, status: StepStatus) -> PlanStep {
    PlanStep {
        step: text.into(),
        status,
    }
}

#[tokio::test]
async fn tasks_live_in_the_session_plan() {
    let (_dir, ctx) = workspace(&[]);
    assert_eq!(ok(&ctx, "TaskList", json!({})).await.output, "No tasks found");
    for subject in ["Read the parser", "Fix the bug", "Run the tests"] {
        let args = json!({ "subject": subject, "description": "details", "activeForm": "Working" });
        ok(&ctx, "TaskCreate", args).await;
    }
    let created = ok(&ctx, "TaskCreate", json!({ "subject": "Tidy up", "description": "x" })).await;
    assert_eq!(created.output, "Task #4 created successfully: Tidy up");
    assert_eq!(plan_of(&created).len(), 4);

    let started = ok(&ctx, "TaskUpdate", json!({ "taskId": "1", "status": "in_progress" })).await;
    assert_eq!(started.output, "Updated task #1 status");
    assert_eq!(plan_of(&started)[0], step("Read the parser", StepStatus::InProgress));

    let second = refused(&ctx, "TaskUpdate", json!({ "taskId": "2", "status": "in_progress" })).await;
    assert!(second.contains("task #1 is already in_progress"), "{second}");

    ok(&ctx, "TaskUpdate", json!({ "taskId": "1", "status": "completed" })).await;
    let renamed = json!({ "taskId": "2", "status": "in_progress", "subject": "Fix the off-by-one" });
    assert_eq!(
        ok(&ctx, "TaskUpdate", renamed).await.output,
        "Updated task #2 status and subject"
    );

    let deleted = ok(&ctx, "TaskUpdate", json!({ "taskId": "3", "status": "deleted" })).await;
    assert_eq!(
        deleted.output,
        "Task #3 deleted: Run the tests\nTasks after it were renumbered:\n#3 [pending] Tidy up"
    );
    let expected = vec![
        step("Read the parser", StepStatus::Completed),
        step("Fix the off-by-one", StepStatus::InProgress),
        step("Tidy up", StepStatus::Pending),
    ];
    assert_eq!(plan_of(&deleted), expected);
    assert_eq!(*ctx.plan.lock().unwrap(), expected);

    let list = ok(&ctx, "TaskList", json!({})).await;
    assert!(list.effect.is_none());
    assert_eq!(
        list.output,
        "#1 [completed] Read the parser\n#2 [in_progress] Fix the off-by-one\n#3 [pending] Tidy up"
    );
    let got = ok(&ctx, "TaskGet", json!({ "taskId": "2" })).await;
    assert_eq!(got.output, "Task #2: Fix the off-by-one\nStatus: in_progress");
    let missing = refused(&ctx, "TaskGet", json!({ "taskId": "9" })).await;
    assert_eq!(missing, "task \"9\" not found: task ids are 1 to 3; see TaskList");
    let bad_status = refused(&ctx, "TaskUpdate", json!({ "taskId": "1", "status": "done" })).await;
    assert!(
        bad_status.starts_with("invalid arguments for TaskUpdate"),
        "{bad_status}"
    );
}

#[test]
fn mutating_tools_run_alone() {
    let router = claude();
    for name in ["Bash", "Edit", "Write", "TaskCreate", "TaskUpdate"] {
        assert!(router.is_mutating(name), "{name}");
    }
    for name in ["Read", "TaskList", "TaskGet"] {
        assert!(!router.is_mutating(name), "{name}");
    }
}

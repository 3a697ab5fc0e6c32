//! Router, apply_patch and update_plan through the public `ToolRouter`.

use jig_protocol::{StepStatus, ToolCall, ToolStatus};
use jig_tools::{ToolContext, ToolEffect, ToolError, ToolRouter};

fn call(name: &str, arguments: &str) -> ToolCall {
    ToolCall {
        call_id: "c1".into(),
        name: name.into(),
        arguments: arguments.into(),
    }
}

fn model_error(result: Result<jig_tools::ToolResult, ToolError>) -> String {
    match result {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected an error for the model, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_tool_lists_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let router = ToolRouter::builtin();
    let text = model_error(
        router
            .dispatch(&ToolContext::new(dir.path()), &call("grep", "{}"))
            .await,
    );
    insta::assert_snapshot!(text, @"unknown tool `grep`; available tools: shell, search, read_file, list_dir, view_image, apply_patch, update_plan, ask_user, create_goal, get_goal, update_goal, spawn_agent, wait_agents, list_agents, message_agent, cancel_agent");
}

#[tokio::test]
async fn malformed_and_mistyped_arguments_go_back_to_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let router = ToolRouter::builtin();
    let text = model_error(router.dispatch(&ctx, &call("read_file", r#"{"path": "#)).await);
    insta::assert_snapshot!(text, @"malformed JSON arguments for `read_file`: EOF while parsing a value at line 1 column 9; send one JSON object matching the tool's schema");
    let text = model_error(router.dispatch(&ctx, &call("read_file", "[1]")).await);
    assert!(text.contains("must be a JSON object"), "{text}");
    let text = model_error(router.dispatch(&ctx, &call("update_plan", r#"{"plan": 3}"#)).await);
    assert!(text.starts_with("invalid arguments for update_plan:"), "{text}");
}

#[tokio::test]
async fn mutating_flags_follow_the_tools() {
    let router = ToolRouter::builtin();
    for (name, mutating) in [
        ("shell", true),
        ("apply_patch", true),
        ("update_plan", true),
        ("search", false),
        ("read_file", false),
        ("list_dir", false),
        ("nope", false),
    ] {
        assert_eq!(router.is_mutating(name), mutating, "{name}");
    }
}

#[tokio::test]
async fn apply_patch_tool_edits_the_workspace_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").unwrap();
    let ctx = ToolContext::new(dir.path());
    let router = ToolRouter::builtin();
    let patch = "*** Begin Patch\n*** Update File: a.txt\n one\n-two\n+three\n*** End Patch\n";
    let args = serde_json::json!({ "input": patch }).to_string();
    let result = router.dispatch(&ctx, &call("apply_patch", &args)).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    assert!(result.output.contains("M a.txt"), "{}", result.output);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "one\nthree\n"
    );

    let again = model_error(router.dispatch(&ctx, &call("apply_patch", &args)).await);
    assert!(again.contains("a.txt"), "{again}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "one\nthree\n"
    );
}

#[tokio::test]
async fn update_plan_emits_the_plan_and_rejects_two_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(dir.path());
    let router = ToolRouter::builtin();
    let ok = r#"{"plan":[{"step":"find bug","status":"in_progress"},{"step":"fix","status":"pending"}]}"#;
    let result = router.dispatch(&ctx, &call("update_plan", ok)).await.unwrap();
    let Some(ToolEffect::Plan { plan, .. }) = result.effect else {
        panic!("no plan effect")
    };
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[0].status, StepStatus::InProgress);

    let bad = r#"{"plan":[{"step":"a","status":"in_progress"},{"step":"b","status":"in_progress"}]}"#;
    let text = model_error(router.dispatch(&ctx, &call("update_plan", bad)).await);
    insta::assert_snapshot!(text, @"invalid plan: 2 steps are in_progress; keep at most one step in_progress");
}

/// What the model sees of the built-in tools: reviewed as a diff when it changes.
#[test]
fn builtin_tool_specs() {
    let specs = serde_json::to_string_pretty(&ToolRouter::builtin().specs()).unwrap();
    insta::assert_snapshot!("builtin_tool_specs", specs);
}

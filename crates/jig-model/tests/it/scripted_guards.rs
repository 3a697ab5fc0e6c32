//! `[response.expect]` guards: each passes when the request matches and
//! fails with a `ScriptMismatch` that shows what the request held.

use jig_model::ModelError;
use jig_model::scripted::{Expect, ScriptFormat, ScriptedModel, ScriptedResponse};
use jig_protocol::{Item, ToolStatus};

use crate::support::{call, collect, output, text_of};

/// A script whose second response carries `expect`.
fn guarded(expect: Expect) -> ScriptedModel {
    ScriptedModel::new(
        "guarded.toml",
        vec![
            ScriptedResponse::tool_call("shell", serde_json::json!({"cmd": "cargo test"})),
            ScriptedResponse::message("done").with_expect(expect),
        ],
    )
}

/// The request answering response #1 with `text` / `status`.
fn after_tool(text: &str, status: ToolStatus) -> Vec<Item> {
    vec![
        Item::user("please fix the bug"),
        call("call_1_0", "shell"),
        output("call_1_0", text, status),
    ]
}

async fn mismatch(model: &ScriptedModel, items: Vec<Item>) -> String {
    match collect(model, items).await {
        Err(ModelError::ScriptMismatch(message)) => message,
        other => panic!("expected a script mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn last_output_contains_passes_and_fails() {
    let model = guarded(Expect {
        last_output_contains: Some("test result: ok".into()),
        ..Expect::default()
    });
    let events = collect(&model, after_tool("running 3 tests\ntest result: ok.", ToolStatus::Ok)).await;
    assert_eq!(text_of(&events.unwrap()), "done");

    let message = mismatch(&model, after_tool("test result: FAILED. 1 failed", ToolStatus::Error)).await;
    insta::assert_snapshot!(message, @r#"
    model script guarded.toml, response #2: expected the last tool output to contain "test result: ok", but it was:
    test result: FAILED. 1 failed
    "#);
}

#[tokio::test]
async fn last_output_guard_without_tool_output_fails() {
    let model = guarded(Expect {
        last_output_contains: Some("ok".into()),
        ..Expect::default()
    });
    let items = vec![Item::user("hi"), Item::assistant("hello"), Item::user("go on")];
    assert_eq!(
        mismatch(&model, items).await,
        "model script guarded.toml, response #2: expected the last tool output to contain \"ok\", \
         but the request has no tool output"
    );
}

#[tokio::test]
async fn long_output_is_cut_at_800_characters() {
    let model = guarded(Expect {
        last_output_contains: Some("needle".into()),
        ..Expect::default()
    });
    let long = "é".repeat(1000);
    let message = mismatch(&model, after_tool(&long, ToolStatus::Ok)).await;
    let shown = message.split_once("but it was:\n").unwrap().1;
    assert_eq!(shown, format!("{}\n[... 200 more characters]", "é".repeat(800)));
}

#[tokio::test]
async fn last_status_passes_and_fails() {
    let model = guarded(Expect {
        last_status: Some(ToolStatus::Error),
        ..Expect::default()
    });
    assert!(collect(&model, after_tool("boom", ToolStatus::Error)).await.is_ok());

    let message = mismatch(&model, after_tool("all good", ToolStatus::Ok)).await;
    assert_eq!(
        message,
        "model script guarded.toml, response #2: expected the last tool output to have status \
         error, but it was ok:\nall good"
    );
}

#[tokio::test]
async fn last_status_is_read_from_a_toml_script() {
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
[[response]]
text = "interrupted, retrying"
[response.expect]
last_status = "interrupted"
"#;
    let model = ScriptedModel::parse("status.toml", script, ScriptFormat::Toml).unwrap();
    assert!(
        collect(&model, after_tool("killed", ToolStatus::Interrupted))
            .await
            .is_ok()
    );
    let message = mismatch(&model, after_tool("fine", ToolStatus::Ok)).await;
    assert!(
        message.contains("to have status interrupted, but it was ok"),
        "{message}"
    );
}

#[tokio::test]
async fn user_contains_passes_and_fails() {
    let model = guarded(Expect {
        user_contains: Some("fix".into()),
        ..Expect::default()
    });
    assert!(collect(&model, after_tool("x", ToolStatus::Ok)).await.is_ok());

    let mut items = after_tool("x", ToolStatus::Ok);
    items.push(Item::user("actually, just explain it"));
    assert_eq!(
        mismatch(&model, items).await,
        "model script guarded.toml, response #2: expected the last user message to contain \
         \"fix\", but it was:\nactually, just explain it"
    );

    let no_user = vec![call("c", "shell"), output("c", "x", ToolStatus::Ok)];
    assert!(
        mismatch(&model, no_user)
            .await
            .ends_with("but the request has no user message")
    );
}

#[tokio::test]
async fn guards_are_checked_in_field_order() {
    let model = guarded(Expect {
        last_output_contains: Some("ok".into()),
        last_status: Some(ToolStatus::Ok),
        user_contains: Some("nothing like this".into()),
    });
    let message = mismatch(&model, after_tool("ok", ToolStatus::Ok)).await;
    assert!(message.contains("last user message"), "{message}");
    let message = mismatch(&model, after_tool("ok", ToolStatus::Error)).await;
    assert!(message.contains("to have status ok, but it was error"), "{message}");
}

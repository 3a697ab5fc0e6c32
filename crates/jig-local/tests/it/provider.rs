//! `LocalModel` as a `ModelClient`: a request with tools streams text, then
//! a parsed tool call, then usage; the follow-up request reuses the cache.

use futures::StreamExt;
use jig_local::{EngineOptions, LocalModel};
use jig_model::{ModelClient, ModelRequest, ResponseEvent};
use jig_protocol::{Item, TokenUsage, ToolCall, ToolOutput, ToolStatus};

use crate::support::{model_path, tools, validate};

async fn respond(model: &LocalModel, request: &ModelRequest<'_>) -> (String, Vec<ToolCall>, TokenUsage) {
    let mut stream = model.stream(request).await.unwrap_or_else(|e| panic!("{e}"));
    let (mut text, mut calls) = (String::new(), Vec::new());
    while let Some(event) = stream.next().await {
        match event.unwrap_or_else(|e| panic!("{e}")) {
            ResponseEvent::TextDelta(t) => text.push_str(&t),
            ResponseEvent::ToolCall(call) => calls.push(call),
            ResponseEvent::Completed { usage } => return (text, calls, usage),
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("the stream ended without Completed")
}

#[tokio::test]
async fn a_task_gets_a_valid_call_then_the_answer_reuses_the_cache() {
    let path = model_path();
    let model = LocalModel::load(
        &path.to_string_lossy(),
        std::path::Path::new("/nonexistent"),
        EngineOptions {
            max_output_tokens: 160,
            ..EngineOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tools = tools();
    let mut items = vec![Item::user("List the files in the current directory.")];
    let request = ModelRequest {
        session_id: "s",
        instructions: "You are a coding agent.",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let (text, calls, usage) = respond(&model, &request).await;
    assert!(
        !text.contains("<tool_call>"),
        "the call is not streamed as text: {text:?}"
    );
    assert!(!calls.is_empty(), "a small model's first response calls a tool");
    for call in &calls {
        let tool = tools
            .iter()
            .find(|t| t.name == call.name)
            .unwrap_or_else(|| panic!("{call:?}"));
        let args: serde_json::Value = serde_json::from_str(&call.arguments).unwrap_or_else(|e| panic!("{e}"));
        validate(&jig_model::wire::function_parameters(tool), &args, &call.name).unwrap_or_else(|e| panic!("{e}"));
        assert!(call.call_id.starts_with("local_0_"), "{}", call.call_id);
    }
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0);

    if !text.is_empty() {
        items.push(Item::assistant(text));
    }
    for call in &calls {
        items.push(Item::ToolCall(call.clone()));
    }
    for call in &calls {
        items.push(Item::ToolOutput(ToolOutput {
            call_id: call.call_id.clone(),
            output: "Cargo.toml\nsrc/\ntests/".into(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }));
    }
    let request = ModelRequest {
        session_id: "s",
        instructions: "You are a coding agent.",
        items: &items,
        tools: &tools,
        output_schema: None,
    };
    let (_, _, usage2) = respond(&model, &request).await;
    assert!(
        usage2.cached_input_tokens >= usage.input_tokens,
        "the first request's prompt (and the call the model wrote) is reused: {usage2:?} after {usage:?}"
    );
}

#[tokio::test]
async fn an_output_schema_makes_the_answer_one_object_that_matches_it() {
    let path = model_path();
    let model = LocalModel::load(
        &path.to_string_lossy(),
        std::path::Path::new("/nonexistent"),
        EngineOptions {
            max_output_tokens: 120,
            ..EngineOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let schema = jig_model::OutputSchema {
        name: "grade".into(),
        schema: serde_json::json!({
            "type": "object",
            "properties": {
                "verdict": {"type": "string", "maxLength": 60},
                "score": {"type": "integer", "minimum": 1, "maximum": 5},
                "cited": {"type": "array", "items": {"type": "integer", "enum": [2, 4]}},
            },
            "required": ["verdict", "score", "cited"],
            "additionalProperties": false,
        }),
    };
    let items = [Item::user("Grade this answer to 2+2: \"5\". Reply in JSON.")];
    // Tools are offered too: with a schema the answer is the object, never a call.
    let tools = tools();
    let request = ModelRequest {
        session_id: "s",
        instructions: "You are a strict grader.",
        items: &items,
        tools: &tools,
        output_schema: Some(&schema),
    };
    let (text, calls, _) = respond(&model, &request).await;
    assert!(calls.is_empty(), "{calls:?}");
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    validate(&schema.schema, &answer, "answer").unwrap_or_else(|e| panic!("{e}: {text}"));
}

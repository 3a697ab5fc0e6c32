//! A request with an output schema asks each provider for JSON matching it,
//! in that provider's own field: Responses `text.format`, Chat Completions
//! `response_format`, Anthropic `output_config.format`. Without a schema the
//! fields are absent (the prefix-stability snapshots pin the rest).

use jig_model::anthropic::{MessagesOptions, messages_body};
use jig_model::chat::chat_body;
use jig_model::openai::{ResponsesOptions, responses_body};
use jig_model::{ModelRequest, OutputSchema};
use jig_protocol::Item;
use serde_json::json;

fn schema() -> OutputSchema {
    OutputSchema {
        name: "judgement".into(),
        schema: json!({
            "type": "object",
            "properties": {"score": {"type": "integer"}},
            "required": ["score"],
            "additionalProperties": false,
        }),
    }
}

fn anthropic_options() -> MessagesOptions {
    MessagesOptions {
        model: "claude-sonnet-4-5".into(),
        max_tokens: 1024,
        thinking_budget: None,
    }
}

#[test]
fn each_provider_sends_the_schema_in_its_own_field() {
    let items = [Item::user("grade this")];
    let schema = schema();
    let request = ModelRequest {
        session_id: "s",
        instructions: "You are a judge.",
        items: &items,
        tools: &[],
        output_schema: Some(&schema),
    };
    let responses = responses_body(&request, &ResponsesOptions::new("gpt-5"));
    assert_eq!(
        responses["text"],
        json!({"format": {"type": "json_schema", "name": "judgement", "schema": schema.schema, "strict": true}})
    );
    let chat = chat_body(&request, "qwen");
    assert_eq!(
        chat["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "judgement", "schema": schema.schema, "strict": true}})
    );
    let anthropic = messages_body(&request, &anthropic_options());
    assert_eq!(
        anthropic["output_config"],
        json!({"format": {"type": "json_schema", "schema": schema.schema}})
    );

    let plain = ModelRequest {
        output_schema: None,
        ..request
    };
    assert!(
        responses_body(&plain, &ResponsesOptions::new("gpt-5"))
            .get("text")
            .is_none()
    );
    assert!(chat_body(&plain, "qwen").get("response_format").is_none());
    assert!(
        messages_body(&plain, &anthropic_options())
            .get("output_config")
            .is_none()
    );
}

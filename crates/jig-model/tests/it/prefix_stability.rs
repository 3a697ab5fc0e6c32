//! Prompt-cache friendliness: over a 30-step tool loop, every request's
//! message list must extend the previous request's list exactly, and
//! everything else in the body (tools, instructions, settings) must stay
//! byte-identical. Providers cache by prefix, so a request that rewrites an
//! earlier message pays for the whole conversation again.
//!
//! Anthropic is compared with `cache_control` stripped: like Claude Code, the
//! body moves that marker to the newest `tool_result` on every request, which
//! is what lets the next request read the cache up to there.

use jig_model::ModelRequest;
use jig_model::anthropic::{MessagesOptions, messages_body};
use jig_model::chat::chat_body;
use jig_model::openai::{ResponsesOptions, responses_body};
use jig_protocol::{Item, ToolCall, ToolFormat, ToolOutput, ToolSpec, ToolStatus};
use serde_json::{Value, json};

const STEPS: usize = 30;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Provider {
    Chat,
    OpenAi,
    Anthropic,
}

fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            namespace: None,
            name: "shell".into(),
            description: "Runs a command.".into(),
            parameters: json!({"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}),
            format: ToolFormat::Function,
        },
        ToolSpec {
            namespace: None,
            name: "apply_patch".into(),
            description: "Applies a patch.".into(),
            parameters: json!({}),
            format: ToolFormat::Freeform {
                syntax: "lark".into(),
                definition: "start: patch\npatch: \"*** Begin Patch\" /(.|\\n)*/".into(),
            },
        },
    ]
}

/// The items one model response and its tool output add, as a session
/// records them: reasoning, text, the call, then the harness's answer.
fn step(provider: Provider, number: usize) -> Vec<Item> {
    let (id, encrypted, signature) = match provider {
        Provider::Chat => (None, None, None),
        Provider::OpenAi => (Some(format!("rs_{number}")), Some(format!("enc-{number}")), None),
        Provider::Anthropic => (None, None, Some(format!("sig-{number}"))),
    };
    let freeform = number.is_multiple_of(2);
    let arguments = match (freeform, provider) {
        (true, Provider::OpenAi) => format!("*** Begin Patch\n*** Add File: f{number}.txt\n+{number}\n*** End Patch"),
        (true, _) => {
            json!({"input": format!("*** Begin Patch\n*** Add File: f{number}.txt\n*** End Patch")}).to_string()
        }
        (false, _) => json!({"cmd": format!("echo {number}")}).to_string(),
    };
    let call_id = format!("call_{number}");
    vec![
        Item::Reasoning {
            text: format!("Step {number}: deciding."),
            id,
            encrypted_content: encrypted,
            signature,
        },
        Item::assistant(format!("Step {number}: running a tool.")),
        Item::ToolCall(ToolCall {
            call_id: call_id.clone(),
            name: if freeform { "apply_patch" } else { "shell" }.into(),
            arguments,
        }),
        Item::ToolOutput(ToolOutput {
            call_id,
            output: format!("output {number}"),
            status: if number.is_multiple_of(7) {
                ToolStatus::Error
            } else {
                ToolStatus::Ok
            },
            images: Vec::new(),
        }),
    ]
}

/// The body's conversation list, and the rest of the body.
fn split(provider: Provider, items: &[Item]) -> (Vec<Value>, Value) {
    let tools = tools();
    let request = ModelRequest {
        session_id: "0199a3c4-5e6f-7a8b-9c0d-e1f2a3b4c5d6",
        instructions: "You are jig, a coding agent.",
        items,
        tools: &tools,
        output_schema: None,
    };
    let (mut body, key) = match provider {
        Provider::Chat => (chat_body(&request, "gpt-test"), "messages"),
        Provider::OpenAi => (responses_body(&request, &ResponsesOptions::new("gpt-5-codex")), "input"),
        Provider::Anthropic => {
            let options = MessagesOptions {
                model: "claude-sonnet-4-5".into(),
                max_tokens: 32000,
                thinking_budget: Some(8000),
            };
            (messages_body(&request, &options), "messages")
        }
    };
    let Some(Value::Array(mut list)) = body.as_object_mut().and_then(|body| body.remove(key)) else {
        panic!("{provider:?}: no {key} list");
    };
    if provider == Provider::Anthropic {
        for message in &mut list {
            for block in message["content"].as_array_mut().into_iter().flatten() {
                block.as_object_mut().map(|block| block.remove("cache_control"));
            }
        }
    }
    (list, body)
}

/// Requests over `STEPS` steps whose list extends the previous one exactly
/// while the rest of the body stays byte-identical.
fn stable_requests(provider: Provider) -> usize {
    let mut items = vec![Item::user("Add thirty files, one per step.")];
    let (mut previous, rest) = split(provider, &items);
    let rest = rest.to_string();
    let mut stable = 0;
    for number in 1..=STEPS {
        items.extend(step(provider, number));
        let (list, now_rest) = split(provider, &items);
        assert_eq!(
            now_rest.to_string(),
            rest,
            "{provider:?} step {number}: tools or settings changed"
        );
        let extends = list.len() > previous.len()
            && list[..previous.len()]
                .iter()
                .zip(&previous)
                .all(|(now, before)| serialized(now) == serialized(before));
        if extends {
            stable += 1;
        } else {
            eprintln!("{provider:?} step {number}: the list does not extend the previous one");
        }
        previous = list;
    }
    eprintln!("{provider:?}: {stable}/{STEPS} requests extend the previous request exactly");
    stable
}

#[test]
fn chat_requests_extend_the_previous_one() {
    assert_eq!(stable_requests(Provider::Chat), STEPS);
}

#[test]
fn openai_requests_extend_the_previous_one() {
    assert_eq!(stable_requests(Provider::OpenAi), STEPS);
}

#[test]
fn anthropic_requests_extend_the_previous_one_apart_from_the_cache_marker() {
    assert_eq!(stable_requests(Provider::Anthropic), STEPS);
}

#[test]
fn the_conversation_really_carries_reasoning_and_freeform_calls() {
    let mut items = vec![Item::user("go")];
    for number in 1..=2 {
        items.extend(step(Provider::OpenAi, number));
    }
    let (input, _) = split(Provider::OpenAi, &items);
    let kinds: Vec<&str> = input
        .iter()
        .map(|item| item["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "message",
            "message",
            "reasoning",
            "message",
            "function_call",
            "function_call_output",
            "reasoning",
            "message",
            "custom_tool_call",
            "custom_tool_call_output",
        ]
    );
    let mut items = vec![Item::user("go")];
    items.extend(step(Provider::Anthropic, 1));
    let (messages, _) = split(Provider::Anthropic, &items);
    assert_eq!(messages[1]["content"][0]["type"], "thinking");
    assert_eq!(messages[1]["content"][0]["signature"], "sig-1");
}

/// The exact JSON text a value is sent as.
fn serialized(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

//! The OpenAI Responses API (`POST {base}/responses`, `stream: true`): the
//! request body [`responses_body`], the stream decoder [`ResponsesDecoder`]
//! and the client [`ResponsesClient`].
//!
//! The body follows what Codex CLI sends (see `shared/reference/dialects.md`):
//! instructions travel as a `developer` message at the start of `input`,
//! `store` defaults to false and then `include` asks for
//! `reasoning.encrypted_content`, and the session id is the
//! `prompt_cache_key`.
//!
//! Reasoning round-trips: the decoder keeps a reasoning item's `id` and
//! `encrypted_content`, and the body sends it back as a `reasoning` input
//! item. With `store: false` the server has nothing to look the id up in, so
//! reasoning without `encrypted_content` (or without an id, e.g. from another
//! provider) is left out rather than sent as a dangling reference.
//!
//! Freeform tools ([`ToolFormat::Freeform`]) are offered as `custom` tools
//! with their grammar; the model answers with a `custom_tool_call` whose raw
//! `input` becomes the call's arguments. Which earlier calls were freeform is
//! decided by their tool's format in the request, so a call and its output
//! go back as `custom_tool_call` / `custom_tool_call_output`.
//!
//! Tools with a [`ToolSpec::namespace`] (Codex's `multi_agent_v1`) are
//! offered inside one `{"type": "namespace", "name", "description",
//! "tools": [...]}` tool, as Codex sends them; the model's `function_call`
//! carries `namespace` beside the plain `name`, and earlier calls to those
//! tools go back with it. Tool names are unique across namespaces, so the
//! decoder keeps only the name.
//!
//! A tool output with images (`view_image`) sends its `output` as a list of
//! content items, as Codex does: an `input_text` with the output's text,
//! then one `input_image` per image, a base64 `data:` URL with `detail:
//! "high"` (the tool already fitted it to high detail's 2048×2048 and
//! 768-pixel short side).
//!
//! The stream decoder, and what it checks after a skipped event, live in
//! `openai/decoder.rs`.

use std::collections::{HashMap, HashSet};

use jig_protocol::{Item, Role, ToolFormat, ToolOutput, ToolSpec};
use serde_json::{Value, json};

use crate::client::{HttpClient, WireFormat, bearer, join_url};
use crate::http::{Endpoint, RetryPolicy};
use crate::wire::SseDecoder;
use crate::{ModelError, ModelRequest};

mod decoder;
pub use decoder::ResponsesDecoder;

/// The Responses API wire format, for [`HttpClient`].
#[derive(Debug, Clone, Copy)]
pub struct Responses;

impl WireFormat for Responses {
    type Options = ResponsesOptions;

    fn body(request: &ModelRequest, options: &ResponsesOptions) -> Value {
        responses_body(request, options)
    }

    fn decoder() -> Box<dyn SseDecoder> {
        Box::new(ResponsesDecoder::new())
    }
}

/// An OpenAI Responses API client.
pub type ResponsesClient = HttpClient<Responses>;

impl HttpClient<Responses> {
    /// A client POSTing to `{base_url}/responses` (e.g. base
    /// `https://api.openai.com/v1`) with `Authorization: Bearer KEY` when
    /// `api_key` is given. Its spec is `openai:<model>` and errors name the
    /// provider `openai`. Fails only when the HTTP client cannot be built.
    pub fn new(
        base_url: impl Into<String>,
        options: ResponsesOptions,
        api_key: Option<String>,
        policy: RetryPolicy,
    ) -> Result<Self, ModelError> {
        let endpoint = Endpoint {
            provider: "openai".into(),
            url: join_url(&base_url.into(), "responses"),
            headers: bearer(api_key),
        };
        HttpClient::with_endpoint(format!("openai:{}", options.model), endpoint, options, policy)
    }
}

/// Request settings of the Responses API that are not part of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsesOptions {
    /// Model name, e.g. `gpt-5-codex`.
    pub model: String,
    /// `reasoning.effort` (`minimal`, `low`, `medium`, `high`), if set.
    pub reasoning_effort: Option<String>,
    /// `reasoning.summary` (Codex sends `auto`), if set.
    pub reasoning_summary: Option<String>,
    /// Whether the server keeps the response. Codex sends `false`.
    pub store: bool,
    /// Whether the model may call several tools in one response.
    pub parallel_tool_calls: bool,
}

impl ResponsesOptions {
    /// Codex's defaults for `model`: reasoning summary `auto`, no storage,
    /// parallel tool calls.
    pub fn new(model: impl Into<String>) -> Self {
        ResponsesOptions {
            model: model.into(),
            reasoning_effort: None,
            reasoning_summary: Some("auto".to_owned()),
            store: false,
            parallel_tool_calls: true,
        }
    }
}

/// The JSON body of one streamed Responses API request.
///
/// `tools`, `tool_choice` and `parallel_tool_calls` are left out when there
/// are no tools: the API refuses tool settings without tools.
pub fn responses_body(request: &ModelRequest, options: &ResponsesOptions) -> Value {
    let mut body = json!({
        "model": options.model,
        "input": input_items(request, options.store),
        "store": options.store,
        "stream": true,
        "prompt_cache_key": request.session_id,
    });
    if !request.tools.is_empty() {
        let tools = tools_json(request.tools);
        body["tools"] = Value::Array(tools);
        body["tool_choice"] = json!("auto");
        body["parallel_tool_calls"] = json!(options.parallel_tool_calls);
    }
    let mut reasoning = serde_json::Map::new();
    if let Some(effort) = &options.reasoning_effort {
        reasoning.insert("effort".to_owned(), json!(effort));
    }
    if let Some(summary) = &options.reasoning_summary {
        reasoning.insert("summary".to_owned(), json!(summary));
    }
    if !reasoning.is_empty() {
        body["reasoning"] = Value::Object(reasoning);
    }
    if !options.store {
        body["include"] = json!(["reasoning.encrypted_content"]);
    }
    if let Some(output) = request.output_schema {
        body["text"] = json!({
            "format": {"type": "json_schema", "name": output.name, "schema": output.schema, "strict": true}
        });
    }
    body
}

/// The `tools` array. Tools that share a namespace go inside one
/// `namespace` tool, placed where the first of them is.
fn tools_json(specs: &[ToolSpec]) -> Vec<Value> {
    let mut tools: Vec<Value> = Vec::with_capacity(specs.len());
    let mut namespaces: HashMap<&str, usize> = HashMap::new();
    for spec in specs {
        let tool = tool_json(spec);
        let Some(namespace) = spec.namespace.as_deref() else {
            tools.push(tool);
            continue;
        };
        let slot = *namespaces.entry(namespace).or_insert_with(|| {
            tools.push(json!({
                "type": "namespace",
                "name": namespace,
                "description": format!("Tools in the {namespace} namespace."),
                "tools": [],
            }));
            tools.len() - 1
        });
        if let Some(members) = tools[slot]["tools"].as_array_mut() {
            members.push(tool);
        }
    }
    tools
}

fn tool_json(tool: &ToolSpec) -> Value {
    match &tool.format {
        ToolFormat::Function => json!({
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
            "strict": false,
        }),
        ToolFormat::Freeform { syntax, definition } => json!({
            "type": "custom",
            "name": tool.name,
            "description": tool.description,
            "format": { "type": "grammar", "syntax": syntax, "definition": definition },
        }),
    }
}

/// The `input` array: instructions as a developer message, then the items.
fn input_items(request: &ModelRequest, store: bool) -> Vec<Value> {
    let freeform_tools = freeform_names(request.tools);
    let namespaces: HashMap<&str, &str> = request
        .tools
        .iter()
        .filter_map(|tool| Some((tool.name.as_str(), tool.namespace.as_deref()?)))
        .collect();
    let mut freeform_calls: HashSet<&str> = HashSet::new();
    let mut input = Vec::with_capacity(request.items.len() + 1);
    if !request.instructions.is_empty() {
        input.push(message("developer", "input_text", request.instructions));
    }
    for item in request.items {
        match item {
            Item::Compaction { summary, .. } => {
                input.push(message("user", "input_text", &Item::compaction_text(summary)))
            }
            Item::Message { role, text } => input.push(match role {
                Role::System => message("developer", "input_text", text),
                Role::User => message("user", "input_text", text),
                Role::Assistant => message("assistant", "output_text", text),
            }),
            Item::Reasoning {
                text,
                id,
                encrypted_content,
                ..
            } => {
                if let Some(reasoning) = reasoning_input(text, id.as_deref(), encrypted_content.as_deref(), store) {
                    input.push(reasoning);
                }
            }
            Item::ToolCall(call) if freeform_tools.contains(call.name.as_str()) => {
                freeform_calls.insert(&call.call_id);
                input.push(json!({
                    "type": "custom_tool_call",
                    "call_id": call.call_id,
                    "name": call.name,
                    "input": call.arguments,
                }));
            }
            Item::ToolCall(call) => {
                let mut item = json!({
                    "type": "function_call",
                    "call_id": call.call_id,
                    "name": call.name,
                    "arguments": call.arguments,
                });
                if let Some(namespace) = namespaces.get(call.name.as_str()) {
                    item["namespace"] = json!(namespace);
                }
                input.push(item);
            }
            Item::ToolOutput(output) => {
                let kind = if freeform_calls.contains(output.call_id.as_str()) {
                    "custom_tool_call_output"
                } else {
                    "function_call_output"
                };
                input.push(json!({
                    "type": kind,
                    "call_id": output.call_id,
                    "output": output_json(output),
                }));
            }
        }
    }
    input
}

/// A tool output's `output`: its text, or, when it carries images, a list
/// of the text and the images as content items (see the module doc).
fn output_json(output: &ToolOutput) -> Value {
    if output.images.is_empty() {
        return json!(output.output);
    }
    let mut content = vec![json!({ "type": "input_text", "text": output.output })];
    content.extend(
        output
            .images
            .iter()
            .map(|image| json!({ "type": "input_image", "image_url": image.data_url(), "detail": "high" })),
    );
    Value::Array(content)
}

fn freeform_names(tools: &[ToolSpec]) -> HashSet<&str> {
    tools
        .iter()
        .filter(|tool| !tool.format.is_function())
        .map(|tool| tool.name.as_str())
        .collect()
}

/// A `reasoning` input item, or `None` when the server could not resolve it
/// (see the module doc).
fn reasoning_input(text: &str, id: Option<&str>, encrypted: Option<&str>, store: bool) -> Option<Value> {
    let id = id?;
    if !store && encrypted.is_none() {
        return None;
    }
    let summary: Vec<Value> = if text.is_empty() {
        Vec::new()
    } else {
        vec![json!({ "type": "summary_text", "text": text })]
    };
    let mut item = json!({ "type": "reasoning", "id": id, "summary": summary });
    if let Some(encrypted) = encrypted {
        item["encrypted_content"] = json!(encrypted);
    }
    Some(item)
}

fn message(role: &str, content_type: &str, text: &str) -> Value {
    json!({
        "type": "message",
        "role": role,
        "content": [{ "type": content_type, "text": text }],
    })
}

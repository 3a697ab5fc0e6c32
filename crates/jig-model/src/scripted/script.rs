//! The script format of the scripted provider: the types a script file
//! deserializes into, builders for writing scripts in code, and loading.
//!
//! Invariant: a script that loads is one the provider can serve: it has at
//! least one response and every tool call's arguments are an object (sent as
//! its JSON text) or a string (sent verbatim, so a script can send malformed
//! arguments on purpose). Unknown keys are rejected so a typo such as
//! `tool_call` fails loudly instead of silently doing nothing. This module
//! parses and validates; it must not look at requests (that is `guard`'s job).

use std::path::Path;

use jig_protocol::{TokenUsage, ToolStatus};
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// One scripted model response, answering one model request.
///
/// Events stream in this order: reasoning, text, tool calls, completion.
/// A response with no text and no tool calls is allowed; it only completes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedResponse {
    /// Assistant text, streamed as a few word-aligned deltas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Reasoning summary, streamed before the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Tool calls, streamed after the text in this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ScriptedToolCall>,
    /// Reported usage; `None` means a deterministic estimate (characters / 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Guard on the request this response answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

impl ScriptedResponse {
    /// A response that only says `text`.
    pub fn message(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A response that makes one tool call with object `arguments`.
    pub fn tool_call(name: impl Into<String>, arguments: serde_json::Value) -> Self {
        Self::default().with_tool_call(ScriptedToolCall::new(name, arguments))
    }

    /// Sets the assistant text.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Sets the reasoning summary.
    pub fn with_reasoning(mut self, reasoning: impl Into<String>) -> Self {
        self.reasoning = Some(reasoning.into());
        self
    }

    /// Appends a tool call.
    pub fn with_tool_call(mut self, call: ScriptedToolCall) -> Self {
        self.tool_calls.push(call);
        self
    }

    /// Sets the reported usage instead of the estimate.
    pub fn with_usage(mut self, usage: TokenUsage) -> Self {
        self.usage = Some(usage);
        self
    }

    /// Sets the guard on the request this response answers.
    pub fn with_expect(mut self, expect: Expect) -> Self {
        self.expect = Some(expect);
        self
    }
}

/// One scripted tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedToolCall {
    /// Tool name.
    pub name: String,
    /// Arguments: an object is sent as its JSON text; a string is sent
    /// verbatim as raw JSON text, which lets a script send malformed
    /// arguments. Defaults to `{}`.
    #[serde(default = "empty_object")]
    pub arguments: serde_json::Value,
    /// Call id; `None` means `call_<response number>_<call index>`, with the
    /// response number 1-based and the call index 0-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl ScriptedToolCall {
    /// A call of `name` with `arguments` (normally a JSON object).
    pub fn new(name: impl Into<String>, arguments: serde_json::Value) -> Self {
        Self {
            name: name.into(),
            arguments,
            id: None,
        }
    }

    /// A call of `name` whose arguments are `raw_json`, sent verbatim even
    /// when it is not valid JSON.
    pub fn raw(name: impl Into<String>, raw_json: impl Into<String>) -> Self {
        Self::new(name, serde_json::Value::String(raw_json.into()))
    }

    /// Sets the call id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The arguments as the raw JSON text the model sends.
    pub fn arguments_text(&self) -> String {
        match &self.arguments {
            serde_json::Value::String(raw) => raw.clone(),
            other => other.to_string(),
        }
    }
}

/// A guard on the request a scripted response answers. Every set field must
/// hold, or the request fails with [`ModelError::ScriptMismatch`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The last tool output of the request must contain this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_output_contains: Option<String>,
    /// The last tool output of the request must have this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<ToolStatus>,
    /// The last user message of the request must contain this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_contains: Option<String>,
}

/// The syntax a script is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptFormat {
    /// TOML with `[[response]]` tables.
    Toml,
    /// JSON with a top-level `{"responses": [...]}` object.
    Json,
}

impl ScriptFormat {
    /// JSON for a `.json` extension, TOML for anything else.
    pub fn for_path(path: &Path) -> Self {
        match path.extension().and_then(|ext| ext.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => ScriptFormat::Json,
            _ => ScriptFormat::Toml,
        }
    }
}

/// The whole script file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    #[serde(default, alias = "response")]
    responses: Vec<ScriptedResponse>,
}

/// Parses and validates a script. `origin` names it in errors.
pub(crate) fn parse(origin: &str, text: &str, format: ScriptFormat) -> Result<Vec<ScriptedResponse>, ModelError> {
    let load = |reason: String| ModelError::Load {
        path: origin.to_string(),
        reason,
    };
    let file: ScriptFile = match format {
        ScriptFormat::Toml => toml::from_str(text).map_err(|err| {
            load(format!(
                "invalid TOML script: {}\nfix the script and run again",
                err.to_string().trim_end()
            ))
        })?,
        ScriptFormat::Json => serde_json::from_str(text)
            .map_err(|err| load(format!("invalid JSON script: {err}; fix the script and run again")))?,
    };
    validate(&file.responses).map_err(load)?;
    Ok(file.responses)
}

/// Reads and parses a script file, choosing the format by extension.
pub(crate) fn load(path: &Path) -> Result<Vec<ScriptedResponse>, ModelError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| ModelError::Load {
        path: origin.clone(),
        reason: format!("cannot read it: {err}; check the path"),
    })?;
    parse(&origin, &text, ScriptFormat::for_path(path))
}

fn validate(responses: &[ScriptedResponse]) -> Result<(), String> {
    if responses.is_empty() {
        return Err("the script has no responses; add at least one `[[response]]` table \
                    (or a `responses` array in JSON)"
            .to_string());
    }
    for (index, response) in responses.iter().enumerate() {
        for (call_index, call) in response.tool_calls.iter().enumerate() {
            let at = format!("response #{}, tool call #{}", index + 1, call_index + 1);
            if call.name.trim().is_empty() {
                return Err(format!("{at}: the tool name is empty; set `name`"));
            }
            if !matches!(
                call.arguments,
                serde_json::Value::Object(_) | serde_json::Value::String(_)
            ) {
                return Err(format!(
                    "{at} ({}): arguments must be a table/object, or a string of raw JSON \
                     text, but it is {}; write e.g. `arguments = {{ path = \"a.rs\" }}`",
                    call.name,
                    kind_of(&call.arguments)
                ));
            }
        }
    }
    Ok(())
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

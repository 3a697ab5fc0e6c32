//! The tools `jig mcp serve` offers — `run_task` and `reply` — as their
//! arguments, their result and the MCP tool definitions built from them.
//!
//! Invariant: the schemas a client sees are derived from these types
//! (schemars), so what is advertised and what is parsed never drift apart;
//! both tools share one result type and so one `outputSchema`.

use std::sync::Arc;

use rmcp::handler::server::common::{schema_for_input, schema_for_output, schema_for_type};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::diff::FileChange;

/// Tool name: start a session and run one task in it.
pub const RUN_TASK: &str = "run_task";
/// Tool name: continue a session.
pub const REPLY: &str = "reply";

/// `run_task`'s arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunTaskArgs {
    /// What the agent should do.
    pub prompt: String,
    /// The workspace directory (absolute, or relative to the server's
    /// directory; default: the server's directory).
    #[serde(default)]
    #[schemars(with = "String")]
    pub cwd: Option<String>,
    /// A jig model spec (`openai:gpt-5`, `anthropic:claude-sonnet-4-5`,
    /// `local:smollm2`, `scripted:PATH`); default: the configured model.
    #[serde(default)]
    #[schemars(with = "String")]
    pub model: Option<String>,
    /// `read-only`, `workspace-write` or `danger-full-access`; default:
    /// the configured sandbox.
    #[serde(default)]
    #[schemars(with = "String")]
    pub sandbox: Option<String>,
    /// `never`, `on-failure`, `on-request` or `untrusted`; default: the
    /// configured policy, else `on-request` when the client can answer
    /// questions (elicitation) and `never` when it cannot.
    #[serde(default)]
    #[schemars(with = "String")]
    pub approval_policy: Option<String>,
}

/// `reply`'s arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyArgs {
    /// The session to continue: `session_id` from an earlier result.
    pub session_id: String,
    /// The next message for the agent.
    pub prompt: String,
}

/// What a turn ended with, and what it changed: both tools' result.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskResult {
    /// The session, for `reply` (and `jig resume`).
    pub session_id: String,
    /// How the turn ended: `completed`, `interrupted`, `max_turns`,
    /// `budget_exceeded` or `failed`.
    pub outcome: String,
    /// Why it failed or stopped, when it did not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub error: Option<String>,
    /// The agent's last message (empty when it said nothing).
    pub final_message: String,
    /// Files added, modified or deleted in the workspace during the turn.
    pub files_changed: Vec<FileChange>,
    /// One line per changed file with its added and removed lines, then the
    /// totals.
    pub diff_summary: String,
}

impl TaskResult {
    /// The text content: the message, then the diff summary and session.
    pub fn text(&self) -> String {
        let mut text = String::new();
        if !self.final_message.is_empty() {
            text.push_str(&self.final_message);
            text.push_str("\n\n");
        }
        if let Some(error) = &self.error {
            text.push_str(&format!("the turn ended {}: {error}\n\n", self.outcome));
        }
        text.push_str(&self.diff_summary);
        text.push_str(&format!("\n\nsession: {}", self.session_id));
        text
    }
}

/// `T`'s JSON Schema as a tool's `inputSchema` (rmcp checks it is an object).
fn input<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    tidy(&schema_for_input::<T>().unwrap_or_else(|_| schema_for_type::<T>()))
}

/// The result's schema as a tool's `outputSchema`.
fn output() -> Arc<JsonObject> {
    tidy(&schema_for_output::<TaskResult>())
}

/// A schema as portable as it can be: optional fields are plain strings
/// (no `["string", "null"]`, no `default: null`, which single-`type`
/// dialects reject) and integers carry no schemars `uint64` format
/// (validators such as Ajv, the MCP Inspector's, warn about formats they
/// do not know; `minimum: 0` already says it).
fn tidy(schema: &JsonObject) -> Arc<JsonObject> {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                let int_format = |f: &Value| {
                    f.as_str()
                        .is_some_and(|f| f.starts_with("uint") || f.starts_with("int"))
                };
                if map.get("format").is_some_and(int_format) {
                    map.remove("format");
                }
                if map.get("default") == Some(&Value::Null) {
                    map.remove("default");
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value = Value::Object(schema.clone());
    walk(&mut value);
    match value {
        Value::Object(map) => Arc::new(map),
        // Removing keys keeps an object an object.
        _ => Arc::new(schema.clone()),
    }
}

/// The tools, as `tools/list` shows them.
pub fn list() -> Vec<Tool> {
    let run_task = Tool::new(
        RUN_TASK,
        "Run a coding task with the jig agent in a directory: it reads, edits and runs commands \
         there until done. Returns the agent's final message, the files it changed with lines \
         added and removed, and a session_id to continue with `reply`.",
        input::<RunTaskArgs>(),
    )
    .with_title("Run a jig agent task")
    .with_raw_output_schema(output())
    .with_annotations(ToolAnnotations::new().destructive(true).open_world(true));
    let reply = Tool::new(
        REPLY,
        "Continue a jig session started by `run_task` with another message; same result.",
        input::<ReplyArgs>(),
    )
    .with_title("Reply in a jig session")
    .with_raw_output_schema(output())
    .with_annotations(ToolAnnotations::new().destructive(true).open_world(true));
    vec![run_task, reply]
}

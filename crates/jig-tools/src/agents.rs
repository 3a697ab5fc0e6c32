//! The `generic` dialect's sub-agent tools — `spawn_agent`, `wait_agents`,
//! `list_agents`, `message_agent`, `cancel_agent` — and the helpers every
//! dialect's agent tools share (finding the host, wait timeouts, JSON
//! results, argument checks).
//!
//! Invariant: these tools only translate. Each parses its arguments, makes
//! one [`AgentHost`] call through [`ToolContext::agents`] and renders the
//! answer; where children run, how they are limited and when a result counts
//! as delivered are the host's. A session without a host answers every
//! agent tool with [`ToolError::RespondToModel`], so the model does the work
//! itself. Results are compact JSON objects whose statuses are
//! [`AgentStatus`] in its serde shape (Codex's), so every dialect reports a
//! child's state the same way.

use std::sync::Arc;
use std::time::Duration;

use jig_protocol::{AgentStatus, ToolFormat, ToolSpec};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::agent_host::{AgentHost, AgentInfo, SpawnRequest};
use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// The token [`AgentHost::wait`] watches, for hosts and tools in crates that
/// do not depend on `tokio-util` themselves.
pub use tokio_util::sync::CancellationToken;

/// How long a wait lasts when the model names no timeout, in milliseconds
/// (Codex's `wait_agent` default).
pub const DEFAULT_WAIT_TIMEOUT_MS: u64 = 30_000;
/// Shortest wait, in milliseconds: shorter timeouts are raised to it, so a
/// model cannot poll in a tight loop (Codex's minimum).
pub const MIN_WAIT_TIMEOUT_MS: u64 = 10_000;
/// Longest wait, in milliseconds: one hour (Codex's maximum).
pub const MAX_WAIT_TIMEOUT_MS: u64 = 3_600_000;

/// The session's sub-agent host, or the answer that there is none.
pub fn host(ctx: &ToolContext) -> Result<&Arc<dyn AgentHost>, ToolError> {
    ctx.agents.as_ref().ok_or_else(|| {
        ToolError::RespondToModel(
            "sub-agents are not available in this session (sub-agents are off, or this session is already at \
             the deepest level of delegation); do the task yourself with the other tools"
                .into(),
        )
    })
}

/// The wait a `timeout_ms` argument asks for: the default when absent,
/// clamped to [`MIN_WAIT_TIMEOUT_MS`]..=[`MAX_WAIT_TIMEOUT_MS`]; zero,
/// negative and non-finite values are refused.
pub fn wait_timeout(tool: &str, timeout_ms: Option<f64>) -> Result<Duration, ToolError> {
    let Some(ms) = timeout_ms else {
        return Ok(Duration::from_millis(DEFAULT_WAIT_TIMEOUT_MS));
    };
    if !ms.is_finite() || ms <= 0.0 {
        return Err(ToolError::RespondToModel(format!(
            "{tool}: timeout_ms must be a number of milliseconds greater than zero (got {ms}); omit it for the \
             default of {DEFAULT_WAIT_TIMEOUT_MS}"
        )));
    }
    // Clamped before the cast, so the cast never saturates or truncates a
    // value that matters.
    let clamped = ms.clamp(MIN_WAIT_TIMEOUT_MS as f64, MAX_WAIT_TIMEOUT_MS as f64);
    Ok(Duration::from_millis(clamped as u64))
}

/// `value` as the compact JSON text of a successful result.
pub fn json_result(value: &Value) -> ToolResult {
    ToolResult::ok(value.to_string())
}

/// A status in its JSON shape: `"running"`, `{"completed": "…"}`, ….
pub fn status_json(status: &AgentStatus) -> Value {
    serde_json::to_value(status).unwrap_or_else(|err| Value::String(format!("unrenderable status: {err}")))
}

/// A one-word name of a status, for text results.
pub fn status_word(status: &AgentStatus) -> &'static str {
    match status {
        AgentStatus::PendingInit => "pending_init",
        AgentStatus::Running => "running",
        AgentStatus::Interrupted => "interrupted",
        AgentStatus::Completed(_) => "completed",
        AgentStatus::Errored(_) => "errored",
        AgentStatus::BudgetExceeded { .. } => "budget_exceeded",
        AgentStatus::Shutdown => "shutdown",
        AgentStatus::NotFound => "not_found",
    }
}

/// `value` unless it is blank; `field` and `tool` name it in the refusal.
pub fn non_empty(tool: &str, field: &str, value: String) -> Result<String, ToolError> {
    if value.trim().is_empty() {
        return Err(ToolError::RespondToModel(format!(
            "{tool}: `{field}` is empty; send the text the sub-agent should get"
        )));
    }
    Ok(value)
}

/// An optional name with blanks read as absent (`agent_type: ""`).
pub fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A function tool's spec.
pub fn function_spec(name: &str, description: &str, parameters: Value) -> ToolSpec {
    ToolSpec {
        namespace: None,
        format: ToolFormat::Function,
        name: name.into(),
        description: description.into(),
        parameters,
    }
}

fn info_json(info: &AgentInfo) -> Value {
    json!({
        "agent_id": info.id,
        "nickname": info.nickname,
        "agent_type": info.agent_type,
        "status": status_json(&info.status),
    })
}

/// `spawn_agent`: starts a child with a brief; answers its id at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpawnAgentTool;

/// `wait_agents`: waits for children to finish, up to a timeout.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitAgentsTool;

/// `list_agents`: every child with its status.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListAgentsTool;

/// `message_agent`: more input for a child, optionally interrupting it.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageAgentTool;

/// `cancel_agent`: stops and closes a child.
#[derive(Debug, Clone, Copy, Default)]
pub struct CancelAgentTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpawnArgs {
    message: String,
    agent_type: Option<String>,
    model: Option<String>,
    #[serde(default)]
    fork_context: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitArgs {
    ids: Option<Vec<String>>,
    timeout_ms: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageArgs {
    id: String,
    message: String,
    #[serde(default)]
    interrupt: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdArgs {
    id: String,
}

#[async_trait::async_trait]
impl Tool for SpawnAgentTool {
    fn spec(&self) -> ToolSpec {
        function_spec(
            "spawn_agent",
            "Start a sub-agent on a self-contained task; it works in this workspace, alongside you, with the same \
             tools. The message is its whole brief: say what to do, what to hand back, and which files it may \
             change (give parallel agents disjoint files). Returns its id at once; collect its final answer with \
             wait_agents. Delegate bounded side tasks that can run while you work; keep work you are blocked on.",
            json!({
                "type": "object",
                "properties": {
                    "message": { "type": "string", "description": "The task for the new agent: its first message." },
                    "agent_type": { "type": "string", "description": "A configured agent type to start; omit for the default." },
                    "model": { "type": "string", "description": "A model for the agent instead of the default; omit unless asked." },
                    "fork_context": { "type": "boolean", "description": "Start it with a copy of this conversation instead of the message alone (default false)." }
                },
                "required": ["message"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let args: SpawnArgs = parse_args("spawn_agent", args)?;
        let request = SpawnRequest {
            brief: non_empty("spawn_agent", "message", args.message)?,
            agent_type: present(args.agent_type),
            model: present(args.model),
            fork_context: args.fork_context,
            ..SpawnRequest::default()
        };
        let info = host.spawn(request).await?;
        Ok(json_result(&json!({
            "agent_id": info.id,
            "nickname": info.nickname,
            "status": status_json(&info.status),
        })))
    }
}

#[async_trait::async_trait]
impl Tool for WaitAgentsTool {
    fn spec(&self) -> ToolSpec {
        function_spec(
            "wait_agents",
            &format!(
                "Wait until sub-agents finish, or the timeout passes; returns each one's status, with its final \
                 answer once completed. Waits for every sub-agent when `ids` is omitted. Wait only when your next \
                 step needs their results. timeout_ms defaults to {DEFAULT_WAIT_TIMEOUT_MS} and is kept between \
                 {MIN_WAIT_TIMEOUT_MS} and {MAX_WAIT_TIMEOUT_MS}."
            ),
            json!({
                "type": "object",
                "properties": {
                    "ids": { "type": "array", "items": { "type": "string" }, "description": "Agent ids to wait for; omit for all." },
                    "timeout_ms": { "type": "number", "description": "Longest wait in milliseconds." }
                },
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let args: WaitArgs = parse_args("wait_agents", args)?;
        let timeout = wait_timeout("wait_agents", args.timeout_ms)?;
        let ids = args.ids.unwrap_or_default();
        let outcome = host.wait(&ids, Some(timeout), &ctx.cancel).await?;
        // A final status the host handed over counts as delivered, so it is
        // answered even when the turn was interrupted meanwhile.
        if ctx.cancel.is_cancelled() && !outcome.statuses.iter().any(|(_, s)| s.is_final()) {
            return Err(ToolError::Interrupted);
        }
        let agents: Vec<Value> = outcome
            .statuses
            .iter()
            .map(|(id, status)| json!({ "agent_id": id, "status": status_json(status) }))
            .collect();
        Ok(json_result(
            &json!({ "agents": agents, "timed_out": outcome.timed_out }),
        ))
    }
}

#[async_trait::async_trait]
impl Tool for ListAgentsTool {
    fn spec(&self) -> ToolSpec {
        function_spec(
            "list_agents",
            "List this session's sub-agents: id, nickname, agent type and status of each.",
            json!({ "type": "object", "properties": {}, "additionalProperties": false }),
        )
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let _: serde_json::Map<String, Value> = parse_args("list_agents", args)?;
        let agents: Vec<Value> = host.list().iter().map(info_json).collect();
        Ok(json_result(&json!({ "agents": agents })))
    }
}

#[async_trait::async_trait]
impl Tool for MessageAgentTool {
    fn spec(&self) -> ToolSpec {
        function_spec(
            "message_agent",
            "Send a sub-agent more input. A working agent gets it with its next step; a finished one starts a new \
             turn on it. Set interrupt to stop its current turn first and redirect it. Returns its status.",
            json!({
                "type": "object",
                "properties": {
                    "id": { "type": "string", "description": "The agent's id (from spawn_agent)." },
                    "message": { "type": "string", "description": "What to tell it." },
                    "interrupt": { "type": "boolean", "description": "Stop its current turn before it reads this (default false)." }
                },
                "required": ["id", "message"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let args: MessageArgs = parse_args("message_agent", args)?;
        let message = non_empty("message_agent", "message", args.message)?;
        let status = host.send(&args.id, message, args.interrupt).await?;
        Ok(json_result(
            &json!({ "agent_id": args.id, "status": status_json(&status) }),
        ))
    }
}

#[async_trait::async_trait]
impl Tool for CancelAgentTool {
    fn spec(&self) -> ToolSpec {
        function_spec(
            "cancel_agent",
            "Stop a sub-agent and close it, when its work is no longer needed or it has finished and you are \
             done with it. Returns the status it had before.",
            json!({
                "type": "object",
                "properties": {
                    "id": { "type": "string", "description": "The agent's id (from spawn_agent)." }
                },
                "required": ["id"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let IdArgs { id } = parse_args("cancel_agent", args)?;
        let previous = host.close(&id).await?;
        Ok(json_result(
            &json!({ "agent_id": id, "previous_status": status_json(&previous) }),
        ))
    }
}

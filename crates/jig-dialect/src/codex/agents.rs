//! Codex's `multi_agent_v1` tools — `spawn_agent`, `send_input`,
//! `wait_agent`, `resume_agent`, `close_agent` — over the session's
//! [`AgentHost`].
//!
//! Names, parameters, required fields and results follow Codex's v1
//! handlers (`codex-rs/core/src/tools/handlers/multi_agents_spec.rs` and
//! `multi_agents/*.rs`): results are compact JSON — `{"agent_id",
//! "nickname"}`, `{"submission_id"}`, `{"status": {id: status},
//! "timed_out"}`, `{"status"}`, `{"previous_status"}` — with statuses in
//! [`AgentStatus`]'s serde shape, which is Codex's. Properties are listed
//! in Codex's (alphabetical) order. Descriptions are jig's.
//!
//! Codex offers these five inside a Responses API `namespace` tool named
//! `multi_agent_v1` (`codex-rs/tools/src/responses_api.rs`), and the model
//! calls them by their plain names with `namespace` beside `name`. Their
//! specs carry [`NAMESPACE`]; the Responses encoder groups them and echoes
//! the namespace on their calls, and other wires offer plain functions.
//!
//! Semantics kept from Codex: `spawn_agent` takes exactly one of `message`
//! and `items` (only `text` items: jig passes no images, skills or mentions
//! to a child); `fork_context` refuses `agent_type`, `model` and
//! `reasoning_effort` (a full fork inherits them); `wait_agent` returns as
//! soon as any target is final, with only the final ones in `status` and
//! `timed_out` true when none is, its timeout defaulting to 30 s and clamped
//! to 10 s..1 h. `send_input`'s `submission_id` is made here (the host
//! gives none): unique in the process, not a host-side handle.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jig_protocol::{AgentStatus, ToolSpec};
use jig_tools::agent_host::{AgentHost, SpawnRequest};
use jig_tools::agents::{
    DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS, MIN_WAIT_TIMEOUT_MS, function_spec, host, json_result, non_empty,
    present, status_json, wait_timeout,
};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// The Responses API tool namespace Codex puts these tools in.
pub const NAMESPACE: &str = "multi_agent_v1";

/// A function spec inside [`NAMESPACE`].
fn namespaced(name: &str, description: &str, parameters: Value) -> ToolSpec {
    ToolSpec {
        namespace: Some(NAMESPACE.to_owned()),
        ..function_spec(name, description, parameters)
    }
}

/// `spawn_agent`: starts a sub-agent; answers `{"agent_id", "nickname"}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpawnAgentTool;

/// `send_input`: more input for a sub-agent; answers `{"submission_id"}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendInputTool;

/// `wait_agent`: waits for any of `targets` to be final.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitAgentTool;

/// `resume_agent`: takes up a closed or interrupted sub-agent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResumeAgentTool;

/// `close_agent`: stops and closes a sub-agent.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloseAgentTool;

/// One of Codex's structured input items.
#[derive(Deserialize)]
struct InputItem {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct SpawnArgs {
    message: Option<String>,
    items: Option<Vec<InputItem>>,
    agent_type: Option<String>,
    model: Option<String>,
    reasoning_effort: Option<String>,
    #[serde(default)]
    fork_context: bool,
}

#[derive(Deserialize)]
struct SendArgs {
    #[serde(alias = "id")]
    target: String,
    message: Option<String>,
    items: Option<Vec<InputItem>>,
    #[serde(default)]
    interrupt: bool,
}

#[derive(Deserialize)]
struct WaitArgs {
    targets: Vec<String>,
    timeout_ms: Option<f64>,
}

#[derive(Deserialize)]
struct ResumeArgs {
    id: String,
}

#[derive(Deserialize)]
struct CloseArgs {
    target: String,
}

fn items_schema() -> Value {
    json!({
        "type": "array",
        "description": "Structured input instead of message: items of type `text` with their `text`.",
        "items": {
            "type": "object",
            "properties": {
                "image_url": { "type": "string", "description": "Image URL for an image item (not passed on by jig)." },
                "name": { "type": "string", "description": "Display name for a skill or mention item (not passed on by jig)." },
                "path": { "type": "string", "description": "Path for a local_image, skill or mention item (not passed on by jig)." },
                "text": { "type": "string", "description": "The text, for a text item." },
                "type": { "type": "string", "description": "Item type; `text` is the one jig passes on." }
            },
            "additionalProperties": false
        }
    })
}

/// The text of a call's input: exactly one of `message` and `items`.
fn input_text(tool: &str, message: Option<String>, items: Option<Vec<InputItem>>) -> Result<String, ToolError> {
    match (message, items) {
        (Some(_), Some(_)) => Err(ToolError::RespondToModel(format!(
            "{tool}: send either `message` or `items`, not both"
        ))),
        (None, None) => Err(ToolError::RespondToModel(format!(
            "{tool}: send the input as `message` (plain text) or as `items`"
        ))),
        (Some(message), None) => non_empty(tool, "message", message),
        (None, Some(items)) => {
            if items.is_empty() {
                return Err(ToolError::RespondToModel(format!(
                    "{tool}: `items` is empty; send at least one text item, or use `message`"
                )));
            }
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match (item.kind.as_str(), item.text) {
                    ("text", Some(text)) => texts.push(text),
                    ("text", None) => {
                        return Err(ToolError::RespondToModel(format!(
                            "{tool}: a text item needs its `text`"
                        )));
                    }
                    (other, _) => {
                        return Err(ToolError::RespondToModel(format!(
                            "{tool}: `{other}` items cannot be passed to a sub-agent here; send text items or a \
                             `message` that names the file or resource instead"
                        )));
                    }
                }
            }
            non_empty(tool, "items", texts.join("\n"))
        }
    }
}

#[async_trait::async_trait]
impl Tool for SpawnAgentTool {
    fn spec(&self) -> ToolSpec {
        namespaced(
            "spawn_agent",
            "Spawn a sub-agent for a well-scoped task that can run while you keep working; it shares this \
             workspace and has your tools. Returns its agent id (and a nickname). It inherits your model unless \
             you set `model`; leave `model` and `reasoning_effort` out unless asked. Spawn only when the user asks \
             for sub-agents, delegation or parallel work. Give each agent a concrete, self-contained task, say what \
             it should report back, and give agents that edit files disjoint sets of files. Do the step you are \
             blocked on yourself; wait for agents only when you need their results.",
            json!({
                "type": "object",
                "properties": {
                    "agent_type": { "type": "string", "description": "A configured agent type (role) for the new agent; omit for the default." },
                    "fork_context": { "type": "boolean", "description": "true gives the new agent a copy of this conversation; false or omitted starts it from the task alone." },
                    "items": items_schema(),
                    "message": { "type": "string", "description": "The new agent's task as plain text. Send message or items." },
                    "model": { "type": "string", "description": "Model for the new agent; omit to inherit yours." },
                    "reasoning_effort": { "type": "string", "description": "Reasoning effort for the new agent; omit to inherit yours." }
                },
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
        let brief = input_text("spawn_agent", args.message, args.items)?;
        let agent_type = present(args.agent_type);
        let model = present(args.model);
        let reasoning_effort = present(args.reasoning_effort);
        if args.fork_context && (agent_type.is_some() || model.is_some() || reasoning_effort.is_some()) {
            return Err(ToolError::RespondToModel(
                "spawn_agent: a forked agent (fork_context: true) keeps your agent type, model and reasoning \
                 effort; leave out agent_type, model and reasoning_effort, or spawn without fork_context"
                    .into(),
            ));
        }
        let info = host
            .spawn(SpawnRequest {
                brief,
                agent_type,
                model,
                reasoning_effort,
                fork_context: args.fork_context,
                ..SpawnRequest::default()
            })
            .await?;
        let nickname = (!info.nickname.is_empty()).then_some(info.nickname);
        Ok(json_result(&json!({ "agent_id": info.id, "nickname": nickname })))
    }
}

/// Ids for `send_input`'s result; see the module doc.
static SUBMISSIONS: AtomicU64 = AtomicU64::new(1);

#[async_trait::async_trait]
impl Tool for SendInputTool {
    fn spec(&self) -> ToolSpec {
        namespaced(
            "send_input",
            "Send a message to an agent you spawned. It is queued for the agent's next step; interrupt=true stops \
             its current work and has it handle this message now. Reuse an agent this way when the new task \
             builds on what it already did.",
            json!({
                "type": "object",
                "properties": {
                    "interrupt": { "type": "boolean", "description": "true interrupts the agent's current task to handle this message at once; false or omitted queues it." },
                    "items": items_schema(),
                    "message": { "type": "string", "description": "Plain-text message for the agent. Send message or items." },
                    "target": { "type": "string", "description": "Agent id to message (from spawn_agent)." }
                },
                "required": ["target"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let args: SendArgs = parse_args("send_input", args)?;
        let message = input_text("send_input", args.message, args.items)?;
        host.send(&args.target, message, args.interrupt).await?;
        let submission = SUBMISSIONS.fetch_add(1, Ordering::Relaxed);
        Ok(json_result(&json!({ "submission_id": format!("sub-{submission}") })))
    }
}

#[async_trait::async_trait]
impl Tool for WaitAgentTool {
    fn spec(&self) -> ToolSpec {
        namespaced(
            "wait_agent",
            "Wait until one of the given agents reaches a final status, or the timeout passes. Returns the final \
             statuses reached (a completed one carries the agent's last message) and whether it timed out, with \
             an empty status then. Wait only when your next step needs the result.",
            json!({
                "type": "object",
                "properties": {
                    "targets": {
                        "type": "array",
                        "items": { "type": "string" },
                        "description": "Agent ids to wait on; with several, returns when the first finishes."
                    },
                    "timeout_ms": {
                        "type": "number",
                        "description": format!(
                            "Timeout in milliseconds: default {DEFAULT_WAIT_TIMEOUT_MS}, min {MIN_WAIT_TIMEOUT_MS}, \
                             max {MAX_WAIT_TIMEOUT_MS}. Prefer long waits to polling."
                        )
                    }
                },
                "required": ["targets"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let args: WaitArgs = parse_args("wait_agent", args)?;
        let mut seen = HashSet::new();
        let targets: Vec<String> = args.targets.into_iter().filter(|t| seen.insert(t.clone())).collect();
        if targets.is_empty() {
            return Err(ToolError::RespondToModel(
                "wait_agent: `targets` is empty; pass the ids of the agents to wait on (from spawn_agent)".into(),
            ));
        }
        let timeout = wait_timeout("wait_agent", args.timeout_ms)?;
        let finals = wait_any(host, targets, timeout, ctx).await?;
        if finals.is_empty() && ctx.cancel.is_cancelled() {
            return Err(ToolError::Interrupted);
        }
        let timed_out = finals.is_empty();
        let status: serde_json::Map<String, Value> = finals
            .iter()
            .map(|(id, status)| (id.clone(), status_json(status)))
            .collect();
        Ok(json_result(&json!({ "status": status, "timed_out": timed_out })))
    }
}

/// Waits until any of `targets` is final: the statuses of those final when
/// it returns (empty when the timeout passed first).
///
/// Targets already final are collected in one host call. Otherwise each
/// target is waited on in its own task; when the first is final the others
/// are aborted and then joined, so a wait that finished in the meantime (and
/// so counts as delivered with the host) is reported, never dropped.
async fn wait_any(
    host: &Arc<dyn AgentHost>,
    targets: Vec<String>,
    timeout: Duration,
    ctx: &ToolContext,
) -> Result<BTreeMap<String, AgentStatus>, ToolError> {
    let listed = host.list();
    let ready: Vec<String> = targets
        .iter()
        .filter(|t| listed.iter().any(|a| &a.id == *t && a.status.is_final()))
        .cloned()
        .collect();
    if !ready.is_empty() {
        let outcome = host.wait(&ready, Some(timeout), &ctx.cancel).await?;
        return Ok(final_only(outcome.statuses));
    }
    let mut waits = JoinSet::new();
    for id in targets {
        let (host, cancel) = (Arc::clone(host), ctx.cancel.clone());
        waits.spawn(async move { host.wait(std::slice::from_ref(&id), Some(timeout), &cancel).await });
    }
    let mut finals = BTreeMap::new();
    let mut failure = None;
    while let Some(joined) = waits.join_next().await {
        match joined {
            Ok(Ok(outcome)) => finals.extend(final_only(outcome.statuses)),
            Ok(Err(err)) => failure = Some(err),
            Err(err) => failure = Some(ToolError::Fatal(format!("wait_agent: a wait task failed: {err}"))),
        }
        if !finals.is_empty() || failure.is_some() {
            break;
        }
    }
    waits.abort_all();
    while let Some(joined) = waits.join_next().await {
        if let Ok(Ok(outcome)) = joined {
            finals.extend(final_only(outcome.statuses));
        }
    }
    match failure {
        Some(err) if finals.is_empty() => Err(err),
        _ => Ok(finals),
    }
}

fn final_only(statuses: Vec<(String, AgentStatus)>) -> BTreeMap<String, AgentStatus> {
    statuses.into_iter().filter(|(_, status)| status.is_final()).collect()
}

#[async_trait::async_trait]
impl Tool for ResumeAgentTool {
    fn spec(&self) -> ToolSpec {
        namespaced(
            "resume_agent",
            "Resume an agent that was closed or interrupted, by id, so it can take send_input and wait_agent calls \
             again. Returns its status.",
            json!({
                "type": "object",
                "properties": {
                    "id": { "type": "string", "description": "Agent id to resume." }
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
        let ResumeArgs { id } = parse_args("resume_agent", args)?;
        let status = host.resume(&id).await?;
        Ok(json_result(&json!({ "status": status_json(&status) })))
    }
}

#[async_trait::async_trait]
impl Tool for CloseAgentTool {
    fn spec(&self) -> ToolSpec {
        namespaced(
            "close_agent",
            "Close an agent once it is no longer needed; returns the status it had before closing. A completed \
             agent stays open until you close it, so close agents you are done with.",
            json!({
                "type": "object",
                "properties": {
                    "target": { "type": "string", "description": "Agent id to close (from spawn_agent)." }
                },
                "required": ["target"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let CloseArgs { target } = parse_args("close_agent", args)?;
        let previous = host.close(&target).await?;
        Ok(json_result(&json!({ "previous_status": status_json(&previous) })))
    }
}

//! `Agent` (and `Task`, its old name): Claude Code's sub-agent tool over
//! the session's [`AgentHost`].
//!
//! The parameters are the measured ones (`description`, `prompt`,
//! `subagent_type`, `model`, `run_in_background`, `isolation`); `effort`
//! and `name` from later Claude Code releases are accepted too. In the
//! foreground (the default) the call spawns a child, waits for it with no
//! timeout (an interrupt of the turn ends the wait) and answers with its
//! final message, then an `agentId:` line, as Claude Code lays out a
//! completed agent's result. With `run_in_background: true` it answers at
//! once with Claude Code's launch notice (`Async agent launched
//! successfully.` and the `agentId:`). A child that failed answers with an
//! error result; one stopped by its budget, interrupted or closed answers
//! saying so, with whatever it had said.
//!
//! Differences from Claude Code, each said to the model: `isolation`
//! (a git worktree per agent) is refused, since children share the
//! workspace; `subagent_type: "general-purpose"` is jig's default agent,
//! and other types are the ones configured in `[agents.NAME]`; there is no
//! usage block after the `agentId:` line (the host reports none).

use jig_protocol::{AgentStatus, ToolSpec, ToolStatus};
use jig_tools::agent_host::SpawnRequest;
use jig_tools::agents::{function_spec, host, non_empty, present, status_word};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::{Value, json};

/// Claude Code's name for the agent it uses when no type is named.
const GENERAL_PURPOSE: &str = "general-purpose";

/// Claude Code's `Agent` (also reached as `Task`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AgentTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "`name` is accepted from later Claude Code releases; jig names agents itself"
)]
struct AgentArgs {
    description: String,
    prompt: String,
    subagent_type: Option<String>,
    model: Option<String>,
    #[serde(default)]
    run_in_background: bool,
    isolation: Option<String>,
    effort: Option<String>,
    name: Option<String>,
}

#[async_trait::async_trait]
impl Tool for AgentTool {
    fn spec(&self) -> ToolSpec {
        function_spec(
            "Agent",
            "Launch a sub-agent to carry out a multi-step task on its own: it has the same tools, works in this \
             workspace, and returns one final report. Use it for searches and investigations that would take many \
             steps, or for independent pieces of work that can go on in parallel (send several Agent calls in one \
             message). The prompt is all the agent knows: give the goal, the context it needs, whether to change \
             code or only research, and what to put in its report. Its report is for you, not the user: pass on \
             what matters. In the foreground the call returns when the agent is done; with run_in_background it \
             returns at once and you are told when the agent finishes.",
            json!({
                "type": "object",
                "properties": {
                    "description": { "type": "string", "description": "A short (3-5 word) summary of the task." },
                    "prompt": { "type": "string", "description": "The task for the agent, complete and self-contained." },
                    "subagent_type": { "type": "string", "description": "The type of agent to use: general-purpose (the default) or a configured agent type." },
                    "model": { "type": "string", "description": "A model for this agent instead of the default; omit to use the default." },
                    "run_in_background": { "type": "boolean", "description": "Run the agent in the background and return at once; you are told when it completes." },
                    "isolation": { "type": "string", "description": "Not available here: agents share this workspace. Omit it." }
                },
                "required": ["description", "prompt"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let host = host(ctx)?;
        let args: AgentArgs = parse_args("Agent", args)?;
        if present(args.isolation).is_some() {
            return Err(ToolError::RespondToModel(
                "Agent: isolation is not available here; sub-agents work in this workspace. Call Agent again \
                 without isolation, and give parallel agents separate files to change"
                    .into(),
            ));
        }
        let request = SpawnRequest {
            brief: non_empty("Agent", "prompt", args.prompt)?,
            description: present(Some(args.description)),
            agent_type: present(args.subagent_type).filter(|t| t != GENERAL_PURPOSE),
            model: present(args.model),
            reasoning_effort: present(args.effort),
            fork_context: false,
        };
        let info = host.spawn(request).await?;
        if args.run_in_background {
            return Ok(ToolResult::ok(launched(&info.id)));
        }
        let outcome = host.wait(std::slice::from_ref(&info.id), None, &ctx.cancel).await?;
        let status = outcome
            .statuses
            .into_iter()
            .find(|(id, _)| *id == info.id)
            .map_or(AgentStatus::NotFound, |(_, status)| status);
        if !status.is_final() && ctx.cancel.is_cancelled() {
            return Err(ToolError::Interrupted);
        }
        Ok(finished(&info.id, status))
    }
}

/// The answer to a background launch (Claude Code's `async_launched`).
fn launched(id: &str) -> String {
    format!(
        "Async agent launched successfully.\nagentId: {id} (internal ID - do not mention to user.)\nThe agent is \
         working in the background. You will be notified automatically when it completes. Until then you know \
         nothing of its results: do not guess at them; go on with other work or answer the user meanwhile."
    )
}

/// The answer once a foreground agent stopped: its last message, then the
/// `agentId:` line Claude Code ends a completed agent's result with.
fn finished(id: &str, status: AgentStatus) -> ToolResult {
    let trailer = format!("agentId: {id} (status: {})", status_word(&status));
    let (body, tool_status) = match status {
        AgentStatus::Completed(Some(message)) => (message, ToolStatus::Ok),
        AgentStatus::Completed(None) => (
            "The agent finished without a final message.".to_string(),
            ToolStatus::Ok,
        ),
        AgentStatus::Errored(reason) => (format!("The agent failed: {reason}"), ToolStatus::Error),
        AgentStatus::BudgetExceeded { message, reason } => (
            with_last_message(
                format!("The agent stopped at its budget before it finished ({reason})."),
                message,
            ),
            ToolStatus::Ok,
        ),
        AgentStatus::Interrupted => (
            "The agent was interrupted before it finished.".to_string(),
            ToolStatus::Ok,
        ),
        AgentStatus::Shutdown => ("The agent was closed before it finished.".to_string(), ToolStatus::Ok),
        AgentStatus::NotFound => (
            "The agent is gone: jig has no agent with this id.".to_string(),
            ToolStatus::Error,
        ),
        AgentStatus::PendingInit | AgentStatus::Running => (
            "The agent is still working; you will be notified when it completes.".to_string(),
            ToolStatus::Ok,
        ),
    };
    ToolResult {
        output: format!("{body}\n{trailer}"),
        status: tool_status,
        effect: None,
    }
}

fn with_last_message(head: String, message: Option<String>) -> String {
    match message.filter(|m| !m.trim().is_empty()) {
        Some(message) => format!("{head} Its last message:\n{message}"),
        None => head,
    }
}

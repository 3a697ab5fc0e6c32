//! The session goal's tools: `create_goal`, `get_goal`, `update_goal`
//! (Codex's names and shapes).
//!
//! The goal lives in [`ToolContext::goal`], shared with the core, which keeps
//! it outside the compacted history, shows it after every compaction, and
//! keeps a turn going while it is active. These tools only read and change
//! it and report the change as [`ToolEffect::Goal`].

use jig_protocol::{Goal, GoalStatus, ToolSpec, ToolStatus};
use serde::Deserialize;
use serde_json::json;

use crate::{Tool, ToolContext, ToolEffect, ToolError, ToolResult, parse_args};

/// `create_goal`: sets the session's objective (replacing an earlier one).
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateGoalTool;

/// `get_goal`: shows the goal and its budget.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetGoalTool;

/// `update_goal`: marks the goal complete, blocked or paused.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateGoalTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateArgs {
    objective: String,
    #[serde(default)]
    token_budget: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateArgs {
    status: Status,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Complete,
    Blocked,
    Paused,
}

fn spec(name: &str, description: &str, parameters: serde_json::Value) -> ToolSpec {
    ToolSpec {
        namespace: None,
        format: jig_protocol::ToolFormat::Function,
        name: name.into(),
        description: description.into(),
        parameters,
    }
}

fn describe(goal: &Goal) -> String {
    let status = match goal.status {
        GoalStatus::Active => "active",
        GoalStatus::Complete => "complete",
        GoalStatus::Blocked => "blocked",
        GoalStatus::Paused => "paused",
    };
    let budget = goal.token_budget.map_or_else(
        || format!("{} tokens used, no budget", goal.tokens_used),
        |b| format!("{} of {b} tokens used", goal.tokens_used),
    );
    format!("goal: {}\nstatus: {status}\nbudget: {budget}", goal.objective)
}

fn changed(goal: Goal) -> ToolResult {
    ToolResult {
        output: describe(&goal),
        status: ToolStatus::Ok,
        effect: Some(ToolEffect::Goal(goal)),
    }
}

#[async_trait::async_trait]
impl Tool for CreateGoalTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "create_goal",
            "Set the objective this session works toward until it is complete or blocked. It stays visible \
             after the context is compacted. Optionally cap the tokens it may use.",
            json!({
                "type": "object",
                "properties": {
                    "objective": { "type": "string", "description": "The goal, stated so it can be checked." },
                    "token_budget": { "type": "integer", "description": "Most tokens to spend on it (optional)." }
                },
                "required": ["objective"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let CreateArgs {
            objective,
            token_budget,
        } = parse_args("create_goal", args)?;
        if objective.trim().is_empty() {
            return Err(ToolError::RespondToModel(
                "create_goal needs a non-empty objective".into(),
            ));
        }
        let goal = Goal {
            objective,
            token_budget,
            tokens_used: 0,
            status: GoalStatus::Active,
        };
        *ctx.goal.lock().unwrap_or_else(|e| e.into_inner()) = Some(goal.clone());
        Ok(changed(goal))
    }
}

#[async_trait::async_trait]
impl Tool for GetGoalTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "get_goal",
            "Show the session's goal, its status and its token budget.",
            json!({ "type": "object", "properties": {}, "additionalProperties": false }),
        )
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let _: serde_json::Map<String, serde_json::Value> = parse_args("get_goal", args)?;
        Ok(match ctx.goal.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(goal) => ToolResult::ok(describe(goal)),
            None => ToolResult::ok("no goal is set; use create_goal to set one"),
        })
    }
}

#[async_trait::async_trait]
impl Tool for UpdateGoalTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "update_goal",
            "Mark the session's goal complete (done and verified), blocked (cannot go on without the user) \
             or paused.",
            json!({
                "type": "object",
                "properties": {
                    "status": { "type": "string", "enum": ["complete", "blocked", "paused"] }
                },
                "required": ["status"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let UpdateArgs { status } = parse_args("update_goal", args)?;
        let mut slot = ctx.goal.lock().unwrap_or_else(|e| e.into_inner());
        let Some(goal) = slot.as_mut() else {
            return Err(ToolError::RespondToModel(
                "no goal is set; use create_goal first".into(),
            ));
        };
        goal.status = match status {
            Status::Complete => GoalStatus::Complete,
            Status::Blocked => GoalStatus::Blocked,
            Status::Paused => GoalStatus::Paused,
        };
        Ok(changed(goal.clone()))
    }
}

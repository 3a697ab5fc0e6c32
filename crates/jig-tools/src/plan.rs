//! `update_plan`: the model keeps a short plan the person can follow.
//!
//! The tool validates and echoes the plan; it owns no state. The core turns
//! its [`ToolEffect::Plan`] into a `PlanUpdated` event and the rollout keeps
//! every version, so the plan survives resume without a second store.

use jig_protocol::{PlanStep, StepStatus, ToolSpec};
use serde::Deserialize;
use serde_json::json;

use crate::{Tool, ToolContext, ToolEffect, ToolError, ToolResult, parse_args};

/// Replaces the agent's plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdatePlanTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    explanation: Option<String>,
    plan: Vec<PlanStep>,
}

#[async_trait::async_trait]
impl Tool for UpdatePlanTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "update_plan".into(),
            description: "Record the plan for this task as a short list of steps, each `pending`, \
`in_progress` or `completed`. At most one step is `in_progress`. Send the whole plan each time; \
mark steps completed as you finish them."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "explanation": { "type": "string", "description": "Why the plan changed (optional)." },
                    "plan": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "step": { "type": "string" },
                                "status": { "type": "string", "enum": ["pending", "in_progress", "completed"] }
                            },
                            "required": ["step", "status"],
                            "additionalProperties": false
                        }
                    }
                },
                "required": ["plan"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        // Plans are session state: updates must land in the order they were made.
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let Args { explanation, plan } = parse_args("update_plan", args)?;
        let in_progress = plan.iter().filter(|s| s.status == StepStatus::InProgress).count();
        if in_progress > 1 {
            return Err(ToolError::RespondToModel(format!(
                "invalid plan: {in_progress} steps are in_progress; keep at most one step in_progress"
            )));
        }
        if plan.iter().any(|s| s.step.trim().is_empty()) {
            return Err(ToolError::RespondToModel("invalid plan: a step has no text".into()));
        }
        *ctx.plan.lock().unwrap_or_else(|e| e.into_inner()) = plan.clone();
        Ok(ToolResult {
            output: "Plan updated".into(),
            status: jig_protocol::ToolStatus::Ok,
            effect: Some(ToolEffect::Plan { explanation, plan }),
        })
    }
}

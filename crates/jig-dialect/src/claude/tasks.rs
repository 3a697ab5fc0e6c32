//! `TaskCreate`, `TaskUpdate`, `TaskList`, `TaskGet`: Claude Code's task
//! list, kept as the session plan that `update_plan` edits too.
//!
//! A task is a [`PlanStep`]: its subject is the step text, its status the
//! step status; its id is its 1-based position, as a string. Invariants:
//! the plan in `ctx.plan` is the only store (so tasks survive resume with
//! the plan, and the person sees them as plan updates); every change writes
//! the new plan there and returns [`ToolEffect::Plan`]; at most one task is
//! `in_progress`. Descriptions and `activeForm` are accepted but not kept —
//! a plan step has no room for them — so `TaskGet` shows subject and
//! status. Deleting a task renumbers the ones after it, and the answer says
//! so and lists the new ids.

use jig_protocol::{PlanStep, StepStatus, ToolFormat, ToolSpec, ToolStatus};
use jig_tools::{Tool, ToolContext, ToolEffect, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::json;

/// Claude Code's `TaskCreate`: appends a pending task.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskCreateTool;

/// Claude Code's `TaskUpdate`: changes a task's status or subject, or deletes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskUpdateTool;

/// Claude Code's `TaskList`: every task with its id and status.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskListTool;

/// Claude Code's `TaskGet`: one task.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskGetTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "description and activeForm are accepted for the schema; a plan step cannot hold them"
)]
struct CreateArgs {
    subject: String,
    description: String,
    #[serde(rename = "activeForm")]
    active_form: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "description and activeForm are accepted for the schema; a plan step cannot hold them"
)]
struct UpdateArgs {
    #[serde(rename = "taskId")]
    task_id: String,
    status: Option<UpdateStatus>,
    subject: Option<String>,
    description: Option<String>,
    #[serde(rename = "activeForm")]
    active_form: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum UpdateStatus {
    Pending,
    InProgress,
    Completed,
    Deleted,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetArgs {
    #[serde(rename = "taskId")]
    task_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

fn spec(name: &str, description: &str, parameters: serde_json::Value) -> ToolSpec {
    ToolSpec {
        namespace: None,
        format: ToolFormat::Function,
        name: name.into(),
        description: description.into(),
        parameters,
    }
}

#[async_trait::async_trait]
impl Tool for TaskCreateTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "TaskCreate",
            "Add a task to the task list the person can follow, as pending. Use it for work with three or more \
steps; create the tasks up front, then move each through TaskUpdate. Returns the new task's id.",
            json!({
                "type": "object",
                "properties": {
                    "subject": { "type": "string", "description": "Short imperative title, e.g. \"Fix the parser test\"." },
                    "description": { "type": "string", "description": "What the task involves and when it is done." },
                    "activeForm": { "type": "string", "description": "Present-continuous form shown while it runs, e.g. \"Fixing the parser test\"." }
                },
                "required": ["subject", "description"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: CreateArgs = parse_args("TaskCreate", args)?;
        let subject = args.subject.trim();
        if subject.is_empty() {
            return Err(respond(
                "cannot create a task without a subject; pass a short title".into(),
            ));
        }
        let mut plan = lock(ctx);
        plan.push(PlanStep {
            step: subject.to_string(),
            status: StepStatus::Pending,
        });
        let output = format!("Task #{} created successfully: {subject}", plan.len());
        Ok(changed(output, plan.clone()))
    }
}

#[async_trait::async_trait]
impl Tool for TaskUpdateTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "TaskUpdate",
            "Change a task: set its status (mark it in_progress when you start it and completed as soon as it \
is done; only one task may be in_progress), rename it, or delete it. Deleting renumbers the tasks after it.",
            json!({
                "type": "object",
                "properties": {
                    "taskId": { "type": "string", "description": "Id of the task, as TaskCreate or TaskList gave it." },
                    "status": {
                        "type": "string",
                        "enum": ["pending", "in_progress", "completed", "deleted"],
                        "description": "New status; `deleted` removes the task."
                    },
                    "subject": { "type": "string", "description": "New title." },
                    "description": { "type": "string", "description": "New description." },
                    "activeForm": { "type": "string", "description": "New present-continuous form." }
                },
                "required": ["taskId"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: UpdateArgs = parse_args("TaskUpdate", args)?;
        let mut plan = lock(ctx);
        let index = task_index(&args.task_id, &plan)?;
        let id = index + 1;
        let status = match args.status {
            Some(UpdateStatus::Deleted) => return Ok(delete(&mut plan, index)),
            Some(UpdateStatus::Pending) => Some(StepStatus::Pending),
            Some(UpdateStatus::InProgress) => Some(StepStatus::InProgress),
            Some(UpdateStatus::Completed) => Some(StepStatus::Completed),
            None => None,
        };
        if status == Some(StepStatus::InProgress)
            && let Some(other) = plan
                .iter()
                .position(|step| step.status == StepStatus::InProgress)
                .filter(|&other| other != index)
        {
            return Err(respond(format!(
                "cannot start task #{id}: task #{} is already in_progress; mark it completed (or pending) first, \
since only one task may be in_progress",
                other + 1
            )));
        }
        let subject = args.subject.as_deref().map(str::trim);
        if subject == Some("") {
            return Err(respond(
                "cannot rename a task to an empty subject; pass a short title".into(),
            ));
        }
        let mut fields = Vec::new();
        if let Some(status) = status {
            plan[index].status = status;
            fields.push("status");
        }
        if let Some(subject) = subject {
            plan[index].step = subject.to_string();
            fields.push("subject");
        }
        if fields.is_empty() {
            return Ok(ToolResult::ok(format!(
                "Task #{id} unchanged: pass status or subject to change it"
            )));
        }
        let output = format!("Updated task #{id} {}", fields.join(" and "));
        Ok(changed(output, plan.clone()))
    }
}

#[async_trait::async_trait]
impl Tool for TaskListTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "TaskList",
            "List every task with its id and status, to pick the next one or check progress.",
            json!({ "type": "object", "properties": {}, "additionalProperties": false }),
        )
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let NoArgs {} = parse_args("TaskList", args)?;
        let plan = lock(ctx);
        if plan.is_empty() {
            return Ok(ToolResult::ok("No tasks found"));
        }
        Ok(ToolResult::ok(listing(&plan, 0)))
    }
}

#[async_trait::async_trait]
impl Tool for TaskGetTool {
    fn spec(&self) -> ToolSpec {
        spec(
            "TaskGet",
            "Show one task: its subject and status.",
            json!({
                "type": "object",
                "properties": {
                    "taskId": { "type": "string", "description": "Id of the task, as TaskCreate or TaskList gave it." }
                },
                "required": ["taskId"],
                "additionalProperties": false
            }),
        )
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: GetArgs = parse_args("TaskGet", args)?;
        let plan = lock(ctx);
        let index = task_index(&args.task_id, &plan)?;
        let step = &plan[index];
        Ok(ToolResult::ok(format!(
            "Task #{}: {}\nStatus: {}",
            index + 1,
            step.step,
            status_name(step.status)
        )))
    }
}

fn lock(ctx: &ToolContext) -> std::sync::MutexGuard<'_, Vec<PlanStep>> {
    // A poisoned lock only means another tool panicked mid-update; the plan
    // is a plain Vec and stays usable.
    ctx.plan.lock().unwrap_or_else(|e| e.into_inner())
}

fn respond(message: String) -> ToolError {
    ToolError::RespondToModel(message)
}

/// A change was made: `plan` is already in `ctx.plan`; announce it.
fn changed(output: String, plan: Vec<PlanStep>) -> ToolResult {
    ToolResult {
        output,
        status: ToolStatus::Ok,
        effect: Some(ToolEffect::Plan {
            explanation: None,
            plan,
        }),
    }
}

/// Removes task `index` and says which ids moved.
fn delete(plan: &mut Vec<PlanStep>, index: usize) -> ToolResult {
    let removed = plan.remove(index);
    let mut output = format!("Task #{} deleted: {}", index + 1, removed.step);
    if index < plan.len() {
        output.push_str("\nTasks after it were renumbered:\n");
        output.push_str(&listing(&plan[index..], index));
    }
    changed(output, plan.clone())
}

/// The 0-based index of the task `id` (`"3"`, also `"#3"`) names.
fn task_index(id: &str, plan: &[PlanStep]) -> Result<usize, ToolError> {
    let trimmed = id.trim().trim_start_matches('#');
    match trimmed.parse::<usize>() {
        Ok(n) if (1..=plan.len()).contains(&n) => Ok(n - 1),
        _ if plan.is_empty() => Err(respond(format!(
            "task {id:?} not found: there are no tasks yet; create one with TaskCreate"
        ))),
        _ => Err(respond(format!(
            "task {id:?} not found: task ids are 1 to {}; see TaskList",
            plan.len()
        ))),
    }
}

/// `#N [status] subject` lines, numbering from `first + 1`.
fn listing(steps: &[PlanStep], first: usize) -> String {
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| format!("#{} [{}] {}", first + i + 1, status_name(step.status), step.step))
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_name(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "pending",
        StepStatus::InProgress => "in_progress",
        StepStatus::Completed => "completed",
    }
}

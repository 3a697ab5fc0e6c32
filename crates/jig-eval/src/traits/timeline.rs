//! A rollout read once into what the graders ask about: turns, model
//! responses, tool calls paired with their outputs and approval requests,
//! plan versions, and token totals, each keeping the index of the record it
//! came from.
//!
//! Invariant: built in one pass in record order, so "before" and "after"
//! in every grader mean rollout order; a call is paired with the first
//! output (and approval request) carrying its id after it. Compaction
//! records are skipped: their items are copies of earlier ones, not new
//! actions.

use std::collections::HashMap;

use jig_protocol::{Cost, Event, Item, PlanStep, Role, RolloutRecord, TokenUsage, ToolStatus, TurnOutcome};

use super::actions::{self, Action};
use super::shell;

/// One model response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub record: usize,
    pub turn: usize,
    /// It holds assistant text that is not blank.
    pub says_something: bool,
    /// It holds at least one tool call.
    pub calls: bool,
}

/// One tool call and what became of it.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub record: usize,
    pub name: String,
    pub arguments: String,
    /// Record and content of its output.
    pub output: Option<(usize, ToolStatus, String)>,
    /// Record of the `approval_requested` for it.
    pub approval: Option<usize>,
    /// The shell command's text, for a shell tool.
    pub command: Option<String>,
    pub actions: Vec<Action>,
}

impl Call {
    /// Whether the call ran: it has an output that is not `interrupted`
    /// and not jig's refusal of a forbidden or declined command.
    pub fn ran(&self) -> bool {
        match &self.output {
            Some((_, ToolStatus::Interrupted, _)) | None => false,
            Some((_, ToolStatus::Error, text)) => !REFUSALS.iter().any(|r| text.starts_with(r)),
            Some((_, ToolStatus::Ok, _)) => true,
        }
    }

    /// Whether the call ran and reports success.
    pub fn succeeded(&self) -> bool {
        matches!(self.output, Some((_, ToolStatus::Ok, _)))
    }
}

/// How jig-core's guard answers a command it did not run.
const REFUSALS: &[&str] = &[
    "blocked by jig's exec policy",
    "the user declined to run this command",
    "running outside the sandbox needs a person's approval",
];

/// One turn.
#[derive(Debug, Clone, Default)]
pub(crate) struct Turn {
    /// Record of `turn_started`, if recorded.
    pub started: Option<usize>,
    /// Record and outcome of `turn_completed`.
    pub completed: Option<(usize, TurnOutcome)>,
}

/// The rollout, read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    pub dialect: Option<String>,
    pub cwd: String,
    pub turns: Vec<Turn>,
    pub responses: Vec<Response>,
    pub calls: Vec<Call>,
    /// `plan_updated` events: record and the whole plan.
    pub plans: Vec<(usize, Vec<PlanStep>)>,
    /// Sum of the responses' usage.
    pub usage: TokenUsage,
    /// The session's cost as last recorded in a `token_usage` event.
    pub recorded_cost: Option<Cost>,
}

impl Timeline {
    pub(crate) fn read(records: &[RolloutRecord]) -> Timeline {
        let mut t = Timeline {
            turns: vec![Turn::default()],
            ..Timeline::default()
        };
        let mut open: HashMap<String, usize> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            match record {
                RolloutRecord::SessionMeta(meta) => {
                    t.dialect.clone_from(&meta.dialect);
                    t.cwd.clone_from(&meta.cwd);
                }
                RolloutRecord::Response { items, usage } => {
                    t.usage.add(usage);
                    t.response(index, items, &mut open);
                }
                RolloutRecord::Item {
                    item: Item::ToolOutput(output),
                } => {
                    if let Some(call) = open.remove(&output.call_id).and_then(|i| t.calls.get_mut(i)) {
                        call.output = Some((index, output.status, output.output.clone()));
                    }
                }
                RolloutRecord::Event { event } => t.event(index, event, &open),
                RolloutRecord::Item { .. }
                | RolloutRecord::Compaction { .. }
                | RolloutRecord::Checkpoint(_)
                | RolloutRecord::Undo(_) => {}
            }
        }
        for call in &mut t.calls {
            let output = call.output.as_ref().map(|(_, _, text)| text.as_str());
            call.actions = actions::classify(&call.name, &call.arguments, output);
            let args = serde_json::from_str(&call.arguments).unwrap_or(serde_json::Value::Null);
            call.command = shell::command_of(&call.name, &args).map(|c| c.text);
        }
        t
    }

    /// Index of the current turn (`read` starts with one, so never empty).
    fn turn(&self) -> usize {
        self.turns.len().saturating_sub(1)
    }

    fn response(&mut self, record: usize, items: &[Item], open: &mut HashMap<String, usize>) {
        let turn = self.turn();
        let mut response = Response {
            record,
            turn,
            says_something: false,
            calls: false,
        };
        for item in items {
            match item {
                Item::Message {
                    role: Role::Assistant,
                    text,
                } => response.says_something |= !text.trim().is_empty(),
                Item::ToolCall(call) => {
                    response.calls = true;
                    open.insert(call.call_id.clone(), self.calls.len());
                    self.calls.push(Call {
                        record,
                        name: call.name.clone(),
                        arguments: call.arguments.clone(),
                        output: None,
                        approval: None,
                        command: None,
                        actions: Vec::new(),
                    });
                }
                _ => {}
            }
        }
        self.responses.push(response);
    }

    fn event(&mut self, record: usize, event: &Event, open: &HashMap<String, usize>) {
        match event {
            Event::TurnStarted { .. } => {
                // Records before the first turn_started belong to it.
                if self
                    .turns
                    .last()
                    .is_none_or(|t| t.started.is_some() || t.completed.is_some())
                {
                    self.turns.push(Turn::default());
                }
                if let Some(turn) = self.turns.last_mut() {
                    turn.started = Some(record);
                }
            }
            Event::TurnCompleted { outcome, .. } => {
                if let Some(turn) = self.turns.last_mut() {
                    turn.completed = Some((record, outcome.clone()));
                }
            }
            Event::PlanUpdated { plan, .. } => self.plans.push((record, plan.clone())),
            Event::ApprovalRequested { call_id, .. } => {
                if let Some(call) = open.get(call_id).and_then(|&i| self.calls.get_mut(i)) {
                    call.approval.get_or_insert(record);
                }
            }
            Event::TokenUsage { cost: Some(cost), .. } => self.recorded_cost = Some(*cost),
            _ => {}
        }
    }

    /// `path` as the workspace sees it: relative to the session's cwd,
    /// without `./`, `.` segments or `a/..` pairs.
    pub(crate) fn relative(&self, path: &str) -> String {
        let cwd = self.cwd.trim_end_matches('/');
        let path = match path.strip_prefix(cwd) {
            Some(rest) if !cwd.is_empty() && (rest.is_empty() || rest.starts_with('/')) => rest.trim_start_matches('/'),
            _ => path,
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." if parts.last().is_some_and(|p| *p != "..") => {
                    parts.pop();
                }
                _ => parts.push(part),
            }
        }
        let joined = parts.join("/");
        if path.starts_with('/') {
            format!("/{joined}")
        } else {
            joined
        }
    }
}

//! A jig rollout as an ATIF trajectory.
//!
//! The mapping, record by record:
//!
//! - `session_meta` → `agent` (`jig`, its version, the model spec), the
//!   trajectory's `session_id`, and a first `system` step holding the
//!   instructions (timestamped with the session's `created_at`, the only
//!   time a rollout records); the rest of the meta goes to
//!   `extra.jig.session_meta`.
//! - a user (system) message item → a `user` (`system`) step.
//! - a `response` → an `agent` step: its assistant text as `message`, its
//!   reasoning as `reasoning_content`, its calls as `tool_calls`, its usage
//!   as `metrics` (with `cost_usd` from the `token_usage` event after it),
//!   `llm_call_count: 1`. Arguments that are not a JSON object (a freeform
//!   `apply_patch`, malformed JSON) travel as `{"input": text}` with the
//!   text verbatim in the call's `extra.jig.raw_arguments`.
//! - a `tool_output` → an observation result on the step of its call
//!   (ATIF keeps a call and its result in one step), its status in
//!   `extra.status`.
//! - a `compaction` record → a `system` step with the summary, the record
//!   itself in `extra.jig.compaction`.
//! - events that only repeat what the steps hold (`agent_message`,
//!   `tool_call_begin`/`_end`, `token_usage`, `session_started`) are left
//!   out; every other event (turns, plans, approvals, goals, errors) goes,
//!   as recorded, into `extra.jig.events` of the step it follows.
//!
//! Invariant: `import(export(records))` grades like `records` (the
//! round-trip test holds it to that); nothing is dropped that a grader
//! reads.

use std::collections::HashMap;

use jig_protocol::{Event, Item, Role, RolloutRecord, SessionMeta, TokenUsage, ToolStatus};
use serde_json::{Map, Value, json};

use super::model::{
    Agent, Content, FinalMetrics, Metrics, Observation, ObservationResult, Source, Step, ToolCall, Trajectory,
};
use super::{AtifError, SCHEMA_VERSION};

/// The trajectory of one jig session.
pub fn export(records: &[RolloutRecord]) -> Result<Trajectory, AtifError> {
    let Some(RolloutRecord::SessionMeta(meta)) = records.first() else {
        return Err(AtifError::NotASession);
    };
    let mut out = Exporter::default();
    out.meta(meta);
    for record in &records[1..] {
        match record {
            RolloutRecord::SessionMeta(_) => {}
            RolloutRecord::Item { item } => out.item(item),
            RolloutRecord::Response { items, usage } => out.response(items, usage),
            RolloutRecord::Compaction { replacement, .. } => {
                let summary = replacement.iter().find_map(|item| match item {
                    Item::Compaction { summary, .. } => Some(summary.as_str()),
                    _ => None,
                });
                let text = summary.map_or_else(|| "The conversation was compacted.".to_string(), Item::compaction_text);
                out.push(Source::System, text);
                out.jig_extra("compaction", serde_json::to_value(record).unwrap_or(Value::Null));
            }
            RolloutRecord::Event { event } => out.event(event),
            // File snapshots for `jig undo`: nothing the trajectory shows.
            RolloutRecord::Checkpoint(_) | RolloutRecord::Undo(_) => {}
        }
    }
    Ok(out.finish(meta))
}

#[derive(Default)]
struct Exporter {
    steps: Vec<Step>,
    /// What goes into each step's `extra.jig`, one map per step.
    jig: Vec<Map<String, Value>>,
    /// The step of each call, for its output.
    calls: HashMap<String, usize>,
    usage: TokenUsage,
    /// The session's cost as last recorded.
    cost: Option<f64>,
    /// Events recorded before any step.
    early_events: Vec<Value>,
}

impl Exporter {
    fn meta(&mut self, meta: &SessionMeta) {
        if !meta.instructions.is_empty() {
            self.push(Source::System, meta.instructions.clone());
            if let Some(step) = self.steps.last_mut() {
                step.timestamp = Some(meta.created_at.clone());
            }
        }
    }

    fn push(&mut self, source: Source, message: String) {
        self.steps.push(Step {
            step_id: self.steps.len() as u64 + 1,
            timestamp: None,
            source,
            model_name: None,
            reasoning_effort: None,
            message: Content::Text(message),
            reasoning_content: None,
            tool_calls: None,
            observation: None,
            metrics: None,
            is_copied_context: None,
            llm_call_count: None,
            extra: None,
        });
        let mut jig = Map::new();
        if !self.early_events.is_empty() {
            jig.insert("events".into(), Value::Array(std::mem::take(&mut self.early_events)));
        }
        self.jig.push(jig);
    }

    /// Sets `extra.jig.KEY` of the last step.
    fn jig_extra(&mut self, key: &str, value: Value) {
        if let Some(jig) = self.jig.last_mut() {
            jig.insert(key.into(), value);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Message { role, text } => {
                let source = match role {
                    Role::System => Source::System,
                    Role::User => Source::User,
                    Role::Assistant => Source::Agent,
                };
                self.push(source, text.clone());
            }
            Item::ToolOutput(output) => {
                let Some(step) = self.calls.get(&output.call_id).and_then(|&i| self.steps.get_mut(i)) else {
                    return;
                };
                let status = match output.status {
                    ToolStatus::Ok => "ok",
                    ToolStatus::Error => "error",
                    ToolStatus::Interrupted => "interrupted",
                };
                let mut extra = Map::new();
                extra.insert("status".into(), status.into());
                step.observation
                    .get_or_insert_with(|| Observation { results: Vec::new() })
                    .results
                    .push(ObservationResult {
                        source_call_id: Some(output.call_id.clone()),
                        content: Some(Content::Text(output.output.clone())),
                        subagent_trajectory_ref: None,
                        extra: Some(extra),
                    });
            }
            Item::Compaction { summary, .. } => self.push(Source::System, Item::compaction_text(summary)),
            // The harness never adds these outside a response.
            Item::Reasoning { .. } | Item::ToolCall(_) => {}
        }
    }

    fn response(&mut self, items: &[Item], usage: &TokenUsage) {
        let mut texts = Vec::new();
        let mut reasoning = Vec::new();
        let mut calls = Vec::new();
        for item in items {
            match item {
                Item::Message { text, .. } => texts.push(text.as_str()),
                Item::Reasoning { text, .. } if !text.is_empty() => reasoning.push(text.as_str()),
                Item::ToolCall(call) => calls.push(tool_call(call)),
                Item::Reasoning { .. } | Item::ToolOutput(_) | Item::Compaction { .. } => {}
            }
        }
        self.usage.add(usage);
        self.push(Source::Agent, texts.join("\n\n"));
        let index = self.steps.len() - 1;
        for call in &calls {
            self.calls.insert(call.tool_call_id.clone(), index);
        }
        if let Some(step) = self.steps.last_mut() {
            step.reasoning_content = (!reasoning.is_empty()).then(|| reasoning.join("\n\n"));
            step.tool_calls = (!calls.is_empty()).then_some(calls);
            step.llm_call_count = Some(1);
            step.metrics = Some(Metrics {
                prompt_tokens: Some(tokens(usage.input_tokens)),
                completion_tokens: Some(tokens(usage.output_tokens)),
                cached_tokens: Some(tokens(usage.cached_input_tokens)),
                ..Metrics::default()
            });
        }
    }

    fn event(&mut self, event: &Event) {
        match event {
            Event::SessionStarted { .. }
            | Event::AgentMessageDelta { .. }
            | Event::AgentMessage { .. }
            | Event::ToolCallBegin { .. }
            | Event::ToolCallEnd { .. }
            | Event::TokenUsage { cost: None, .. } => {}
            Event::TokenUsage { cost: Some(cost), .. } => {
                self.cost = Some(cost.total_usd);
                let step = self.steps.last_mut().filter(|s| s.source == Source::Agent);
                if let Some(metrics) = step.and_then(|s| s.metrics.as_mut()) {
                    metrics.cost_usd = Some(cost.last_usd);
                }
            }
            other => {
                let value = serde_json::to_value(other).unwrap_or(Value::Null);
                match self.jig.last_mut() {
                    Some(jig) => {
                        if let Value::Array(events) = jig.entry("events").or_insert_with(|| json!([])) {
                            events.push(value);
                        }
                    }
                    None => self.early_events.push(value),
                }
            }
        }
    }

    fn finish(mut self, meta: &SessionMeta) -> Trajectory {
        for (step, jig) in self.steps.iter_mut().zip(std::mem::take(&mut self.jig)) {
            if !jig.is_empty() {
                let mut extra = Map::new();
                extra.insert("jig".into(), Value::Object(jig));
                step.extra = Some(extra);
            }
        }
        let mut session_meta = serde_json::to_value(meta).unwrap_or(Value::Null);
        if let Some(object) = session_meta.as_object_mut() {
            // The first system step holds them; once is enough.
            object.remove("instructions");
        }
        let mut jig = Map::new();
        jig.insert("session_meta".into(), session_meta);
        let mut extra = Map::new();
        extra.insert("jig".into(), Value::Object(jig));
        let mut agent_extra = Map::new();
        if let Some(dialect) = &meta.dialect {
            agent_extra.insert("dialect".into(), dialect.clone().into());
        }
        Trajectory {
            schema_version: SCHEMA_VERSION.into(),
            session_id: Some(meta.session_id.clone()),
            trajectory_id: None,
            agent: Agent {
                name: "jig".into(),
                version: meta.jig_version.clone(),
                model_name: Some(meta.model.clone()),
                tool_definitions: None,
                extra: (!agent_extra.is_empty()).then_some(agent_extra),
            },
            final_metrics: Some(FinalMetrics {
                total_prompt_tokens: Some(tokens(self.usage.input_tokens)),
                total_completion_tokens: Some(tokens(self.usage.output_tokens)),
                total_cached_tokens: Some(tokens(self.usage.cached_input_tokens)),
                total_cost_usd: self.cost,
                total_steps: Some(self.steps.len() as u64),
                extra: None,
            }),
            steps: self.steps,
            notes: None,
            continued_trajectory_ref: None,
            extra: Some(extra),
            subagent_trajectories: None,
        }
    }
}

fn tool_call(call: &jig_protocol::ToolCall) -> ToolCall {
    match serde_json::from_str::<Value>(&call.arguments) {
        Ok(Value::Object(arguments)) => ToolCall {
            tool_call_id: call.call_id.clone(),
            function_name: call.name.clone(),
            arguments,
            extra: None,
        },
        _ => {
            let mut arguments = Map::new();
            arguments.insert("input".into(), call.arguments.clone().into());
            let mut extra = Map::new();
            extra.insert("jig".into(), json!({ "raw_arguments": call.arguments }));
            ToolCall {
                tool_call_id: call.call_id.clone(),
                function_name: call.name.clone(),
                arguments,
                extra: Some(extra),
            }
        }
    }
}

/// A token count as ATIF's integers hold it.
fn tokens(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

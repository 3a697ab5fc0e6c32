//! An ATIF trajectory read back as rollout records, so the behaviour
//! graders (`traits::grade`) judge another agent's run as they judge jig's.
//!
//! - The `session_meta` is jig's own when the file came from jig
//!   (`extra.jig.session_meta`); otherwise it is made from the trajectory:
//!   its `session_id`, the agent's model, the leading `system` steps as
//!   instructions, `cwd` from the first step or agent `extra.cwd` that has
//!   one, else the agent's `extra.cwds[0]` (Harbor's Claude Code converter
//!   writes both), and the dialect from
//!   the agent's name (`claude-code` → `claude`, `codex` → `codex`, any
//!   other → none, which grades as `generic`; `--dialect` overrides).
//! - A `user` step is a user message; a later `system` step a system
//!   message (or the compaction record jig exported).
//! - An `agent` step is one `response` (reasoning, the message, the calls),
//!   its `metrics` the usage; a `cost_usd` becomes a `token_usage` event
//!   with running totals, as jig records cost (when no step has one, the
//!   `final_metrics.total_cost_usd` is recorded at the end). Each observation result
//!   with a `source_call_id` becomes that call's `tool_output`: `error`
//!   when its `extra` says `status: error`/`interrupted` or
//!   `is_error`/`tool_result_is_error: true`, else `ok`. Results that name
//!   no call cannot be paired and are counted in [`Imported::left_out`].
//! - Turns: a trajectory from jig carries its own events (turns, plans,
//!   approvals) in `extra.jig.events`, replayed as recorded. For anyone
//!   else's, each `user` step starts a turn, and a turn whose last agent
//!   step made no call (the model answered without a tool, as jig defines
//!   it) or only called a completion tool (`finish`, `mark_task_complete`)
//!   ended `completed`; one that ended on another call is left open
//!   (stopped for a reason the file does not say), so plan currency is not
//!   judged on it. The shell tools of terminus-2 (`bash_command`) and
//!   OpenHands (`execute_bash`) are recorded as `bash` calls, which the
//!   graders read; every other call keeps its name and arguments.
//!
//! Invariant: total over every trajectory [`super::parse`] accepts: what
//! cannot be represented is counted, never a panic or an error.

use std::collections::HashSet;

use jig_protocol::{
    Cost, Event, Item, ROLLOUT_FORMAT_VERSION, RolloutRecord, SessionMeta, TokenUsage, ToolCall, ToolOutput,
    ToolStatus, TurnOutcome,
};
use serde_json::{Map, Value};

use super::model::{Content, Metrics, Source, Step, Trajectory};

/// A trajectory as rollout records.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The records, `session_meta` first.
    pub records: Vec<RolloutRecord>,
    /// What the records could not hold, for a person (`2 observation
    /// results that name no call`); empty when nothing was left out.
    pub left_out: Vec<String>,
}

/// The records `trajectory` stands for.
pub fn import(trajectory: &Trajectory) -> Imported {
    let leading_system = trajectory
        .steps
        .iter()
        .take_while(|s| s.source == Source::System && jig(s).is_none_or(|j| !j.contains_key("compaction")))
        .count();
    let instructions = trajectory.steps[..leading_system]
        .iter()
        .map(|s| s.message.text())
        .collect::<Vec<_>>()
        .join("\n\n");
    let native = jig_meta(trajectory, &instructions);
    let mut importer = Importer {
        synthesize_turns: native.is_none(),
        ..Importer::default()
    };
    let meta = native.unwrap_or_else(|| foreign_meta(trajectory, instructions));
    importer.records.push(RolloutRecord::SessionMeta(meta));
    for (i, step) in trajectory.steps.iter().enumerate() {
        if i < leading_system {
            importer.events(step, When::BeforeOutputs);
            importer.events(step, When::AfterOutputs);
            continue;
        }
        importer.step(step);
    }
    importer.finish(trajectory.final_metrics.as_ref().and_then(|m| m.total_cost_usd))
}

/// jig's own session meta, when the trajectory came from jig.
fn jig_meta(trajectory: &Trajectory, instructions: &str) -> Option<SessionMeta> {
    let mut meta = trajectory.extra.as_ref()?.get("jig")?.get("session_meta")?.clone();
    meta.as_object_mut()?.insert("instructions".into(), instructions.into());
    serde_json::from_value(meta).ok()
}

fn foreign_meta(trajectory: &Trajectory, instructions: String) -> SessionMeta {
    let agent = &trajectory.agent;
    let cwds = agent.extra.as_ref().and_then(|e| e.get("cwds")).and_then(|c| c.get(0));
    let cwd = trajectory
        .steps
        .iter()
        .filter_map(|s| s.extra.as_ref())
        .chain(agent.extra.as_ref())
        .find_map(|extra| extra.get("cwd"))
        .or(cwds)
        .and_then(Value::as_str);
    SessionMeta {
        session_id: trajectory
            .session_id
            .clone()
            .or_else(|| trajectory.trajectory_id.clone())
            .unwrap_or_else(|| "atif-import".into()),
        created_at: trajectory
            .steps
            .iter()
            .find_map(|s| s.timestamp.clone())
            .unwrap_or_default(),
        cwd: cwd.unwrap_or_default().to_string(),
        model: agent.model_name.clone().unwrap_or_default(),
        instructions,
        dialect: dialect_of(&agent.name, agent.extra.as_ref()).map(str::to_string),
        parent_session_id: None,
        jig_version: env!("CARGO_PKG_VERSION").to_string(),
        format: ROLLOUT_FORMAT_VERSION,
    }
}

/// The jig dialect whose tools an agent of this name speaks.
fn dialect_of<'a>(agent: &str, extra: Option<&'a Map<String, Value>>) -> Option<&'a str> {
    match agent {
        "jig" => extra?.get("dialect")?.as_str(),
        "claude-code" | "claude_code" | "claude" => Some("claude"),
        "codex" => Some("codex"),
        _ => None,
    }
}

/// A step's `extra.jig`.
fn jig(step: &Step) -> Option<&Map<String, Value>> {
    step.extra.as_ref()?.get("jig")?.as_object()
}

/// Where a step's recorded events go among its records.
#[derive(Clone, Copy, PartialEq, Eq)]
enum When {
    /// Between the response and the outputs (a call waiting for an answer).
    BeforeOutputs,
    /// After everything else of the step.
    AfterOutputs,
}

#[derive(Default)]
struct Importer {
    records: Vec<RolloutRecord>,
    synthesize_turns: bool,
    /// Turns started so far, and whether the current one is open.
    turns: u64,
    open: bool,
    /// The current turn's last agent step: whether it made a call (other
    /// than to a completion tool), and its text.
    last_called: bool,
    last_message: Option<String>,
    /// The current turn has an agent step.
    answered: bool,
    total: TokenUsage,
    turn: TokenUsage,
    cost: Cost,
    /// Some step carried its cost.
    costed: bool,
    unpaired: usize,
    bad_events: usize,
    media: usize,
}

impl Importer {
    fn step(&mut self, step: &Step) {
        self.media += media_parts(&step.message);
        match step.source {
            Source::System => {
                let compaction = jig(step)
                    .and_then(|j| j.get("compaction"))
                    .and_then(|c| serde_json::from_value::<RolloutRecord>(c.clone()).ok());
                let record = compaction.unwrap_or_else(|| RolloutRecord::Item {
                    item: Item::Message {
                        role: jig_protocol::Role::System,
                        text: step.message.text(),
                    },
                });
                self.records.push(record);
            }
            Source::User => {
                self.end_turn();
                self.records.push(RolloutRecord::Item {
                    item: Item::user(step.message.text()),
                });
                self.start_turn();
                self.turn = TokenUsage::default();
                self.cost.turn_usd = 0.0;
            }
            Source::Agent => self.agent(step),
        }
        if step.source != Source::Agent {
            self.events(step, When::BeforeOutputs);
        }
        self.events(step, When::AfterOutputs);
    }

    fn agent(&mut self, step: &Step) {
        if !self.open {
            self.start_turn();
        }
        let mut items = Vec::new();
        if let Some(reasoning) = step.reasoning_content.as_deref().filter(|r| !r.is_empty()) {
            items.push(Item::reasoning(reasoning));
        }
        let text = step.message.text();
        if !text.is_empty() {
            items.push(Item::assistant(text.clone()));
        }
        let calls = step.tool_calls.as_deref().unwrap_or_default();
        for call in calls {
            items.push(Item::ToolCall(tool_call(call)));
        }
        let usage = usage_of(step.metrics.as_ref());
        self.records.push(RolloutRecord::Response { items, usage });
        self.total.add(&usage);
        self.turn.add(&usage);
        if let Some(cost) = step.metrics.as_ref().and_then(|m| m.cost_usd) {
            self.costed = true;
            self.cost.last_usd = cost;
            self.cost.turn_usd += cost;
            self.cost.total_usd += cost;
            self.records.push(RolloutRecord::Event {
                event: Event::TokenUsage {
                    last: usage,
                    turn: self.turn,
                    total: self.total,
                    cost: Some(self.cost),
                },
            });
        }
        self.events(step, When::BeforeOutputs);
        self.outputs(step);
        self.last_called = calls
            .iter()
            .any(|c| !COMPLETION_TOOLS.contains(&c.function_name.as_str()));
        self.last_message = (!text.is_empty()).then_some(text);
        self.answered = true;
    }

    fn outputs(&mut self, step: &Step) {
        let mut answered = HashSet::new();
        for result in step.observation.iter().flat_map(|o| &o.results) {
            let content = result.content.as_ref();
            self.media += content.map_or(0, media_parts);
            let Some(call_id) = &result.source_call_id else {
                self.unpaired += 1;
                continue;
            };
            if !answered.insert(call_id.as_str()) {
                self.unpaired += 1;
                continue;
            }
            self.records.push(RolloutRecord::Item {
                item: Item::ToolOutput(ToolOutput {
                    call_id: call_id.clone(),
                    output: content.map(Content::text).unwrap_or_default(),
                    status: status_of(result.extra.as_ref()),
                    images: Vec::new(),
                }),
            });
        }
    }

    /// The events jig recorded with this step, those that belong `when`.
    fn events(&mut self, step: &Step, when: When) {
        let Some(events) = jig(step).and_then(|j| j.get("events")).and_then(Value::as_array) else {
            return;
        };
        for value in events {
            let Ok(event) = serde_json::from_value::<Event>(value.clone()) else {
                // Counted once, on the pass that keeps the rest.
                if when == When::AfterOutputs {
                    self.bad_events += 1;
                }
                continue;
            };
            let waits = matches!(
                event,
                Event::ApprovalRequested { .. }
                    | Event::ApprovalDecided { .. }
                    | Event::InputRequested { .. }
                    | Event::InputAnswered { .. }
            );
            if waits == (when == When::BeforeOutputs) {
                self.records.push(RolloutRecord::Event { event });
            }
        }
    }

    fn start_turn(&mut self) {
        self.open = true;
        self.last_called = false;
        self.last_message = None;
        self.answered = false;
        if self.synthesize_turns {
            self.turns += 1;
            self.records.push(RolloutRecord::Event {
                event: Event::TurnStarted { turn_id: self.turns },
            });
        }
    }

    /// Ends the open turn: `completed` when its last agent step made no
    /// call, or called only a completion tool; otherwise it stays without
    /// an outcome.
    fn end_turn(&mut self) {
        if self.synthesize_turns && self.open && self.answered && !self.last_called {
            self.records.push(RolloutRecord::Event {
                event: Event::TurnCompleted {
                    turn_id: self.turns,
                    outcome: TurnOutcome::Completed,
                    last_message: self.last_message.take(),
                },
            });
        }
        self.open = false;
    }

    fn finish(mut self, total_cost: Option<f64>) -> Imported {
        self.end_turn();
        if let Some(total) = total_cost.filter(|_| !self.costed) {
            self.cost = Cost {
                last_usd: total,
                turn_usd: total,
                total_usd: total,
            };
            self.records.push(RolloutRecord::Event {
                event: Event::TokenUsage {
                    last: TokenUsage::default(),
                    turn: self.turn,
                    total: self.total,
                    cost: Some(self.cost),
                },
            });
        }
        let mut left_out = Vec::new();
        let mut note = |count: usize, what: &str| {
            if count > 0 {
                left_out.push(format!("{count} {what}"));
            }
        };
        note(
            self.unpaired,
            "observation results that name no call of their step (or answer one twice)",
        );
        note(self.media, "image or audio parts (only text is graded)");
        note(
            self.bad_events,
            "jig events in extra.jig.events that this jig cannot read",
        );
        Imported {
            records: self.records,
            left_out,
        }
    }
}

/// Tools other agents end their work with, so a turn that ends on one ended
/// `completed`: OpenHands' `finish` (Harbor's golden
/// `tests/golden/openhands/hello-world.trajectory.json`) and terminus-2's
/// `mark_task_complete` (`harbor/agents/terminus_2/terminus_2.py`).
const COMPLETION_TOOLS: &[&str] = &["finish", "mark_task_complete"];

/// Shell tools of other agents, with the argument holding the command:
/// terminus-2's `bash_command` types `keystrokes` into a terminal, OpenHands'
/// `execute_bash` runs `command`. The graders know a shell call as `bash`
/// with a `command`, so these are recorded that way (a trailing newline of
/// the keystrokes dropped); every other call keeps its name and arguments.
const FOREIGN_SHELLS: &[(&str, &str)] = &[("bash_command", "keystrokes"), ("execute_bash", "command")];

fn tool_call(call: &super::model::ToolCall) -> ToolCall {
    let raw = call
        .extra
        .as_ref()
        .and_then(|e| e.get("jig"))
        .and_then(|j| j.get("raw_arguments"))
        .and_then(Value::as_str);
    let shell = FOREIGN_SHELLS
        .iter()
        .find(|(name, _)| *name == call.function_name)
        .and_then(|(_, key)| call.arguments.get(*key)?.as_str());
    let (name, arguments) = match (raw, shell) {
        (Some(raw), _) => (call.function_name.clone(), raw.to_string()),
        (None, Some(command)) => {
            let command = command.trim_end_matches('\n');
            (
                "bash".to_string(),
                serde_json::json!({ "command": command }).to_string(),
            )
        }
        (None, None) => (
            call.function_name.clone(),
            Value::Object(call.arguments.clone()).to_string(),
        ),
    };
    ToolCall {
        call_id: call.tool_call_id.clone(),
        name,
        arguments,
    }
}

fn usage_of(metrics: Option<&Metrics>) -> TokenUsage {
    let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
    metrics.map_or_else(TokenUsage::default, |m| TokenUsage {
        input_tokens: count(m.prompt_tokens),
        cached_input_tokens: count(m.cached_tokens),
        output_tokens: count(m.completion_tokens),
    })
}

/// A result's status as its producer marked it in `extra`.
fn status_of(extra: Option<&Map<String, Value>>) -> ToolStatus {
    let Some(extra) = extra else {
        return ToolStatus::Ok;
    };
    let flagged = |key: &str| extra.get(key).and_then(Value::as_bool) == Some(true);
    match extra.get("status").and_then(Value::as_str) {
        Some("interrupted") => ToolStatus::Interrupted,
        Some("error" | "failed" | "failure") => ToolStatus::Error,
        _ if flagged("is_error") || flagged("tool_result_is_error") => ToolStatus::Error,
        _ => ToolStatus::Ok,
    }
}

fn media_parts(content: &Content) -> usize {
    match content {
        Content::Text(_) => 0,
        Content::Parts(parts) => parts.iter().filter(|p| p.kind != "text").count(),
    }
}

//! Rebuilding a session's state from its rollout records alone.
//!
//! One pass over the records, no re-reading: items are replayed in order,
//! usage is summed, and turn boundaries tell whether the last turn finished.
//! Tool calls without an output are returned as `dangling`, marked with
//! how far they got ([`CallState`]): one that never began or began and did
//! who knows what is reported to the model instead of run again; one that
//! was waiting for the front-end's answer to a request (an approval, a
//! question) had changed nothing yet, so it is run again and asks again —
//! an open request is never answered by guesswork.
//! A compaction's summary response whose `compaction` record never got
//! written (the process stopped in between) is left out of the
//! conversation: it is no answer to the turn, and the resumed turn compacts
//! again when it still has to. A `jig undo` record enters the conversation
//! as a user note saying which files were restored, so the model never
//! works from file contents it no longer has.
//!
//! The records must tell one story: a turn starts and completes once, and a
//! tool call id is not given again while its call waits for an output, nor
//! answered twice. Interleaved writers (which the session lock now prevents)
//! break that, and such a rollout is refused as inconsistent rather than
//! resumed into a conversation no model produced. A `session_meta` in a
//! format this jig does not read is refused too.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use jig_protocol::{Event, Item, PlanStep, RolloutRecord, SessionMeta, TokenUsage, ToolCall, TurnOutcome};

use crate::error::CoreError;

/// A turn the rollout shows as begun but not completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenTurn {
    /// Its id.
    pub turn_id: u64,
    /// Whether its `turn_started` event was recorded.
    pub started: bool,
    /// Model responses it already received.
    pub steps: u32,
}

/// Session state rebuilt from a rollout.
#[derive(Debug)]
pub struct Rebuilt {
    /// The session's metadata (its first record).
    pub meta: SessionMeta,
    /// The conversation, in order.
    pub items: Vec<Item>,
    /// Sum of recorded usage.
    pub total_usage: TokenUsage,
    /// Id of the last turn that was started.
    pub last_turn_id: u64,
    /// The unfinished turn, if any.
    pub open_turn: Option<OpenTurn>,
    /// How the last completed turn ended.
    pub last_outcome: Option<TurnOutcome>,
    /// Tool calls with no output, with how far each got.
    pub dangling: Vec<(ToolCall, CallState)>,
    /// The number of the last request asked of the front-end (approvals
    /// and questions), so new ones get new ids.
    pub last_request: u64,
    /// The last recorded plan.
    pub plan: Vec<PlanStep>,
    /// Compactions so far.
    pub compactions: u64,
    /// The last recorded goal.
    pub goal: Option<jig_protocol::Goal>,
    /// The provider's last token count and how many items it covers.
    pub reported: Option<(u64, usize)>,
    /// The sub-agents it started, as its own records left them.
    pub children: Vec<RecordedChild>,
}

/// A sub-agent as its parent's rollout records it: spawned
/// (`agent_spawned`), perhaps final (`agent_updated`), and whether a later
/// tool output or user message names it (its result reached the model).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedChild {
    /// Its session id.
    pub id: String,
    /// Its short name.
    pub nickname: String,
    /// Its agent type, if one was named.
    pub agent_type: Option<String>,
    /// Its last recorded final status; `None` while it was working.
    pub status: Option<jig_protocol::AgentStatus>,
    /// Its usage at that status.
    pub usage: TokenUsage,
    /// Whether the model saw its final status.
    pub delivered: bool,
}

/// Notes what `record` says about the sub-agents in `children`.
fn note_child(children: &mut Vec<RecordedChild>, record: &RolloutRecord) {
    match record {
        RolloutRecord::Event {
            event:
                Event::AgentSpawned {
                    agent_id,
                    nickname,
                    agent_type,
                    ..
                },
        } => children.push(RecordedChild {
            id: agent_id.clone(),
            nickname: nickname.clone(),
            agent_type: agent_type.clone(),
            status: None,
            usage: TokenUsage::default(),
            delivered: false,
        }),
        RolloutRecord::Event {
            event:
                Event::AgentUpdated {
                    agent_id,
                    status,
                    usage,
                },
        } => {
            if let Some(child) = children.iter_mut().find(|c| &c.id == agent_id) {
                child.status = Some(status.clone());
                child.usage = *usage;
                child.delivered = false;
            }
        }
        RolloutRecord::Item { item } => {
            let text = match item {
                Item::ToolOutput(out) => out.output.as_str(),
                Item::Message {
                    role: jig_protocol::Role::User,
                    text,
                } => text.as_str(),
                _ => return,
            };
            for child in children.iter_mut().filter(|c| c.status.is_some()) {
                child.delivered |= text.contains(&child.id);
            }
        }
        _ => {}
    }
}

/// Rebuilds state from `records` (read from `path`, named in errors).
pub fn rebuild(path: &Path, records: &[RolloutRecord]) -> Result<Rebuilt, CoreError> {
    let mut rebuilder = Rebuilder::new(path);
    for record in records {
        rebuilder.push(record.clone())?;
    }
    rebuilder.finish()
}

/// Folds records into session state one at a time, so resume holds the
/// current context — not the whole rollout — in memory.
#[derive(Debug)]
pub struct Rebuilder {
    path: std::path::PathBuf,
    state: Option<Rebuilt>,
    started_calls: HashSet<String>,
    /// Requests to the front-end with no recorded answer: id → call id.
    open_requests: HashMap<String, String>,
    /// Calls recorded in responses that have no output yet.
    waiting_calls: HashSet<String>,
    /// Records pushed so far (the number of the one being applied).
    records: usize,
    /// Set from a `compaction_started` event until the record after it (model
    /// retries aside): the response then is the summary, not conversation.
    summary_pending: bool,
    /// The sub-agents the records name.
    children: Vec<RecordedChild>,
    /// Notes of `jig undo`s recorded while calls waited for their outputs:
    /// they enter the conversation once no call waits, never between a
    /// call and its output.
    undo_notes: Vec<String>,
}

impl Rebuilder {
    /// A rebuilder for the rollout at `path` (named in errors).
    pub fn new(path: &Path) -> Self {
        Rebuilder {
            path: path.to_path_buf(),
            state: None,
            started_calls: HashSet::new(),
            open_requests: HashMap::new(),
            waiting_calls: HashSet::new(),
            records: 0,
            summary_pending: false,
            children: Vec::new(),
            undo_notes: Vec::new(),
        }
    }

    /// Applies the next record; the first must be `session_meta`.
    pub fn push(&mut self, record: RolloutRecord) -> Result<(), CoreError> {
        self.records += 1;
        self.check_consistent(&record)?;
        note_child(&mut self.children, &record);
        let Some(state) = self.state.as_mut() else {
            let RolloutRecord::SessionMeta(meta) = record else {
                return Err(CoreError::CorruptRollout {
                    path: self.path.clone(),
                    line: 1,
                    reason: "the first record is not session_meta".into(),
                });
            };
            crate::store::check_format(&meta, &self.path)?;
            self.state = Some(Rebuilt {
                meta,
                items: Vec::new(),
                total_usage: TokenUsage::default(),
                last_turn_id: 0,
                open_turn: None,
                last_outcome: None,
                dangling: Vec::new(),
                last_request: 0,
                plan: Vec::new(),
                compactions: 0,
                goal: None,
                reported: None,
                children: Vec::new(),
            });
            return Ok(());
        };
        let is_summary = self.summary_pending && matches!(record, RolloutRecord::Response { .. });
        self.summary_pending = match &record {
            RolloutRecord::Event {
                event: Event::CompactionStarted { .. },
            } => true,
            RolloutRecord::Event {
                event: Event::ModelRetry { .. },
            } => self.summary_pending,
            _ => false,
        };
        match record {
            RolloutRecord::SessionMeta(_) => {}
            RolloutRecord::Item { item } => {
                if matches!(
                    item,
                    Item::Message {
                        role: jig_protocol::Role::User,
                        ..
                    }
                ) && state.open_turn.is_none()
                {
                    // Input recorded, turn not yet started: the turn to continue.
                    let turn_id = state.last_turn_id + 1;
                    state.open_turn = Some(OpenTurn {
                        turn_id,
                        started: false,
                        steps: 0,
                    });
                }
                state.items.push(item);
                if self.waiting_calls.is_empty() {
                    state
                        .items
                        .extend(self.undo_notes.drain(..).map(crate::checkpoints::note_item));
                }
            }
            RolloutRecord::Response { items, usage } => {
                // A summary only enters the conversation through its `compaction` record.
                if !is_summary {
                    state.items.extend(items);
                    if usage.input_tokens > 0 {
                        state.reported = Some((usage.input_tokens + usage.output_tokens, state.items.len()));
                    }
                }
                state.total_usage.add(&usage);
                if let Some(open) = state.open_turn.as_mut() {
                    open.steps += 1;
                }
            }
            RolloutRecord::Compaction { id, replacement, .. } => {
                // The conversation from here on; what it replaced stays above.
                state.items = replacement;
                state.compactions = id;
                state.reported = None;
            }
            RolloutRecord::Checkpoint(_) => {}
            // The model is told what `jig undo` changed under it.
            RolloutRecord::Undo(undo) => {
                self.undo_notes.push(crate::checkpoints::undo_note(&undo));
                if self.waiting_calls.is_empty() {
                    state
                        .items
                        .extend(self.undo_notes.drain(..).map(crate::checkpoints::note_item));
                }
            }
            RolloutRecord::Event { event } => match event {
                Event::TurnStarted { turn_id } => {
                    state.last_turn_id = turn_id;
                    let steps = state.open_turn.map_or(0, |t| t.steps);
                    state.open_turn = Some(OpenTurn {
                        turn_id,
                        started: true,
                        steps,
                    });
                }
                Event::TurnCompleted { turn_id, outcome, .. } => {
                    state.last_turn_id = turn_id;
                    state.open_turn = None;
                    state.last_outcome = Some(outcome);
                }
                Event::ToolCallBegin { call_id, .. } => {
                    self.started_calls.insert(call_id);
                }
                Event::ApprovalRequested {
                    request_id, call_id, ..
                }
                | Event::InputRequested {
                    request_id, call_id, ..
                } => {
                    let number = request_id.rsplit('-').next().and_then(|n| n.parse().ok());
                    state.last_request = state.last_request.max(number.unwrap_or(0));
                    self.open_requests.insert(request_id, call_id);
                }
                Event::ApprovalDecided { request_id, .. } | Event::InputAnswered { request_id, .. } => {
                    self.open_requests.remove(&request_id);
                }
                Event::PlanUpdated { plan, .. } => state.plan = plan,
                Event::GoalUpdated { goal } => state.goal = Some(goal),
                _ => {}
            },
        }
        Ok(())
    }

    /// Refuses a record that contradicts the ones before it: a turn started
    /// or completed twice, a call id given again while its call waits, an
    /// output for no waiting call.
    fn check_consistent(&mut self, record: &RolloutRecord) -> Result<(), CoreError> {
        let Some(state) = self.state.as_ref() else {
            return Ok(());
        };
        let open = state.open_turn.map(|t| t.turn_id);
        let problem = match record {
            RolloutRecord::Event {
                event: Event::TurnStarted { turn_id },
            } if *turn_id <= state.last_turn_id => Some(format!("turn {turn_id} starts a second time")),
            RolloutRecord::Event {
                event: Event::TurnCompleted { turn_id, .. },
            } if open != Some(*turn_id) => Some(if *turn_id <= state.last_turn_id && open.is_none() {
                format!("turn {turn_id} completes a second time")
            } else {
                format!("turn {turn_id} completes but is not the running turn")
            }),
            RolloutRecord::Response { items, .. } => items.iter().find_map(|item| match item {
                Item::ToolCall(call) if !self.waiting_calls.insert(call.call_id.clone()) => Some(format!(
                    "tool call id {} is given again while its first call waits for an output",
                    call.call_id
                )),
                _ => None,
            }),
            RolloutRecord::Item {
                item: Item::ToolOutput(output),
            } if !self.waiting_calls.remove(&output.call_id) => Some(format!(
                "an output for tool call {}, which is not waiting for one (answered twice?)",
                output.call_id
            )),
            _ => None,
        };
        match problem {
            None => Ok(()),
            Some(reason) => Err(CoreError::InconsistentRollout {
                path: self.path.clone(),
                record: self.records,
                reason,
            }),
        }
    }

    /// The rebuilt state, with the calls that never got an output.
    pub fn finish(self) -> Result<Rebuilt, CoreError> {
        let Some(mut state) = self.state else {
            return Err(crate::store::empty_rollout(self.path));
        };
        let asking: HashSet<String> = self.open_requests.into_values().collect();
        state.dangling = dangling_calls(&state.items, &self.started_calls, &asking);
        state.children = self.children;
        Ok(state)
    }
}

/// How far a call without an output got before the process stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// It never began.
    NotStarted,
    /// It began; what it did is unknown.
    Started,
    /// It was waiting for the front-end's answer to a request; it changed
    /// nothing yet, so it is run again and asks again.
    Asking,
}

fn dangling_calls(items: &[Item], started: &HashSet<String>, asking: &HashSet<String>) -> Vec<(ToolCall, CallState)> {
    let answered: HashSet<&str> = items
        .iter()
        .filter_map(|item| match item {
            Item::ToolOutput(out) => Some(out.call_id.as_str()),
            _ => None,
        })
        .collect();
    items
        .iter()
        .filter_map(|item| match item {
            Item::ToolCall(call) if !answered.contains(call.call_id.as_str()) => {
                let state = if asking.contains(&call.call_id) {
                    CallState::Asking
                } else if started.contains(&call.call_id) {
                    CallState::Started
                } else {
                    CallState::NotStarted
                };
                Some((call.clone(), state))
            }
            _ => None,
        })
        .collect()
}

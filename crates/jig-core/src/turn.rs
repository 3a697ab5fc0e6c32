//! The agent loop: ask the model, run its tool calls, append, repeat.
//!
//! [`Session::run_turn`] is the whole loop and stays one screen long; every
//! step is a function it calls. It ends when the model answers without a
//! tool call and no goal is active ([`TurnOutcome::Completed`]), a step
//! limit set by the user is reached ([`TurnOutcome::MaxTurns`]; there is
//! none by default), a budget is spent ([`TurnOutcome::BudgetExceeded`]),
//! the person interrupts, or a real fault happens ([`TurnOutcome::Failed`]).
//! Tool errors the model can fix are not faults: they go back to it as tool
//! output.
//!
//! Limits are checked before every model request, so a session already over
//! a budget makes no request, and after every response, before its tool
//! calls run or an active goal sends the model on.

use futures::StreamExt;
use jig_model::{ModelRequest, ResponseEvent};
use jig_protocol::{Event, FailureKind, Item, RolloutRecord, TokenUsage, ToolCall, TurnOutcome};
use tokio_util::sync::CancellationToken;

use crate::budget::BUDGET_NOT_RUN;
use crate::error::CoreError;
use crate::session::Session;

/// Why a turn stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The person interrupted.
    Interrupted,
    /// A fault the model cannot fix, and where it was.
    Failed(FailureKind, String),
}

impl From<CoreError> for Stop {
    fn from(err: CoreError) -> Self {
        Stop::Failed(err.failure_kind(), err.to_string())
    }
}

impl Session {
    /// Runs the current turn to its outcome.
    pub(crate) async fn run_turn(&mut self, cancel: &CancellationToken) -> TurnOutcome {
        let result = async {
            // Calls that were waiting for the front-end when jig stopped ask again.
            let rerun = std::mem::take(&mut self.turns.rerun);
            if !rerun.is_empty() {
                self.run_tool_calls(&rerun, cancel).await?;
            }
            loop {
                if let Some(outcome) = self.limit_reached() {
                    return Ok(outcome);
                }
                self.deliver_inbox()?;
                self.maybe_compact(cancel).await?;
                // A compaction is a paid request too.
                if let Some(outcome) = self.limit_reached() {
                    return Ok(outcome);
                }
                let calls = self.sample(cancel).await?;
                self.turns.steps_in_turn += 1;
                let nudge = if calls.is_empty() {
                    // An active goal, or a `stop` hook, sends the model on.
                    let nudge = match self.goal_nudge() {
                        Some(nudge) => Some(nudge),
                        None => self.stop_hooks(cancel).await?,
                    };
                    let Some(nudge) = nudge else {
                        return Ok(TurnOutcome::Completed);
                    };
                    Some(nudge)
                } else {
                    None
                };
                if let Some(outcome) = self.limits.exceeded(&self.tree_usage()) {
                    self.skip_calls(&calls, BUDGET_NOT_RUN)?;
                    return Ok(outcome);
                }
                match nudge {
                    Some(nudge) => self.record_item(Item::user(nudge))?,
                    None => self.run_tool_calls(&calls, cancel).await?,
                }
            }
        };
        match result.await {
            Ok(outcome) => outcome,
            Err(Stop::Interrupted) => TurnOutcome::Interrupted,
            Err(Stop::Failed(kind, error)) => TurnOutcome::Failed { kind, error },
        }
    }

    /// The outcome that ends the turn before its next model request: the
    /// step limit, or a budget the session has already spent.
    fn limit_reached(&self) -> Option<TurnOutcome> {
        if let Some(limit) = self.max_turns.filter(|&limit| self.turns.steps_in_turn >= limit) {
            return Some(TurnOutcome::MaxTurns { limit });
        }
        self.limits.exceeded(&self.tree_usage())
    }

    /// What this session and every sub-agent below it have used: the
    /// budgets of a session cover its whole tree.
    pub(crate) fn tree_usage(&self) -> TokenUsage {
        let mut total = self.conversation.total_usage;
        if let Some(agents) = &self.agents {
            total.add(&agents.tree_usage());
        }
        total
    }

    /// While the goal is active and within budget, a final answer does not
    /// end the turn: the model is reminded of the goal and goes on.
    fn goal_nudge(&self) -> Option<String> {
        let goal = self.goal.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        let within_budget = goal.token_budget.is_none_or(|budget| goal.tokens_used < budget);
        (goal.status == jig_protocol::GoalStatus::Active && within_budget).then(|| {
            format!(
                "The goal is still active: {}. Keep working toward it, or call update_goal with status \
                 complete (done and verified) or blocked (you need the user).",
                goal.objective
            )
        })
    }

    /// Adds queued interjections to the conversation before the next request.
    fn deliver_inbox(&mut self) -> Result<(), Stop> {
        if let Some(text) = self.take_inbox() {
            self.record_user_message(text)?;
        }
        if let Some(results) = self.agents.as_ref().and_then(|agents| agents.take_results()) {
            self.record_item(Item::user(results))?;
        }
        Ok(())
    }

    /// One model request: streams the response, records it as one rollout
    /// record, and returns its tool calls.
    async fn sample(&mut self, cancel: &CancellationToken) -> Result<Vec<ToolCall>, Stop> {
        let (text, reasoning, calls, usage) = tokio::select! {
            // An interrupt that came first wins, even over a ready response.
            biased;
            () = cancel.cancelled() => return Err(Stop::Interrupted),
            response = self.collect_response(None) => response?,
        };
        let mut items: Vec<Item> = reasoning.into_iter().map(jig_model::ReasoningPart::into_item).collect();
        if !text.is_empty() || calls.is_empty() {
            items.push(Item::assistant(text.clone()));
        }
        items.extend(calls.iter().cloned().map(Item::ToolCall));
        if let RolloutRecord::Response { items, .. } = self.record(RolloutRecord::Response { items, usage })? {
            self.conversation.items.extend(items);
        }
        self.conversation.total_usage.add(&usage);
        self.conversation.turn_usage.add(&usage);
        if let Some(agents) = &self.agents {
            agents.set_own_usage(self.conversation.total_usage);
        }
        if usage.input_tokens > 0 {
            self.conversation.reported =
                Some((usage.input_tokens + usage.output_tokens, self.conversation.items.len()));
        }
        if let Some(goal) = self.goal.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            goal.tokens_used += usage.billed_tokens();
        }
        if !text.is_empty() {
            self.emit(Event::AgentMessage { text })?;
        }
        // The total covers the sub-agents too, as the budgets do.
        let total = self.tree_usage();
        let cost = self.limits.cost(&usage, &self.conversation.turn_usage, &total);
        self.emit(Event::TokenUsage {
            last: usage,
            turn: self.conversation.turn_usage,
            total,
            cost,
        })?;
        Ok(calls)
    }

    /// Streams one response to the conversation, or — with `extra` — to the
    /// conversation plus one unrecorded item (the compaction request), whose
    /// text is not streamed to the front-end.
    pub(crate) async fn collect_response(
        &mut self,
        extra: Option<&Item>,
    ) -> Result<(String, Vec<jig_model::ReasoningPart>, Vec<ToolCall>, TokenUsage), Stop> {
        // Everything so far is durable and shown before the model is asked.
        self.flush()?;
        let spec = self.model.spec().to_string();
        let model_error = |err: jig_model::ModelError| Stop::Failed(FailureKind::Model, format!("model {spec}: {err}"));
        let with_extra: Vec<Item>;
        let items: &[Item] = match extra {
            None => &self.conversation.items,
            Some(item) => {
                with_extra = self
                    .conversation
                    .items
                    .iter()
                    .chain(std::iter::once(item))
                    .cloned()
                    .collect();
                &with_extra
            }
        };
        let request = ModelRequest {
            session_id: &self.meta.session_id,
            instructions: &self.meta.instructions,
            items,
            tools: &self.tool_specs,
            output_schema: None,
        };
        let mut stream = self.model.stream(&request).await.map_err(model_error)?;
        let (mut text, mut reasoning, mut calls) = (String::new(), Vec::new(), Vec::new());
        while let Some(event) = stream.next().await {
            match event.map_err(model_error)? {
                ResponseEvent::TextDelta(delta) => {
                    text.push_str(&delta);
                    if extra.is_none() {
                        self.emit(Event::AgentMessageDelta { delta })?;
                    }
                }
                ResponseEvent::Reasoning(summary) => {
                    if extra.is_none() && !summary.text.is_empty() {
                        self.emit(Event::AgentReasoning {
                            text: summary.text.clone(),
                        })?;
                    }
                    reasoning.push(summary);
                }
                ResponseEvent::ToolCall(call) => calls.push(call),
                ResponseEvent::Retrying {
                    attempt,
                    max_attempts,
                    delay_ms,
                    reason,
                } => {
                    (text, reasoning, calls) = (String::new(), Vec::new(), Vec::new());
                    self.emit(Event::ModelRetry {
                        attempt,
                        max_attempts,
                        delay_ms,
                        reason,
                    })?;
                }
                ResponseEvent::Skipped { event, reason } => self.emit(Event::Error {
                    message: format!(
                        "model {spec}: skipped an undecodable {event} event ({reason}); \
                         the response is kept if the rest of it is consistent, else retried"
                    ),
                })?,
                // For telemetry's `gen_ai.response.model`; the session needs nothing of it.
                ResponseEvent::Model(_) => {}
                ResponseEvent::Completed { usage } => return Ok((text, reasoning, calls, usage)),
            }
        }
        Err(Stop::Failed(
            FailureKind::Model,
            format!(
                "model {spec}: the response stream ended before the response was complete; \
                 run `jig resume --last` to retry"
            ),
        ))
    }
}

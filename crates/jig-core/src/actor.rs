//! The actor that runs a [`Session`], and the [`SessionHandle`] front-ends
//! hold.
//!
//! Design: one task owns all session state; front-ends talk to it through a
//! [`SessionHandle`] (an op channel in, an event channel out), so the core
//! can be embedded in any front-end or used directly as a library. While a
//! turn runs, the actor still listens: `Interject` (and a `UserInput`) are
//! queued for the next model request, `Interrupt` cancels the turn, and the
//! answers to the session's requests are routed to them. A compaction asked
//! for while idle is served the same way, so `Interrupt` cancels it too.
//!
//! A session that can no longer record (a full disk, a file-size limit)
//! cannot keep its promise that the rollout holds everything: the turn ends
//! `failed` with the storage error — sent to the front-end even though it
//! could not be recorded — and the actor stops, closing the event channel.
//! A panic inside a turn ends it `failed` (`internal`, recorded) and stops
//! the session the same way.

use std::path::PathBuf;

use jig_protocol::{Envelope, Event, FailureKind, Item, Op, Role, TokenUsage, TurnOutcome};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::CoreError;
use crate::host::Answer;
use crate::session::Session;

/// A front-end's connection to a running session.
pub struct SessionHandle {
    /// Session id.
    pub session_id: String,
    /// Session directory.
    pub dir: PathBuf,
    ops: mpsc::UnboundedSender<Op>,
    events: Option<mpsc::UnboundedReceiver<Envelope>>,
}

impl SessionHandle {
    /// Sends an op; returns `false` when the session has ended.
    pub fn submit(&self, op: Op) -> bool {
        self.ops.send(op).is_ok()
    }

    /// A sender for ops, e.g. for a Ctrl-C handler.
    pub fn op_sender(&self) -> mpsc::UnboundedSender<Op> {
        self.ops.clone()
    }

    /// The next event; `None` once the session has shut down (at once when
    /// its events go to a shared sink, see [`Session::send_events_to`]).
    pub async fn next_event(&mut self) -> Option<Event> {
        self.next().await.map(|envelope| envelope.event)
    }

    /// The next event with the id of the session it came from.
    pub async fn next(&mut self) -> Option<Envelope> {
        self.events.as_mut()?.recv().await
    }
}

impl Session {
    /// Starts the session's actor on the current tokio runtime. A panic
    /// inside a turn ends that turn `failed` (kind `internal`, recorded) and
    /// stops the session; a panic anywhere else in the actor is reported to
    /// the front-end as an error before the events end.
    pub fn spawn(mut self) -> SessionHandle {
        let (ops, ops_rx) = mpsc::unbounded_channel();
        let handle = SessionHandle {
            session_id: self.id().to_string(),
            dir: self.dir.clone(),
            ops,
            events: self.events_rx.take(),
        };
        let recorder = self.recorder.clone();
        let actor = tokio::spawn(self.run(ops_rx));
        tokio::spawn(async move {
            if let Err(err) = actor.await
                && err.is_panic()
            {
                let message = format!(
                    "internal error: the session stopped ({}); its rollout holds everything up to here — \
                     resume it with `jig resume`, and please report this",
                    panic_message(err.into_panic().as_ref())
                );
                recorder.send_unrecorded(&Event::Error { message });
            }
        });
        handle
    }

    async fn run(mut self, mut ops: mpsc::UnboundedReceiver<Op>) {
        let resumed = self.turns.open_turn.is_some() || self.turns.last_turn_id > 0;
        let started = Event::SessionStarted {
            protocol_version: jig_protocol::PROTOCOL_VERSION,
            session_id: self.id().to_string(),
            model: self.model.spec().to_string(),
            cwd: self.cwd.display().to_string(),
            resumed,
        };
        if let Err(err) = self
            .emit(started)
            .and_then(|()| self.close_dangling_calls())
            .and_then(|()| self.flush())
        {
            self.report(&err);
            return;
        }
        let source = if resumed { "resume" } else { "startup" };
        if let Err(err) = self.session_start_hooks(source).await {
            self.report(&err);
            return;
        }
        // A resumed session takes up its sub-agents where they stood.
        let recorded = std::mem::take(&mut self.recorded_children);
        if let Some(agents) = self.agents.as_ref().filter(|_| !recorded.is_empty()) {
            agents.restore(recorded);
        }
        let first_turn = self.turns.open_turn.is_some() || self.turns.take_up_stopped;
        let mut next: Option<Option<String>> = first_turn.then_some(None);
        loop {
            if self.recorder.failed() || self.turns.poisoned {
                // Nothing more can be recorded, or the state cannot be
                // trusted after a panic: nothing more may happen.
                break;
            }
            let input = match next.take() {
                Some(input) => input,
                None => match self.next_op(&mut ops).await {
                    // A sub-agent finished while no turn ran: its result
                    // starts one, as a person's message would.
                    Idle::Results(text) => Some(text),
                    Idle::Op(op) => match op {
                        Some(Op::UserInput { text } | Op::Interject { text }) => Some(text),
                        // Nothing of its own runs: only its sub-agents may have
                        // something to stop or a request to answer.
                        Some(op @ (Op::Interrupt | Op::Approval { .. } | Op::Answer { .. })) => {
                            self.forward_to_agents(&op);
                            continue;
                        }
                        Some(Op::Compact { focus }) => {
                            // Served like a turn, so an interrupt can stop it.
                            if self.drive(Work::Compaction(focus), &mut ops).await == Flow::Shutdown {
                                break;
                            }
                            next = self.take_inbox().map(Some);
                            continue;
                        }
                        Some(Op::Shutdown) | None => break,
                    },
                },
            };
            if self.drive(Work::Turn(input), &mut ops).await == Flow::Shutdown {
                break;
            }
            next = self.take_inbox().map(Some);
        }
        // No sub-agent outlives the session that started it.
        if let Some(agents) = &self.agents {
            agents.shutdown_all();
        }
    }

    /// What wakes an idle session: an op, or results of sub-agents that
    /// finished since the model last heard (checked before waiting, so none
    /// is missed).
    /// Once nothing is left to start a turn, and after a first turn or
    /// compaction, it says so ([`Event::SessionIdle`]).
    async fn next_op(&self, ops: &mut mpsc::UnboundedReceiver<Op>) -> Idle {
        let mut settled = self.turns.last_turn_id == 0 && self.turns.open_turn.is_none();
        let Some(agents) = self.agents.clone() else {
            if !settled {
                self.announce_idle(0);
            }
            return Idle::Op(ops.recv().await);
        };
        let ready = agents.ready();
        loop {
            let notified = ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(text) = agents.take_results() {
                return Idle::Results(text);
            }
            if !settled {
                self.announce_idle(agents.running());
                settled = true;
            }
            tokio::select! {
                biased;
                op = ops.recv() => return Idle::Op(op),
                () = &mut notified => {}
            }
        }
    }

    /// Tells the front-end the session waits for input, after everything
    /// recorded before it.
    fn announce_idle(&self, agents_running: usize) {
        if self.recorder.flush().is_ok() {
            self.recorder.send_unrecorded(&Event::SessionIdle { agents_running });
        }
    }

    /// Passes an op this session has no use for to its sub-agents.
    fn forward_to_agents(&self, op: &Op) {
        if let Some(agents) = &self.agents {
            agents.forward(op);
        }
    }

    /// Runs one turn, or a compaction asked for while idle, while still
    /// serving ops: an interrupt cancels either; a shutdown cancels a turn
    /// but lets an asked-for compaction finish first.
    async fn drive(&mut self, work: Work, ops: &mut mpsc::UnboundedReceiver<Op>) -> Flow {
        let cancel = CancellationToken::new();
        let inbox = self.inbox.clone();
        let host = self.host.clone();
        let compact_request = self.compact_request.clone();
        let agents = self.agents.clone();
        let forward = |op: Op| {
            if let Some(agents) = &agents {
                agents.forward(&op);
            }
        };
        let mut flow = Flow::Continue;
        let stop_on_shutdown = matches!(work, Work::Turn(_));
        let turn = async {
            match work {
                Work::Turn(input) => self.turn(input, cancel.clone()).await,
                Work::Compaction(focus) => self.compact_when_idle(focus, &cancel).await,
            }
        };
        tokio::pin!(turn);
        loop {
            tokio::select! {
                // Ops first: an op sent before a tool finished is always
                // seen before the turn moves on to its next model request.
                biased;
                op = ops.recv(), if flow == Flow::Continue => match op {
                    Some(Op::UserInput { text } | Op::Interject { text }) => {
                        inbox.lock().unwrap_or_else(|e| e.into_inner()).push_back(text);
                    }
                    Some(Op::Interrupt) => {
                        cancel.cancel();
                        forward(Op::Interrupt);
                    }
                    Some(Op::Compact { focus }) => {
                        *compact_request.lock().unwrap_or_else(|e| e.into_inner()) = Some(focus);
                    }
                    // An answer to no open request (late, or mistyped) is dropped.
                    // An answer this session did not ask for may be a sub-agent's.
                    Some(Op::Approval { request_id, decision }) => {
                        if !host.answer(&request_id, Answer::Approval(decision)) {
                            forward(Op::Approval { request_id, decision });
                        }
                    }
                    Some(Op::Answer { request_id, answer }) => {
                        if !host.answer(&request_id, Answer::Input(answer.clone())) {
                            forward(Op::Answer { request_id, answer });
                        }
                    }
                    Some(Op::Shutdown) | None => {
                        flow = Flow::Shutdown;
                        if stop_on_shutdown {
                            cancel.cancel();
                        }
                    }
                },
                () = &mut turn => return flow,
            }
        }
    }

    /// One turn: record the input, run the loop, report the outcome.
    async fn turn(&mut self, input: Option<String>, cancel: CancellationToken) {
        let open = self.turns.open_turn.take();
        let turn_id = open.as_ref().map_or(self.turns.last_turn_id + 1, |t| t.turn_id);
        self.turns.last_turn_id = turn_id;
        self.turns.steps_in_turn = open.as_ref().map_or(0, |t| t.steps);
        self.conversation.turn_usage = TokenUsage::default();
        // A `user_prompt_submit` hook may keep the prompt out of the conversation.
        let refused = match &input {
            Some(text) => self.prompt_hooks(text, &cancel).await,
            None => None,
        };
        let input = if refused.is_some() { None } else { input };
        let start = (|| {
            if let Some(text) = input {
                self.record_user_message(text)?;
            }
            if !open.is_some_and(|t| t.started) {
                self.emit(Event::TurnStarted { turn_id })?;
            }
            Ok::<(), CoreError>(())
        })();
        // (Calls to run again are the model's last items, but no answer.)
        let already_answered = open.is_some()
            && self.turns.rerun.is_empty()
            && self.conversation.items.last().is_some_and(Item::is_from_model);
        let outcome = match (start, refused) {
            (Ok(()), Some(refused)) => refused,
            // The crash came after the final answer but before the turn was closed.
            (Ok(()), None) if already_answered => TurnOutcome::Completed,
            (Ok(()), None) => {
                let turn = std::panic::AssertUnwindSafe(self.run_turn(&cancel));
                match futures::FutureExt::catch_unwind(turn).await {
                    Ok(outcome) => outcome,
                    Err(panic) => {
                        self.turns.poisoned = true;
                        TurnOutcome::failed(
                            FailureKind::Internal,
                            format!(
                                "internal error: jig panicked during the turn ({}); the session stops here — \
                                 resume it with `jig resume`, and please report this",
                                panic_message(panic.as_ref())
                            ),
                        )
                    }
                }
            }
            (Err(err), _) => TurnOutcome::failed(err.failure_kind(), err.to_string()),
        };
        // The goal's spending is recorded once per turn, so resume knows it.
        let goal = self.goal.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(goal) = goal.filter(|g| g.tokens_used > 0)
            && let Err(err) = self.emit(Event::GoalUpdated { goal })
        {
            self.report(&err);
        }
        let last_message = self.last_assistant_message();
        let completed = Event::TurnCompleted {
            turn_id,
            outcome: outcome.clone(),
            last_message: last_message.clone(),
        };
        if let Err(err) = self.emit(completed).and_then(|()| self.flush()) {
            self.end_unrecorded(turn_id, outcome, last_message, &err);
        }
    }

    /// Ends a turn whose end cannot be recorded: the front-end still hears
    /// that it failed, and why. Events waiting for a sync that failed are
    /// dropped, as they are not durable.
    fn end_unrecorded(&mut self, turn_id: u64, outcome: TurnOutcome, last_message: Option<String>, err: &CoreError) {
        self.recorder.drop_unsent();
        let error = err.to_string();
        let outcome = match outcome {
            TurnOutcome::Failed { kind, error: first } if first == error => TurnOutcome::Failed { kind, error },
            TurnOutcome::Failed { kind, error: first } => {
                self.report(err);
                TurnOutcome::Failed { kind, error: first }
            }
            _ => TurnOutcome::failed(err.failure_kind(), error),
        };
        let completed = Event::TurnCompleted {
            turn_id,
            outcome,
            last_message,
        };
        self.recorder.send_unrecorded(&completed);
    }

    /// The turn's last non-empty assistant message (the search stops at the
    /// user message that started the turn).
    pub(crate) fn last_assistant_message(&self) -> Option<String> {
        for item in self.conversation.items.iter().rev() {
            match item {
                Item::Message {
                    role: Role::Assistant,
                    text,
                } if !text.is_empty() => return Some(text.clone()),
                Item::Message { role: Role::User, .. } => return None,
                _ => {}
            }
        }
        None
    }
}

/// What a panic said, as far as it said anything.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_owned())
}

/// What woke an idle session.
enum Idle {
    Op(Option<Op>),
    Results(String),
}

/// What the actor does while it serves ops.
enum Work {
    /// A turn, with the input that starts it (`None` continues an open turn).
    Turn(Option<String>),
    /// A compaction a person asked for while no turn ran, with its focus.
    Compaction(Option<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Shutdown,
}

//! A [`Session`]: conversation state plus the actor that turns [`Op`]s into turns.
//!
//! Design: one task owns all session state; front-ends talk to it through a
//! [`SessionHandle`] (an op channel in, an event channel out), so the core
//! can be embedded in any front-end or used directly as a library. While a
//! turn runs, the actor still listens: `Interject` (and a `UserInput`) are
//! queued for the next model request, `Interrupt` cancels the turn. A
//! compaction asked for while idle is served the same way, so `Interrupt`
//! cancels it too.
//!
//! A session that can no longer record (a full disk, a file-size limit)
//! cannot keep its promise that the rollout holds everything: the turn ends
//! `failed` with the storage error — sent to the front-end even though it
//! could not be recorded — and the actor stops, closing the event channel.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jig_model::ModelClient;
use jig_protocol::{Envelope, Event, FailureKind, Item, Op, Role, RolloutRecord, SessionMeta, TokenUsage, TurnOutcome};
use jig_tools::ToolRouter;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::CoreError;
use crate::host::{Answer, Host};
use crate::recorder::{EventSink, Recorder};
use crate::resume::Rebuilder;
use crate::rollout::{RolloutWriter, scan_rollout};
use crate::state::{Conversation, Turns};
use crate::store::{ROLLOUT_FILE, SessionLock, SessionStore, new_meta};

/// How to start or resume a session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Workspace directory the tools work in.
    pub cwd: PathBuf,
    /// Data directory (sessions go in `home/sessions`).
    pub home: PathBuf,
    /// Model spec recorded in the session, e.g. `scripted:fix.toml`.
    pub model_spec: String,
    /// System instructions for a new session (a resumed one keeps its own).
    pub instructions: String,
    /// Name of the tool dialect the router speaks, recorded in the session.
    pub dialect: String,
    /// Most model requests one turn may make; `None` sets no limit.
    pub max_turns: Option<u32>,
    /// Price and hard caps.
    pub limits: crate::budget::Limits,
    /// Secrets to keep out of the rollout and events.
    pub redactor: crate::redact::Redactor,
    /// Exec-policy rules, approval policy and sandbox.
    pub guard: crate::guard::Guard,
    /// When and how to compact the context.
    pub compaction: crate::compaction::CompactionConfig,
    /// Fault injection for crash tests: SIGKILL right after the N-th record.
    pub fault_kill_after_records: Option<u64>,
    /// A directory put first on the `PATH` of this session's commands (the
    /// `rg` shim's); see [`jig_tools::ToolContext::path_prefix`].
    pub path_prefix: Option<PathBuf>,
    /// The session that starts this one (a sub-agent's parent), recorded in
    /// its `session_meta`.
    pub parent_session_id: Option<String>,
}

/// Conversation state and the loop that advances it.
pub struct Session {
    // Who the session is.
    pub(crate) meta: SessionMeta,
    pub(crate) dir: PathBuf,
    pub(crate) cwd: PathBuf,
    // What it knows.
    /// The conversation and its accounting.
    pub(crate) conversation: Conversation,
    /// Where its turns stand.
    pub(crate) turns: Turns,
    /// The session's goal, kept outside the compacted history.
    pub(crate) goal: jig_tools::SharedGoal,
    /// The plan tools edit; restored from the last `plan_updated` on resume.
    pub(crate) plan: jig_tools::SharedPlan,
    // How it acts.
    pub(crate) model: Arc<dyn ModelClient>,
    pub(crate) tools: ToolRouter,
    /// The tools' specs, built once so every request's prefix is identical.
    pub(crate) tool_specs: Vec<jig_protocol::ToolSpec>,
    pub(crate) path_prefix: Option<PathBuf>,
    pub(crate) guard: crate::guard::Guard,
    /// Commands a person approved for the rest of the session.
    pub(crate) approved_commands: std::collections::HashSet<String>,
    pub(crate) limits: crate::budget::Limits,
    pub(crate) max_turns: Option<u32>,
    pub(crate) compaction: crate::compaction::CompactionConfig,
    // How it talks.
    /// The rollout, its group commit and the outgoing events.
    pub(crate) recorder: Recorder,
    /// Requests to the front-end and their answers (approvals, questions).
    pub(crate) host: Host,
    /// Inputs that arrived during a turn, for its next model request.
    pub(crate) inbox: Arc<Mutex<VecDeque<String>>>,
    /// A person's `Op::Compact`, taken at the next model request.
    pub(crate) compact_request: Arc<Mutex<Option<Option<String>>>>,
    /// The receiving end of the session's own event channel, until spawned
    /// (`None` when the events go to a front-end's shared sink).
    events_rx: Option<mpsc::UnboundedReceiver<Envelope>>,
}

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
    /// Creates a new session directory and its rollout.
    pub fn create(
        config: &SessionConfig,
        model: Arc<dyn ModelClient>,
        tools: ToolRouter,
    ) -> Result<Session, CoreError> {
        let meta = SessionMeta {
            parent_session_id: config.parent_session_id.clone(),
            ..new_meta(&config.cwd, &config.model_spec, &config.instructions, &config.dialect)
        };
        let (dir, writer) = SessionStore::new(&config.home).create(&meta)?;
        let writer = writer.kill_after(config.fault_kill_after_records);
        Ok(Self::assemble(meta, dir, config, model, tools, writer, 0))
    }

    /// Rebuilds a session from the rollout in `dir` alone. An unfinished turn
    /// is continued when the session is spawned; tool calls that never ended
    /// are reported to the model as interrupted, never run again.
    pub fn resume(
        dir: PathBuf,
        config: &SessionConfig,
        model: Arc<dyn ModelClient>,
        tools: ToolRouter,
    ) -> Result<Session, CoreError> {
        let path = dir.join(ROLLOUT_FILE);
        // Locked before reading: no other writer can append after the read.
        let lock = SessionLock::acquire(&dir)?;
        let mut rebuilder = Rebuilder::new(&path);
        let loaded = scan_rollout(&path, |record| rebuilder.push(record))?;
        let state = rebuilder.finish()?;
        let writer = RolloutWriter::reopen(&path, &loaded, lock)?.kill_after(config.fault_kill_after_records);
        let mut session = Self::assemble(state.meta, dir, config, model, tools, writer, state.last_request);
        session.cwd = PathBuf::from(&session.meta.cwd);
        session.conversation.items = state.items;
        session.conversation.total_usage = state.total_usage;
        session.turns.last_turn_id = state.last_turn_id;
        session.turns.open_turn = state.open_turn;
        session.turns.last_outcome = state.last_outcome;
        session.turns.dangling = state.dangling;
        session.conversation.compactions = state.compactions;
        session.conversation.reported = state.reported;
        *session.goal.lock().unwrap_or_else(|e| e.into_inner()) = state.goal;
        *session.plan.lock().unwrap_or_else(|e| e.into_inner()) = state.plan;
        Ok(session)
    }

    fn assemble(
        meta: SessionMeta,
        dir: PathBuf,
        config: &SessionConfig,
        model: Arc<dyn ModelClient>,
        mut tools: ToolRouter,
        writer: RolloutWriter,
        last_request: u64,
    ) -> Session {
        // Every dialect can get back what compaction moved out of view.
        tools.register(Arc::new(jig_compact::RecallTool::new(dir.join(ROLLOUT_FILE))));
        let tool_specs = tools.specs();

        let (events, events_rx) = mpsc::unbounded_channel();
        let recorder = Recorder::new(meta.session_id.clone(), writer, config.redactor.clone(), events);
        let host = Host::new(&recorder, last_request);
        Session {
            cwd: config.cwd.clone(),
            meta,
            dir,
            conversation: Conversation::new(config.compaction.counter()),
            turns: Turns::default(),
            goal: jig_tools::SharedGoal::default(),
            plan: jig_tools::SharedPlan::default(),
            model,
            tool_specs,
            tools,
            path_prefix: config.path_prefix.clone(),
            guard: config.guard.clone(),
            approved_commands: std::collections::HashSet::new(),
            limits: config.limits.clone(),
            max_turns: config.max_turns,
            compaction: config.compaction.clone(),
            recorder,
            host,
            inbox: Arc::default(),
            compact_request: Arc::default(),
            events_rx: Some(events_rx),
        }
    }

    /// Session id.
    pub fn id(&self) -> &str {
        &self.meta.session_id
    }

    /// Whether a resumed session has a turn to finish before taking input.
    pub fn has_unfinished_turn(&self) -> bool {
        self.turns.open_turn.is_some()
    }

    /// How the last turn ended, when it stopped before its work was done
    /// (interrupted, or failed): such a turn can be taken up again without
    /// a new prompt.
    pub fn stopped_turn(&self) -> Option<&TurnOutcome> {
        self.turns
            .last_outcome
            .as_ref()
            .filter(|o| matches!(o, TurnOutcome::Interrupted | TurnOutcome::Failed { .. }))
    }

    /// Makes the spawned session first take up the work of a stopped turn
    /// (see [`Session::stopped_turn`]) as a new turn with no new input, the
    /// way an unfinished turn is continued. Returns whether there was one.
    pub fn continue_stopped_turn(&mut self) -> bool {
        self.turns.take_up_stopped = self.turns.open_turn.is_none() && self.stopped_turn().is_some();
        self.turns.take_up_stopped
    }

    /// The conversation so far.
    pub fn items(&self) -> &[Item] {
        &self.conversation.items
    }

    /// Sends this session's events to `sink` (as [`Envelope`]s naming the
    /// session) instead of its handle, so one front-end can follow many
    /// sessions through one channel. Call it before [`Session::spawn`].
    pub fn send_events_to(&mut self, sink: EventSink) {
        self.recorder.set_sink(sink);
        self.events_rx = None;
    }

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
        let started = Event::SessionStarted {
            session_id: self.id().to_string(),
            model: self.model.spec().to_string(),
            cwd: self.cwd.display().to_string(),
            resumed: self.turns.open_turn.is_some() || self.turns.last_turn_id > 0,
        };
        if let Err(err) = self
            .emit(started)
            .and_then(|()| self.close_dangling_calls())
            .and_then(|()| self.flush())
        {
            self.report(&err);
            return;
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
                None => match ops.recv().await {
                    Some(Op::UserInput { text } | Op::Interject { text }) => Some(text),
                    // Nothing runs, so there is nothing to stop or answer.
                    Some(Op::Interrupt | Op::Approval { .. } | Op::Answer { .. }) => continue,
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
            };
            if self.drive(Work::Turn(input), &mut ops).await == Flow::Shutdown {
                break;
            }
            next = self.take_inbox().map(Some);
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
                    Some(Op::Interrupt) => cancel.cancel(),
                    Some(Op::Compact { focus }) => {
                        *compact_request.lock().unwrap_or_else(|e| e.into_inner()) = Some(focus);
                    }
                    // An answer to no open request (late, or mistyped) is dropped.
                    Some(Op::Approval { request_id, decision }) => {
                        host.answer(&request_id, Answer::Approval(decision));
                    }
                    Some(Op::Answer { request_id, answer }) => {
                        host.answer(&request_id, Answer::Input(answer));
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
        let start = (|| {
            if let Some(text) = input {
                self.record_item(Item::user(text))?;
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
        let outcome = match start {
            // The crash came after the final answer but before the turn was closed.
            Ok(()) if already_answered => TurnOutcome::Completed,
            Ok(()) => {
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
            Err(err) => TurnOutcome::failed(err.failure_kind(), err.to_string()),
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
    fn last_assistant_message(&self) -> Option<String> {
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

    /// Queued inputs, joined into one message.
    pub(crate) fn take_inbox(&self) -> Option<String> {
        let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        if inbox.is_empty() {
            return None;
        }
        Some(inbox.drain(..).collect::<Vec<_>>().join("\n\n"))
    }

    /// Redacts a record and appends it; returns what was written.
    pub(crate) fn record(&mut self, record: RolloutRecord) -> Result<RolloutRecord, CoreError> {
        self.recorder.record(record)
    }

    /// Records an item in the rollout, then adds it to the conversation.
    pub(crate) fn record_item(&mut self, item: Item) -> Result<(), CoreError> {
        if let RolloutRecord::Item { item } = self.record(RolloutRecord::Item { item })? {
            self.conversation.items.push(item);
        }
        Ok(())
    }

    /// Records an event (streaming deltas excepted); it reaches the
    /// front-end at the next [`Session::flush`], once it is durable. Both
    /// see it redacted.
    pub(crate) fn emit(&mut self, event: Event) -> Result<(), CoreError> {
        self.recorder.emit(event, for_the_rollout)
    }

    /// Makes everything recorded so far durable with one sync, then sends
    /// the events waiting for it. Called before anything acts on the records:
    /// a model request, a tool run, an approval question, the end of a turn.
    pub(crate) fn flush(&mut self) -> Result<(), CoreError> {
        self.recorder.flush()
    }

    /// Tells the front-end about a fault that could not be recorded.
    pub(crate) fn report(&self, err: &CoreError) {
        self.recorder.send_unrecorded(&Event::Error {
            message: err.to_string(),
        });
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

/// Most of a tool's output kept in the rollout's copy of `tool_call_end`:
/// the whole output is already there as the `tool_output` item.
const RECORDED_END_OUTPUT_CHARS: usize = 200;

/// The copy of an event the rollout keeps: a `tool_call_end` drops what its
/// `tool_output` item already holds, so outputs are not stored twice.
fn for_the_rollout(event: &Event) -> Event {
    match event {
        Event::ToolCallEnd {
            call_id,
            name,
            status,
            output,
            duration_ms,
        } if output.len() > RECORDED_END_OUTPUT_CHARS => {
            let head: String = output.chars().take(RECORDED_END_OUTPUT_CHARS).collect();
            Event::ToolCallEnd {
                call_id: call_id.clone(),
                name: name.clone(),
                status: *status,
                output: format!("{head}… [full output in the tool_output item]"),
                duration_ms: *duration_ms,
            }
        }
        event => event.clone(),
    }
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

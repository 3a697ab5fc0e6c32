//! A [`Session`]: what it is, what it knows, how it acts and how it talks,
//! created new or rebuilt from its rollout. The actor that runs it, and the
//! handle front-ends hold, are in `actor`; its turns, tool calls and
//! compactions in `turn`, `tool_calls` and `compactor`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jig_model::ModelClient;
use jig_protocol::{Envelope, Event, Item, RolloutRecord, SessionMeta, TurnOutcome};
use jig_tools::ToolRouter;
use tokio::sync::mpsc;

use crate::error::CoreError;
use crate::host::Host;
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
    /// Where the file tools read and write text; `None` is the disk.
    pub(crate) files: Option<Arc<dyn jig_tools::files::FileAccess>>,
    pub(crate) guard: crate::guard::Guard,
    /// The `[[hooks]]` it runs (none unless the builder gives some).
    pub(crate) hooks: crate::hooks::Hooks,
    /// Commands a person approved for the rest of the session.
    pub(crate) approved_commands: std::collections::HashSet<String>,
    pub(crate) limits: crate::budget::Limits,
    pub(crate) max_turns: Option<u32>,
    pub(crate) compaction: crate::compaction::CompactionConfig,
    /// Its sub-agents (the agent tools' host); `None` when it may have none.
    pub(crate) agents: Option<Arc<dyn crate::children::Children>>,
    /// The sub-agents a resumed session's rollout records, for its actor
    /// to take up when it starts.
    pub(crate) recorded_children: Vec<crate::resume::RecordedChild>,
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
    pub(crate) events_rx: Option<mpsc::UnboundedReceiver<Envelope>>,
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
        session.recorded_children = state.children;
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
        // A sub-agent's request ids carry the end of its session id (the
        // random part of a UUIDv7), so they are unique in its tree.
        let tag = meta.parent_session_id.as_ref().map(|_| {
            let id = &meta.session_id;
            id[id.len().saturating_sub(8)..].to_owned()
        });
        let host = Host::new(&recorder, last_request, tag);
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
            files: None,
            guard: config.guard.clone(),
            hooks: crate::hooks::Hooks::default(),
            approved_commands: std::collections::HashSet::new(),
            limits: config.limits.clone(),
            max_turns: config.max_turns,
            compaction: config.compaction.clone(),
            agents: None,
            recorded_children: Vec::new(),
            recorder,
            host,
            inbox: Arc::default(),
            compact_request: Arc::default(),
            events_rx: Some(events_rx),
        }
    }

    /// The names of the tools the model is offered, in order.
    pub fn tool_names(&self) -> Vec<&str> {
        self.tool_specs.iter().map(|spec| spec.name.as_str()).collect()
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

    /// How its last turn ended, as a sub-agent's status (completed when no
    /// turn ended yet).
    pub(crate) fn last_turn_status(&self) -> jig_protocol::AgentStatus {
        let last_message = self.conversation.items.iter().rev().find_map(|item| match item {
            Item::Message {
                role: jig_protocol::Role::Assistant,
                text,
            } if !text.is_empty() => Some(text.clone()),
            _ => None,
        });
        match &self.turns.last_outcome {
            Some(outcome) => crate::children::final_status(outcome, last_message),
            None => jig_protocol::AgentStatus::Completed(last_message),
        }
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

    /// Exports this session as OpenTelemetry spans and metrics
    /// (`jig_telemetry`): its recorder hands every event it emits to the
    /// observer, and its model requests go through a traced client. The
    /// spans end when the session does. Call it before [`Session::spawn`];
    /// [`crate::SessionBuilder`] does when the settings turn telemetry on.
    pub fn export_telemetry(&mut self, telemetry: &Arc<jig_telemetry::Telemetry>) {
        self.export_telemetry_under(telemetry, None);
    }

    /// [`Session::export_telemetry`], its spans in `parent`'s trace (a
    /// sub-agent's, under its parent's spawning call).
    pub(crate) fn export_telemetry_under(
        &mut self,
        telemetry: &Arc<jig_telemetry::Telemetry>,
        parent: Option<&jig_telemetry::TraceParent>,
    ) {
        let observer = telemetry.session_under(self.id(), self.model.spec(), parent);
        self.model = Arc::new(jig_telemetry::TracedModel::new(Arc::clone(&self.model), &observer));
        self.recorder.set_observer(observer);
    }

    /// The model's context window in tokens, as compaction counts it.
    pub fn context_window(&self) -> u64 {
        self.compaction.context_window
    }

    /// Has the file tools (`read_file`, `write_file`, `edit_file`) read
    /// and write text through `files` — an editor's buffers — instead of
    /// the disk. Call it before [`Session::spawn`]; sub-agents use the disk.
    pub fn use_files(&mut self, files: Arc<dyn jig_tools::files::FileAccess>) {
        self.files = Some(files);
    }

    /// Starts a new session from `items` (a forked parent's conversation):
    /// each is recorded, so a resume rebuilds the same context.
    pub(crate) fn seed(&mut self, items: Vec<Item>) -> Result<(), CoreError> {
        for item in items {
            self.record_item(item)?;
        }
        self.flush()
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

    /// Records a person's message as an item, and tells the front-end it
    /// is now part of the conversation ([`Event::UserMessage`]).
    pub(crate) fn record_user_message(&mut self, text: String) -> Result<(), CoreError> {
        self.record_item(Item::user(text.clone()))?;
        self.recorder.emit_unrecorded(&Event::UserMessage { text });
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

    /// Shows the front-end what was recorded without a sync: before tool
    /// calls that change nothing (see [`Recorder::release`]).
    pub(crate) fn release(&mut self) {
        self.recorder.release();
    }

    /// Tells the front-end about a fault that could not be recorded.
    pub(crate) fn report(&self, err: &CoreError) {
        self.recorder.send_unrecorded(&Event::Error {
            message: err.to_string(),
        });
    }
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

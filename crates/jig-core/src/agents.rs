//! Sub-agents: a session's children, each a full session of its own, run
//! concurrently and followed through the [`AgentHost`] the agent tools call.
//!
//! - **Where a child lives.** Its session directory is under its parent's
//!   (`PARENT/agents/sessions/CHILD/`), so it is listed with the parent and
//!   never taken for the latest session by `resume --last`. Its
//!   `session_meta` names the parent.
//! - **What it may do.** It is built like its parent (same settings,
//!   approval policy and sandbox, never wider), with its own model if the
//!   spawn names one, and caps of at most what the tree has left of the
//!   parent's `max_tokens` / `max_cost_usd`.
//! - **How people follow it.** Its events go to the parent's front-end
//!   with the child's id as their session id; its approval requests carry
//!   ids unique in the tree, and the parent's actor routes an answer it does
//!   not know to its children. An interrupt of the parent stops the tree.
//! - **Durability.** The spawn (`agent_spawned`) and every final status
//!   with the child's result (`agent_updated`) are recorded and synced in the
//!   parent's rollout the moment they happen; the child's own rollout holds
//!   its work.
//!
//! Invariant: the manager's lock is never held across an await; a wait
//! returns when every awaited child is final, its timeout expires, or its
//! turn is cancelled — whichever is first — with the statuses so far.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use jig_protocol::{AgentStatus, Envelope, Event, Item, Op, TokenUsage};
use jig_tools::ToolError;
use jig_tools::agent_host::{AgentHost, AgentInfo, SpawnRequest, WaitOutcome};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::actor::SessionHandle;
use crate::children::{Children, final_status};
use crate::error::CoreError;
use crate::recorder::{EventSink, Recorder, WeakRecorder};
use crate::resume::RecordedChild;
use crate::session::Session;

/// How deep a tree may grow: children of the top session are depth 1.
pub const DEFAULT_MAX_DEPTH: u32 = 2;
/// Most children of one session working at once.
pub const DEFAULT_MAX_CONCURRENT: usize = 8;

/// A child to build.
pub(crate) struct ChildSpec {
    /// Its model spec.
    pub model: String,
    /// Its workspace (the parent's).
    pub workspace: PathBuf,
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// Its agent type's step limit, when it has one.
    pub max_turns: Option<Option<u32>>,
    /// Its agent type's instructions.
    pub extra_instructions: Option<String>,
    /// Its agent type's tools.
    pub tools: Option<Vec<String>>,
    pub parent_id: String,
    /// Where its session directory goes (`PARENT/agents`).
    pub sessions_root: PathBuf,
    pub depth: u32,
    pub sink: EventSink,
    /// The parent's conversation to start from (`fork_context`), before the
    /// brief.
    pub fork: Option<Vec<Item>>,
    /// Where its trace hangs in the parent's, when the parent is traced.
    pub trace: Option<jig_telemetry::TraceParent>,
}

/// How the manager builds children: the `SessionBuilder`, configured like
/// the parent (see `builder`), so this module never imports the builder.
pub(crate) trait ChildFactory: Send + Sync {
    /// A new child.
    fn create(&self, spec: ChildSpec) -> Result<Session, CoreError>;
    /// A child recorded in `dir`, at `depth`, its events to `sink`.
    fn resume(&self, dir: PathBuf, depth: u32, sink: EventSink) -> Result<Session, CoreError>;
}

/// What a parent's children are built from.
pub(crate) struct ChildTemplate {
    pub factory: Arc<dyn ChildFactory>,
    /// The parent's model spec, for children that name none.
    pub model_spec: String,
    /// The parent's caps, which cover its whole tree.
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// The named agent types.
    pub types: std::collections::BTreeMap<String, jig_config::AgentType>,
    /// The parent's depth (the top session is 0).
    pub depth: u32,
    pub max_depth: u32,
    pub max_concurrent: usize,
}

/// A session's children.
pub(crate) struct AgentManager {
    /// Itself, for the tasks that follow its children.
    me: Weak<AgentManager>,
    parent_id: String,
    parent_dir: PathBuf,
    cwd: PathBuf,
    template: ChildTemplate,
    /// The parent's recorder, weak: it must not keep the parent's events open.
    recorder: WeakRecorder,
    state: Mutex<State>,
    changed: Notify,
    /// Wakes the parent's idle actor when a child's status becomes final.
    finished: Arc<Notify>,
}

#[derive(Default)]
struct State {
    children: Vec<Child>,
    /// Each child's latest total usage (which covers its own children).
    usage: HashMap<String, TokenUsage>,
    /// The parent's own usage, as it last reported it.
    own: TokenUsage,
}

struct Child {
    id: String,
    nickname: String,
    agent_type: Option<String>,
    status: AgentStatus,
    ops: Option<mpsc::UnboundedSender<Op>>,
    /// Whether the model has been told its final status (by a wait, or a
    /// message before a model request).
    delivered: bool,
    /// Set when its wall-time budget ran out: the interrupted turn then
    /// ends as `budget_exceeded`, with this reason.
    overran: Option<String>,
}

impl std::fmt::Debug for AgentManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentManager").field("parent", &self.parent_id).finish()
    }
}

impl AgentManager {
    pub(crate) fn new(
        parent_id: String,
        parent_dir: PathBuf,
        cwd: PathBuf,
        template: ChildTemplate,
        recorder: Recorder,
    ) -> Arc<AgentManager> {
        Arc::new_cyclic(|me| AgentManager {
            me: me.clone(),
            parent_id,
            parent_dir,
            cwd,
            template,
            recorder: recorder.downgrade(),
            state: Mutex::default(),
            changed: Notify::new(),
            finished: Arc::new(Notify::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops every child (when the parent's session ends): no child
    /// outlives the session that started it.
    pub(crate) fn shutdown_all(&self) {
        for child in &mut self.lock().children {
            if let Some(ops) = child.ops.take() {
                let _ = ops.send(Op::Interrupt);
                let _ = ops.send(Op::Shutdown);
            }
        }
    }

    fn mark_delivered(&self, ids: &[String]) {
        for child in self.lock().children.iter_mut().filter(|c| ids.contains(&c.id)) {
            child.delivered = child.status.is_final();
        }
    }

    /// How many children are still working (their status is not final).
    pub(crate) fn running(&self) -> usize {
        self.lock().children.iter().filter(|c| !c.status.is_final()).count()
    }

    /// The results of children that finished since the model last heard,
    /// as one message for its next request; they count as delivered.
    pub(crate) fn take_results(&self) -> Option<String> {
        let mut state = self.lock();
        let lines: Vec<String> = state
            .children
            .iter_mut()
            .filter(|c| c.status.is_final() && !c.delivered)
            .map(|c| {
                c.delivered = true;
                let status = serde_json::to_string(&c.status).unwrap_or_default();
                format!("- {} ({}): {status}", c.nickname, c.id)
            })
            .collect();
        (!lines.is_empty()).then(|| format!("Sub-agents finished since you last heard:\n{}", lines.join("\n")))
    }

    /// After the parent is resumed: its children again, as its rollout
    /// recorded them (gathered while the resume read it, so it is read
    /// once) and as their own rollouts stand. A child whose final status the parent recorded stays as
    /// it was (it never runs again); one that finished after the parent
    /// stopped gets its final status recorded now; one that was mid-turn is
    /// resumed and finishes its turn. A final result the model never saw —
    /// no tool output or message after it names the child — is delivered
    /// before the next model request, once.
    pub(crate) fn restore(&self, recorded: Vec<RecordedChild>) {
        let children: Vec<Child> = recorded
            .into_iter()
            .map(|child| {
                if child.status.is_some() {
                    self.lock().usage.insert(child.id.clone(), child.usage);
                }
                Child {
                    id: child.id,
                    nickname: child.nickname,
                    agent_type: child.agent_type,
                    status: child.status.unwrap_or(AgentStatus::PendingInit),
                    ops: None,
                    delivered: child.delivered,
                    overran: None,
                }
            })
            .collect();
        if children.is_empty() {
            return;
        }
        self.lock().children = children;
        let unfinished: Vec<String> = self
            .lock()
            .children
            .iter()
            .filter(|c| !c.status.is_final())
            .map(|c| c.id.clone())
            .collect();
        for id in unfinished {
            self.take_up(&id);
        }
    }

    /// Resumes an unfinished child, or records how it ended when it ended
    /// after the parent stopped.
    fn take_up(&self, id: &str) {
        let dir = self.parent_dir.join("agents/sessions").join(id);
        let template = &self.template;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let session = match template.factory.resume(dir, template.depth + 1, events_tx) {
            Ok(session) => session,
            Err(err) => {
                let status = AgentStatus::Errored(format!("the sub-agent could not be resumed: {err}"));
                self.set_status(id, status.clone());
                self.record_final(id, &status);
                return;
            }
        };
        if !session.has_unfinished_turn() {
            // It finished after the parent stopped: its last turn says how.
            let status = session.last_turn_status();
            self.set_status(id, status.clone());
            self.record_final(id, &status);
            return;
        }
        let handle = session.spawn();
        if let Some(child) = self.lock().children.iter_mut().find(|c| c.id == id) {
            child.ops = Some(handle.op_sender());
            child.status = AgentStatus::Running;
        }
        tokio::spawn(AgentManager::follow(
            self.me.clone(),
            id.to_owned(),
            events_rx,
            self.recorder_sink(),
        ));
    }

    fn recorder_sink(&self) -> EventSink {
        match self.recorder.upgrade() {
            Some(recorder) => recorder.sink(),
            None => mpsc::unbounded_channel().0,
        }
    }

    /// Notes what the parent itself has used, for its children's caps.
    pub(crate) fn set_own_usage(&self, usage: TokenUsage) {
        self.lock().own = usage;
    }

    /// Tokens the whole tree below this session has used.
    pub(crate) fn tree_usage(&self) -> TokenUsage {
        let mut total = TokenUsage::default();
        for usage in self.lock().usage.values() {
            total.add(usage);
        }
        total
    }

    /// Passes an op the parent does not handle itself (an answer to a
    /// child's request, an interrupt) to every child still running; each
    /// takes what is its own.
    pub(crate) fn forward(&self, op: &Op) {
        for child in &self.lock().children {
            if let Some(ops) = &child.ops {
                let _ = ops.send(op.clone());
            }
        }
    }

    fn info(child: &Child) -> AgentInfo {
        AgentInfo {
            id: child.id.clone(),
            nickname: child.nickname.clone(),
            agent_type: child.agent_type.clone(),
            status: child.status.clone(),
        }
    }

    fn status_of(&self, id: &str) -> AgentStatus {
        self.lock()
            .children
            .iter()
            .find(|c| c.id == id)
            .map_or(AgentStatus::NotFound, |c| c.status.clone())
    }

    /// The ops channel of child `id`, or why there is none.
    fn ops_of(&self, id: &str) -> Result<mpsc::UnboundedSender<Op>, ToolError> {
        let state = self.lock();
        let child = state
            .children
            .iter()
            .find(|c| c.id == id || c.nickname == id)
            .ok_or_else(|| unknown(id))?;
        child.ops.clone().ok_or_else(|| {
            ToolError::RespondToModel(format!("sub-agent {id} is closed; resume it first to send it anything"))
        })
    }

    fn resolve(&self, id: &str) -> Option<String> {
        self.lock()
            .children
            .iter()
            .find(|c| c.id == id || c.nickname == id)
            .map(|c| c.id.clone())
    }

    fn set_status(&self, id: &str, status: AgentStatus) {
        if let Some(child) = self.lock().children.iter_mut().find(|c| c.id == id) {
            child.status = status;
        }
        self.changed.notify_waiters();
    }

    /// Records a child's final status in the parent's rollout and syncs it.
    fn record_final(&self, id: &str, status: &AgentStatus) {
        self.finished.notify_one();
        let Some(recorder) = self.recorder.upgrade() else {
            return;
        };
        let usage = self.lock().usage.get(id).copied().unwrap_or_default();
        let event = Event::AgentUpdated {
            agent_id: id.to_owned(),
            status: status.clone(),
            usage,
        };
        if let Err(err) = recorder.emit(event, Event::clone).and_then(|()| recorder.flush()) {
            recorder.send_unrecorded(&Event::Error {
                message: format!("cannot record sub-agent {id}'s result in the parent's rollout: {err}"),
            });
        }
    }

    /// Follows a child's events: passes them to the parent's front-end and
    /// keeps its status and the tree's usage.
    async fn follow(me: Weak<Self>, id: String, mut events: mpsc::UnboundedReceiver<Envelope>, sink: EventSink) {
        while let Some(envelope) = events.recv().await {
            let Some(this) = me.upgrade() else {
                let _ = sink.send(envelope);
                continue;
            };
            this.observe(&id, &envelope);
            let _ = sink.send(envelope);
        }
        let Some(this) = me.upgrade() else {
            return;
        };
        // The child's session ended (closed, or it could record no more).
        let mut state = this.lock();
        if let Some(child) = state.children.iter_mut().find(|c| c.id == id) {
            child.ops = None;
            if !child.status.is_final() {
                child.status = AgentStatus::Errored("the sub-agent's session stopped".into());
            }
        }
        drop(state);
        this.changed.notify_waiters();
    }

    /// The parent's conversation as its rollout holds it now (every record
    /// before a spawn is synced), without the calls that have no output yet
    /// (the spawn itself among them): a forked child starts from it.
    fn parent_conversation(&self) -> Result<Vec<Item>, CoreError> {
        let path = self.parent_dir.join(crate::store::ROLLOUT_FILE);
        let mut rebuilder = crate::resume::Rebuilder::new(&path);
        crate::rollout::scan_rollout(&path, |record| rebuilder.push(record))?;
        let items = rebuilder.finish()?.items;
        let answered: std::collections::HashSet<&str> = items
            .iter()
            .filter_map(|item| match item {
                Item::ToolOutput(out) => Some(out.call_id.as_str()),
                _ => None,
            })
            .collect();
        let kept = items
            .iter()
            .filter(|item| !matches!(item, Item::ToolCall(call) if !answered.contains(call.call_id.as_str())))
            .cloned()
            .collect();
        Ok(kept)
    }

    /// Stops child `id`'s turn once it has run `secs` seconds, unless it
    /// stopped first; its status then says it ran out of wall time.
    async fn watch_wall_time(me: Weak<Self>, id: String, secs: u64) {
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let Some(this) = me.upgrade() else {
            return;
        };
        let mut state = this.lock();
        let Some(child) = state.children.iter_mut().find(|c| c.id == id && !c.status.is_final()) else {
            return;
        };
        child.overran = Some(format!("it ran past its wall-time limit of {secs} s"));
        if let Some(ops) = &child.ops {
            let _ = ops.send(Op::Interrupt);
        }
    }

    /// What a child's event changes: its status, its usage (a child's
    /// total covers its own children, so only direct children count).
    fn observe(&self, id: &str, envelope: &Envelope) {
        if envelope.session_id == id {
            if let Event::TokenUsage { total, .. } = &envelope.event {
                self.lock().usage.insert(id.to_owned(), *total);
            }
            match &envelope.event {
                Event::TurnStarted { .. } => self.set_status(id, AgentStatus::Running),
                Event::TurnCompleted {
                    outcome, last_message, ..
                } => {
                    let overran = self
                        .lock()
                        .children
                        .iter_mut()
                        .find(|c| c.id == id)
                        .and_then(|c| c.overran.take());
                    let status = match overran {
                        Some(reason) => AgentStatus::BudgetExceeded {
                            message: last_message.clone(),
                            reason,
                        },
                        None => final_status(outcome, last_message.clone()),
                    };
                    self.set_status(id, status.clone());
                    self.record_final(id, &status);
                }
                _ => {}
            }
        }
    }
}

impl Children for AgentManager {
    fn forward(&self, op: &Op) {
        AgentManager::forward(self, op);
    }

    fn shutdown_all(&self) {
        AgentManager::shutdown_all(self);
    }

    fn tree_usage(&self) -> TokenUsage {
        AgentManager::tree_usage(self)
    }

    fn set_own_usage(&self, usage: TokenUsage) {
        AgentManager::set_own_usage(self, usage);
    }

    fn take_results(&self) -> Option<String> {
        AgentManager::take_results(self)
    }
    fn running(&self) -> usize {
        AgentManager::running(self)
    }

    fn restore(&self, recorded: Vec<RecordedChild>) {
        AgentManager::restore(self, recorded);
    }

    fn ready(&self) -> Arc<Notify> {
        self.finished.clone()
    }

    fn host(&self) -> Option<Arc<dyn AgentHost>> {
        self.me.upgrade().map(|me| me as Arc<dyn AgentHost>)
    }
}

fn unknown(id: &str) -> ToolError {
    ToolError::RespondToModel(format!(
        "there is no sub-agent `{id}`; list_agents (or wait) shows the ids of this session's sub-agents"
    ))
}

/// A short name: the agent type or `agent`, numbered in spawn order.
fn nickname(agent_type: Option<&str>, n: usize) -> String {
    format!("{}-{n}", agent_type.unwrap_or("agent"))
}

#[async_trait::async_trait]
impl AgentHost for AgentManager {
    async fn spawn(&self, request: SpawnRequest) -> Result<AgentInfo, ToolError> {
        let template = &self.template;
        if template.depth >= template.max_depth {
            return Err(ToolError::RespondToModel(format!(
                "sub-agents may not start sub-agents this deep (the limit is {} levels); do this work yourself",
                template.max_depth
            )));
        }
        let (running, count) = {
            let state = self.lock();
            let running = state.children.iter().filter(|c| !c.status.is_final()).count();
            (running, state.children.len())
        };
        if running >= template.max_concurrent {
            return Err(ToolError::RespondToModel(format!(
                "{running} sub-agents are already working, the most at once; wait for one to finish first"
            )));
        }
        let kind = match request
            .agent_type
            .as_deref()
            .filter(|k| !matches!(*k, "default" | "general-purpose"))
        {
            None => None,
            Some(name) => Some(template.types.get(name).ok_or_else(|| {
                let known: Vec<&str> = template.types.keys().map(String::as_str).collect();
                ToolError::RespondToModel(format!(
                    "there is no agent type `{name}`; {}",
                    if known.is_empty() {
                        "none is configured, so omit agent_type for a general sub-agent".to_owned()
                    } else {
                        format!("the types are: {} (or omit agent_type)", known.join(", "))
                    }
                ))
            })?),
        };
        let fork = if request.fork_context {
            Some(self.parent_conversation().map_err(|err| {
                ToolError::RespondToModel(format!(
                    "cannot fork this session's context ({err}); brief the sub-agent instead"
                ))
            })?)
        } else {
            None
        };
        if request.brief.trim().is_empty() {
            return Err(ToolError::RespondToModel(
                "the sub-agent needs a brief: say what to do, where, and what to report back".into(),
            ));
        }
        let used = self.tree_usage().billed_tokens() + self.lock().own.billed_tokens();
        let left = template.max_tokens.map(|cap| cap.saturating_sub(used));
        let max_tokens = match (left, kind.and_then(|k| k.max_tokens)) {
            (Some(left), Some(own)) => Some(left.min(own)),
            (left, own) => left.or(own),
        };
        let max_cost_usd = match (template.max_cost_usd, kind.and_then(|k| k.max_cost_usd)) {
            (Some(tree), Some(own)) => Some(tree.min(own)),
            (tree, own) => tree.or(own),
        };
        let model = request
            .model
            .clone()
            .or_else(|| kind.and_then(|k| k.model.clone()))
            .unwrap_or_else(|| template.model_spec.clone());
        if max_tokens == Some(0) {
            return Err(ToolError::RespondToModel(
                "the session's token budget is spent; no sub-agent can start".into(),
            ));
        }
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let trace = self.recorder.upgrade().and_then(|r| r.trace_parent());
        let spec = ChildSpec {
            model,
            workspace: self.cwd.clone(),
            max_tokens,
            max_cost_usd,
            max_turns: kind.map(|k| k.max_turns),
            extra_instructions: kind.and_then(|k| k.instructions.clone()),
            tools: kind.and_then(|k| k.tools.clone()),
            parent_id: self.parent_id.clone(),
            sessions_root: self.parent_dir.join("agents"),
            depth: template.depth + 1,
            sink: events_tx,
            fork,
            trace,
        };
        let session = template
            .factory
            .create(spec)
            .map_err(|err| ToolError::RespondToModel(format!("the sub-agent could not start: {err}")))?;
        let handle: SessionHandle = session.spawn();
        let id = handle.session_id.clone();
        let nickname = nickname(request.agent_type.as_deref(), count + 1);
        let spawned = Event::AgentSpawned {
            agent_id: id.clone(),
            nickname: nickname.clone(),
            agent_type: request.agent_type.clone(),
            brief: request.brief.clone(),
        };
        let recorder = self
            .recorder
            .upgrade()
            .ok_or_else(|| ToolError::Fatal("the session has ended".into()))?;
        recorder
            .emit(spawned, Event::clone)
            .and_then(|()| recorder.flush())
            .map_err(|err| ToolError::Fatal(err.to_string()))?;
        let child = Child {
            id: id.clone(),
            nickname,
            agent_type: request.agent_type.clone(),
            status: AgentStatus::PendingInit,
            ops: Some(handle.op_sender()),
            delivered: false,
            overran: None,
        };
        let info = AgentManager::info(&child);
        self.lock().children.push(child);
        if let Some(secs) = kind.and_then(|k| k.max_wall_secs) {
            tokio::spawn(AgentManager::watch_wall_time(self.me.clone(), id.clone(), secs));
        }
        tokio::spawn(AgentManager::follow(self.me.clone(), id, events_rx, recorder.sink()));
        handle.submit(Op::UserInput { text: request.brief });
        Ok(info)
    }

    async fn send(&self, id: &str, message: String, interrupt: bool) -> Result<AgentStatus, ToolError> {
        let ops = self.ops_of(id)?;
        let id = self.resolve(id).unwrap_or_default();
        if interrupt {
            let _ = ops.send(Op::Interrupt);
        }
        let _ = ops.send(Op::UserInput { text: message });
        Ok(self.status_of(&id))
    }

    async fn wait(
        &self,
        ids: &[String],
        timeout: Option<Duration>,
        cancel: &CancellationToken,
    ) -> Result<WaitOutcome, ToolError> {
        let wanted: Vec<String> = if ids.is_empty() {
            self.lock().children.iter().map(|c| c.id.clone()).collect()
        } else {
            ids.iter()
                .map(|id| self.resolve(id).unwrap_or_else(|| id.clone()))
                .collect()
        };
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let statuses: Vec<(String, AgentStatus)> =
                wanted.iter().map(|id| (id.clone(), self.status_of(id))).collect();
            if statuses.iter().all(|(_, s)| s.is_final()) {
                self.mark_delivered(&wanted);
                return Ok(WaitOutcome {
                    statuses,
                    timed_out: false,
                });
            }
            let expired = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut notified => {}
                () = expired => {
                    let done: Vec<String> =
                        statuses.iter().filter(|(_, s)| s.is_final()).map(|(id, _)| id.clone()).collect();
                    self.mark_delivered(&done);
                    return Ok(WaitOutcome { statuses, timed_out: true });
                }
                () = cancel.cancelled() => return Err(ToolError::Interrupted),
            }
        }
    }

    fn list(&self) -> Vec<AgentInfo> {
        self.lock().children.iter().map(AgentManager::info).collect()
    }

    async fn close(&self, id: &str) -> Result<AgentStatus, ToolError> {
        let real = self.resolve(id).ok_or_else(|| unknown(id))?;
        let before = self.status_of(&real);
        let ops = self
            .lock()
            .children
            .iter_mut()
            .find(|c| c.id == real)
            .and_then(|c| c.ops.take());
        if let Some(ops) = ops {
            let _ = ops.send(Op::Interrupt);
            let _ = ops.send(Op::Shutdown);
        }
        if !before.is_final() {
            self.record_final(&real, &AgentStatus::Shutdown);
        }
        self.set_status(&real, AgentStatus::Shutdown);
        Ok(before)
    }

    async fn resume(&self, id: &str) -> Result<AgentStatus, ToolError> {
        let ops = self.ops_of(id)?;
        let _ = ops.send(Op::UserInput {
            text: "Continue where you stopped.".into(),
        });
        Ok(self.status_of(&self.resolve(id).unwrap_or_default()))
    }
}

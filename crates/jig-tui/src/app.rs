//! The TUI's state, and how session events change it.
//!
//! [`App`] is plain data driven by two inputs: the session's
//! [`Envelope`]s ([`App::on_envelope`]) and the person's keys
//! ([`App::on_key`], in `keys.rs`). Neither does I/O; what must happen
//! outside (an [`Op`] to submit, a session to start) comes back as
//! [`Action`]s for the event loop. That keeps every state testable with
//! ratatui's test backend and no terminal.
//!
//! Invariant: what the person typed is never dropped. A message sent while
//! the agent works is shown as queued until the session reports it
//! delivered ([`Event::UserMessage`]); the draft is saved on every change.

use std::collections::{HashMap, VecDeque};

use jig_protocol::{AgentStatus, Envelope, Event, Item, Op, Role, TokenUsage, ToolStatus, TurnOutcome};

use crate::cells::{Cell, Expanded, Notice, Style, ToolCell};
use crate::input::Composer;
use crate::picker::Picker;
use crate::requests::Request;
use crate::slash::Completion;
use crate::theme::Theme;
use crate::transcript::Transcript;

/// What the event loop must do for the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Submit this op to the session.
    Op(Op),
    /// Save the composer's draft (it changed).
    SaveDraft,
    /// Remember this in the input history.
    History(String),
    /// Leave the TUI.
    Quit,
    /// Start a new session in the same directory.
    NewSession,
    /// Resume this session, or offer the picker when `None`.
    Resume(Option<String>),
    /// Continue this session with another model.
    SetModel(String),
    /// Show the workspace's uncommitted changes.
    Diff,
}

/// The status line's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// Model spec.
    pub model: String,
    /// Session id.
    pub session_id: String,
    /// Workspace.
    pub cwd: String,
    /// The model's context window in tokens (0: unknown).
    pub context_window: u64,
    /// Tokens the last request used (prompt and answer): the context in use.
    pub context_tokens: u64,
    /// Tokens the session used in all.
    pub total: TokenUsage,
    /// What the session cost, when the price is known.
    pub cost_usd: Option<f64>,
}

/// Whether the session is doing something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Waiting for the person.
    Idle,
    /// A turn runs.
    Working,
    /// Compacting the context.
    Compacting,
}

/// The whole TUI state.
pub struct App {
    /// Styles.
    pub theme: Theme,
    /// The conversation so far.
    pub transcript: Transcript,
    /// The input box.
    pub composer: Composer,
    /// Status line figures.
    pub status: Status,
    /// What the session is doing.
    pub activity: Activity,
    /// Sub-agents still working.
    pub agents_running: usize,
    /// Messages sent while the agent worked, not delivered yet.
    pub queued: Vec<String>,
    /// Approvals and questions waiting for the person, oldest first.
    pub requests: VecDeque<Request>,
    /// The slash-command completion menu, while the draft is a command.
    pub completion: Option<Completion>,
    /// The session picker, while open.
    pub picker: Option<Picker>,
    /// Whether tool output is expanded (Ctrl-O).
    pub expanded: Expanded,
    /// Ctrl-C was pressed once on an empty, idle composer: a second quits.
    pub quit_armed: bool,
    /// A one-line hint under the composer (cleared by the next key).
    pub hint: Option<String>,
    /// The transcript's width at the last frame (for scrolling by pages).
    pub width: usize,
    /// Requests answered here whose decision the session has not confirmed yet.
    pub(crate) answered: Vec<Request>,
    root: String,
    agents: HashMap<String, String>,
    tools: HashMap<String, usize>,
    streaming: Option<usize>,
    plan: Option<usize>,
    steps: Vec<jig_protocol::PlanStep>,
}

impl App {
    /// An app with no session yet.
    pub fn new(theme: Theme, composer: Composer) -> Self {
        App {
            theme,
            transcript: Transcript::new(),
            composer,
            status: Status::default(),
            activity: Activity::Idle,
            agents_running: 0,
            queued: Vec::new(),
            requests: VecDeque::new(),
            completion: None,
            picker: None,
            expanded: Expanded::Folded,
            quit_armed: false,
            hint: None,
            width: 80,
            answered: Vec::new(),
            root: String::new(),
            agents: HashMap::new(),
            tools: HashMap::new(),
            streaming: None,
            plan: None,
            steps: Vec::new(),
        }
    }

    /// How cells are drawn now.
    pub fn cell_style(&self) -> Style {
        Style {
            theme: self.theme,
            expanded: self.expanded,
        }
    }

    /// Forgets the session shown (before another starts); keeps the draft.
    pub fn reset(&mut self) {
        self.transcript.clear();
        self.status = Status::default();
        self.activity = Activity::Idle;
        self.agents_running = 0;
        self.requests.clear();
        self.answered.clear();
        self.root.clear();
        self.agents.clear();
        self.tools.clear();
        self.streaming = None;
        self.plan = None;
        self.steps.clear();
        // Anything still queued never reached the old session: back to the draft.
        if !self.queued.is_empty() && self.composer.is_empty() {
            let text = std::mem::take(&mut self.queued).join("\n\n");
            self.composer.set_text(&text);
        }
        self.queued.clear();
    }

    /// Shows the session `session_id` from now on (before its first event
    /// arrives, so what is typed at once already goes to it).
    pub fn attach(&mut self, session_id: &str) {
        self.root = session_id.to_string();
        self.status.session_id = session_id.to_string();
    }

    /// Shows a resumed session's conversation so far.
    pub fn load_history(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Message { role: Role::User, text } => {
                    self.transcript.push(Cell::User(text.clone()));
                }
                Item::Message {
                    role: Role::Assistant,
                    text,
                } => {
                    self.transcript.push(Cell::Assistant(text.clone()));
                }
                Item::Message { role: Role::System, .. } => {}
                Item::Reasoning { text, .. } => {
                    self.transcript.push(Cell::Reasoning(text.clone()));
                }
                Item::ToolCall(call) => {
                    let index = self.transcript.push(Cell::Tool(ToolCell {
                        name: call.name.clone(),
                        arguments: call.arguments.clone(),
                        agent: None,
                        status: None,
                        output: String::new(),
                        duration_ms: 0,
                        decision: None,
                    }));
                    self.tools.insert(call.call_id.clone(), index);
                }
                Item::ToolOutput(output) => {
                    if let Some(&index) = self.tools.get(&output.call_id)
                        && let Some(Cell::Tool(tool)) = self.transcript.get_mut(index)
                    {
                        tool.status = Some(output.status);
                        tool.output = output.output.clone();
                    }
                }
                Item::Compaction { .. } => {
                    self.notice(Notice::Info, "Earlier conversation was compacted into a summary.");
                }
            }
        }
    }

    /// Adds a notice to the transcript.
    pub fn notice(&mut self, kind: Notice, text: impl Into<String>) {
        self.transcript.push(Cell::Notice(kind, text.into()));
    }

    /// Whether the session is the one started by the person (not a sub-agent).
    fn is_root(&self, envelope: &Envelope) -> bool {
        self.root.is_empty() || envelope.session_id == self.root
    }

    /// Applies one event of the session (or of one of its sub-agents).
    pub fn on_envelope(&mut self, envelope: &Envelope) {
        let root = self.is_root(envelope);
        let agent = (!root).then(|| {
            self.agents
                .get(&envelope.session_id)
                .cloned()
                .unwrap_or_else(|| short(&envelope.session_id))
        });
        match &envelope.event {
            Event::ApprovalRequested { .. } | Event::InputRequested { .. } => {
                if let Some(request) = Request::from_event(&envelope.event, agent) {
                    self.requests.push_back(request);
                }
            }
            Event::ApprovalDecided { request_id, decision } => self.decided(request_id, *decision),
            Event::InputAnswered { request_id, answer } => self.answered(request_id, answer),
            Event::ToolCallBegin { .. } | Event::ToolCallEnd { .. } => self.tool_event(&envelope.event, agent),
            _ if !root => self.agent_event(&envelope.event, agent.unwrap_or_default()),
            event => self.root_event(event),
        }
    }

    fn root_event(&mut self, event: &Event) {
        match event {
            Event::SessionStarted {
                session_id,
                model,
                cwd,
                resumed,
                ..
            } => {
                self.root = session_id.clone();
                self.status.session_id = session_id.clone();
                self.status.model = model.clone();
                self.status.cwd = cwd.clone();
                self.transcript.push(Cell::Header {
                    model: model.clone(),
                    cwd: cwd.clone(),
                    session_id: session_id.clone(),
                    resumed: *resumed,
                });
            }
            Event::TurnStarted { .. } => {
                self.activity = Activity::Working;
                self.plan = None;
            }
            Event::UserMessage { text } => self.delivered(text),
            Event::AgentMessageDelta { delta } => self.delta(delta),
            Event::AgentMessage { text } => match self.streaming.take() {
                Some(index) => {
                    if let Some(Cell::Assistant(shown)) = self.transcript.get_mut(index) {
                        *shown = text.clone();
                    }
                }
                None => {
                    self.transcript.push(Cell::Assistant(text.clone()));
                }
            },
            Event::AgentReasoning { text } => {
                self.transcript.push(Cell::Reasoning(text.clone()));
            }
            Event::PlanUpdated { explanation, plan } => {
                self.steps = plan.clone();
                let cell = Cell::Plan {
                    explanation: explanation.clone(),
                    steps: plan.clone(),
                };
                match self.plan {
                    // Updated in place while nothing came after it; else shown anew.
                    Some(index) if index + 1 == self.transcript.len() => {
                        if let Some(shown) = self.transcript.get_mut(index) {
                            *shown = cell;
                        }
                    }
                    _ => self.plan = Some(self.transcript.push(cell)),
                }
            }
            Event::TokenUsage { last, total, cost, .. } => {
                self.status.context_tokens = last.input_tokens + last.output_tokens;
                self.status.total = *total;
                self.status.cost_usd = cost.map(|c| c.total_usd);
            }
            Event::ModelRetry {
                attempt,
                max_attempts,
                delay_ms,
                reason,
            } => self.notice(
                Notice::Warning,
                format!("Model request failed ({reason}); retry {attempt}/{max_attempts} in {delay_ms} ms."),
            ),
            Event::CompactionStarted {
                tokens_before, focus, ..
            } => {
                self.activity = Activity::Compacting;
                let focus = focus.as_deref().map(|f| format!(", keeping {f}")).unwrap_or_default();
                self.notice(
                    Notice::Info,
                    format!("Compacting the context ({tokens_before} tokens{focus})…"),
                );
            }
            Event::CompactionCompleted {
                tokens_before,
                tokens_after,
                dropped_items,
                ..
            } => {
                self.settle_compaction();
                self.notice(
                    Notice::Info,
                    format!("Compacted: {tokens_before} → {tokens_after} tokens ({dropped_items} items summarised)."),
                );
            }
            Event::CompactionSkipped { reason } => {
                self.settle_compaction();
                self.notice(Notice::Info, format!("Nothing to compact: {reason}"));
            }
            Event::GoalUpdated { goal } => {
                self.notice(Notice::Info, format!("Goal ({:?}): {}", goal.status, goal.objective));
            }
            Event::AgentSpawned { nickname, brief, .. } => {
                let first = brief.lines().next().unwrap_or_default();
                self.notice(Notice::Info, format!("Started sub-agent {nickname}: {first}"));
            }
            Event::AgentUpdated { .. } => {}
            Event::Error { message } => self.notice(Notice::Error, message.clone()),
            Event::HookFinished {
                hook_event,
                status,
                message,
                ..
            } => {
                let why = message.as_deref().unwrap_or("no reason given");
                match status {
                    jig_protocol::HookStatus::Ok => {}
                    jig_protocol::HookStatus::Blocked | jig_protocol::HookStatus::Rewrote => {
                        self.notice(Notice::Info, format!("A {hook_event} hook: {why}"));
                    }
                    jig_protocol::HookStatus::Failed | jig_protocol::HookStatus::TimedOut => {
                        self.notice(Notice::Warning, format!("A {hook_event} hook went wrong: {why}"));
                    }
                }
            }
            Event::TurnCompleted { outcome, .. } => self.turn_completed(outcome),
            Event::SessionIdle { agents_running } => self.agents_running = *agents_running,
            Event::ApprovalRequested { .. }
            | Event::ApprovalDecided { .. }
            | Event::InputRequested { .. }
            | Event::InputAnswered { .. }
            | Event::ToolCallBegin { .. }
            | Event::ToolCallEnd { .. } => {}
        }
        if let Event::AgentSpawned { agent_id, nickname, .. } = event {
            self.agents.insert(agent_id.clone(), nickname.clone());
        }
        if let Event::AgentUpdated { agent_id, status, .. } = event {
            self.agent_updated(agent_id, status);
        }
    }

    /// A sub-agent's own events: only its end matters here (its tool calls
    /// and requests are shown as they come).
    fn agent_event(&mut self, event: &Event, agent: String) {
        if let Event::Error { message } = event {
            self.notice(Notice::Error, format!("[{agent}] {message}"));
        }
    }

    fn agent_updated(&mut self, agent_id: &str, status: &AgentStatus) {
        let name = self.agents.get(agent_id).cloned().unwrap_or_else(|| short(agent_id));
        let (kind, text) = match status {
            AgentStatus::Completed(message) => (
                Notice::Info,
                format!(
                    "Sub-agent {name} finished: {}",
                    message
                        .as_deref()
                        .and_then(|m| m.lines().next())
                        .unwrap_or("(no message)")
                ),
            ),
            AgentStatus::Errored(reason) => (Notice::Error, format!("Sub-agent {name} failed: {reason}")),
            AgentStatus::BudgetExceeded { reason, .. } => (
                Notice::Warning,
                format!("Sub-agent {name} stopped by its budget: {reason}"),
            ),
            AgentStatus::Interrupted => (Notice::Warning, format!("Sub-agent {name} was interrupted.")),
            AgentStatus::Shutdown | AgentStatus::NotFound => (Notice::Info, format!("Sub-agent {name} ended.")),
            AgentStatus::PendingInit | AgentStatus::Running => return,
        };
        self.notice(kind, text);
    }

    fn settle_compaction(&mut self) {
        if self.activity == Activity::Compacting {
            self.activity = Activity::Idle;
        }
    }

    fn delta(&mut self, delta: &str) {
        let index = match self.streaming {
            Some(index) => index,
            None => {
                let index = self.transcript.push(Cell::Assistant(String::new()));
                self.streaming = Some(index);
                index
            }
        };
        if let Some(Cell::Assistant(text)) = self.transcript.get_mut(index) {
            text.push_str(delta);
        }
    }

    /// A person's message reached the conversation.
    fn delivered(&mut self, text: &str) {
        // Queued messages are delivered together, joined as the model sees them.
        let mut rest = text;
        while let Some(first) = self.queued.first() {
            match rest.strip_prefix(first.as_str()) {
                Some(after) => {
                    rest = after.trim_start_matches('\n');
                    self.queued.remove(0);
                }
                None => break,
            }
        }
        self.streaming = None;
        self.transcript.push(Cell::User(text.to_string()));
    }

    fn tool_event(&mut self, event: &Event, agent: Option<String>) {
        match event {
            Event::ToolCallBegin {
                call_id,
                name,
                arguments,
            } => {
                self.streaming = None;
                let index = self.transcript.push(Cell::Tool(ToolCell {
                    name: name.clone(),
                    arguments: arguments.clone(),
                    agent,
                    status: None,
                    output: String::new(),
                    duration_ms: 0,
                    decision: None,
                }));
                self.tools.insert(call_id.clone(), index);
            }
            Event::ToolCallEnd {
                call_id,
                status,
                output,
                duration_ms,
                ..
            } => {
                if let Some(index) = self.tools.remove(call_id)
                    && let Some(Cell::Tool(tool)) = self.transcript.get_mut(index)
                {
                    tool.status = Some(*status);
                    tool.output = output.clone();
                    tool.duration_ms = *duration_ms;
                }
            }
            _ => {}
        }
    }

    fn turn_completed(&mut self, outcome: &TurnOutcome) {
        self.activity = Activity::Idle;
        self.streaming = None;
        // Calls still open will never end (the turn stopped under them).
        for index in self.tools.drain().map(|(_, index)| index).collect::<Vec<_>>() {
            if let Some(Cell::Tool(tool)) = self.transcript.get_mut(index)
                && tool.status.is_none()
            {
                tool.status = Some(ToolStatus::Interrupted);
            }
        }
        let (kind, text) = match outcome {
            TurnOutcome::Completed => return,
            TurnOutcome::Interrupted => (
                Notice::Warning,
                "Interrupted. Tell jig what to do instead, or send a message to go on.".to_string(),
            ),
            TurnOutcome::MaxTurns { limit } => (
                Notice::Warning,
                format!("Stopped after {limit} model requests (the turn's limit); send a message to go on."),
            ),
            TurnOutcome::BudgetExceeded { budget, limit, used } => (
                Notice::Warning,
                format!("Stopped: the session's {budget:?} budget is spent ({used} of {limit})."),
            ),
            TurnOutcome::Failed { error, .. } => (Notice::Error, format!("The turn failed: {error}")),
        };
        self.notice(kind, text);
    }

    fn decided(&mut self, request_id: &str, decision: jig_protocol::ReviewDecision) {
        let request = self.take_request(request_id);
        let what = match decision {
            jig_protocol::ReviewDecision::Approve => "Approved",
            jig_protocol::ReviewDecision::ApproveForSession => "Approved for this session",
            jig_protocol::ReviewDecision::Deny => "Denied",
            jig_protocol::ReviewDecision::Abort => "Denied, and the turn stops",
        };
        // Shown on the call's own line when it is on screen.
        let cell = request
            .as_ref()
            .and_then(Request::call_id)
            .and_then(|id| self.tools.get(id))
            .copied();
        if let Some(index) = cell
            && let Some(Cell::Tool(tool)) = self.transcript.get_mut(index)
        {
            tool.decision = Some(what.to_string());
            return;
        }
        let command = request.and_then(|r| r.command().map(str::to_string));
        let text = match command {
            Some(command) => format!("{what}: {}", crate::tools::one_line(&command)),
            None => what.to_string(),
        };
        self.notice(Notice::Info, text);
    }

    fn answered(&mut self, request_id: &str, answer: &jig_protocol::HostAnswer) {
        self.take_request(request_id);
        self.notice(Notice::Info, crate::requests::describe_answer(answer));
    }

    /// Removes a request answered (here or elsewhere).
    fn take_request(&mut self, request_id: &str) -> Option<Request> {
        if let Some(at) = self.answered.iter().position(|r| r.id() == request_id) {
            return Some(self.answered.remove(at));
        }
        let at = self.requests.iter().position(|r| r.id() == request_id)?;
        self.requests.remove(at)
    }

    /// Whether a turn or compaction runs.
    pub fn busy(&self) -> bool {
        self.activity != Activity::Idle
    }

    /// The plan step in progress, as "step 2/4: what".
    pub fn current_step(&self) -> Option<String> {
        let at = self
            .steps
            .iter()
            .position(|s| s.status == jig_protocol::StepStatus::InProgress)?;
        Some(format!("step {}/{}: {}", at + 1, self.steps.len(), self.steps[at].step))
    }

    /// The id of the session shown.
    pub fn session_id(&self) -> &str {
        &self.root
    }
}

/// A session id cut to its last 8 characters.
fn short(id: &str) -> String {
    id.chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect()
}

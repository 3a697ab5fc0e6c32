//! Events a session emits to front-ends.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::item::ToolStatus;

/// Something that happened in a session, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The session is ready (new or resumed).
    SessionStarted {
        /// The version of this event and op protocol
        /// ([`crate::PROTOCOL_VERSION`]); 0 in rollouts older than it.
        #[serde(default)]
        protocol_version: u32,
        /// Session id.
        session_id: String,
        /// Model spec in use, e.g. `scripted:fix.toml`.
        model: String,
        /// Workspace directory.
        cwd: String,
        /// Whether the session was rebuilt from an existing rollout.
        resumed: bool,
    },
    /// A turn began.
    TurnStarted {
        /// Turn id (1-based, per session).
        turn_id: u64,
    },
    /// A person's message entered the conversation: the one that starts a
    /// turn, or the interjections (`Op::Interject`, or `Op::UserInput` sent
    /// while a turn runs) delivered before the turn's next model request;
    /// several queued ones arrive joined by a blank line, as the model sees
    /// them. A front-end shows an interjection as pending until this comes.
    /// Not recorded as an event: the message item is.
    UserMessage {
        /// The message, redacted as recorded.
        text: String,
    },
    /// A piece of the assistant's message as it streams.
    AgentMessageDelta {
        /// New text.
        delta: String,
    },
    /// The model's reasoning (or its summary) for the response being
    /// streamed, as it arrives. Not recorded as an event: the reasoning item
    /// is, with the rest of the response.
    AgentReasoning {
        /// The reasoning text.
        text: String,
    },
    /// A complete assistant message.
    AgentMessage {
        /// The full text.
        text: String,
    },
    /// A tool call is about to run.
    ToolCallBegin {
        /// Call id.
        call_id: String,
        /// Tool name.
        name: String,
        /// Raw JSON arguments.
        arguments: String,
    },
    /// A tool call finished.
    ToolCallEnd {
        /// Call id.
        call_id: String,
        /// Tool name.
        name: String,
        /// How it ended.
        status: ToolStatus,
        /// Output text given to the model.
        output: String,
        /// Wall time in milliseconds.
        duration_ms: u64,
    },
    /// The agent's plan changed.
    PlanUpdated {
        /// Optional note from the model about the change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<String>,
        /// The whole plan.
        plan: Vec<PlanStep>,
    },
    /// Token usage of the last model response, with running totals for the
    /// turn and the session, and their cost when the model's price is known.
    TokenUsage {
        /// Usage of the last response.
        last: TokenUsage,
        /// Running total for the current turn.
        #[serde(default)]
        turn: TokenUsage,
        /// Running total for the session.
        total: TokenUsage,
        /// Cost in US dollars, when the model has a price.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost: Option<Cost>,
    },
    /// The model request failed in a way worth retrying (rate limit, server
    /// error, dropped stream); the partial response is discarded and the
    /// request starts again after `delay_ms`.
    ModelRetry {
        /// 1-based number of the retry about to happen.
        attempt: u32,
        /// Most retries the policy allows.
        max_attempts: u32,
        /// Wait before the retry, in milliseconds.
        delay_ms: u64,
        /// What went wrong, e.g. `429 Too Many Requests`.
        reason: String,
    },
    /// A tool call needs a person's approval before it runs; answer with
    /// `Op::Approval`. The turn waits.
    ApprovalRequested {
        /// Id to answer with.
        request_id: String,
        /// The tool call waiting.
        call_id: String,
        /// The command, as a shell would show it.
        command: String,
        /// Working directory of the command.
        cwd: String,
        /// Why approval is needed (a rule, the policy, an escalation request).
        reason: String,
        /// Whether approving runs the command outside the sandbox.
        escalation: bool,
    },
    /// What was decided about an approval request (recorded for the trajectory).
    ApprovalDecided {
        /// The request.
        request_id: String,
        /// The decision.
        decision: crate::op::ReviewDecision,
    },
    /// A tool asks the front-end something through the tool host and waits;
    /// answer with `Op::Answer`. (Approvals are asked the same way, as
    /// `approval_requested`.) A request still open when jig stopped is
    /// asked again on resume.
    InputRequested {
        /// Id to answer with.
        request_id: String,
        /// The tool call waiting.
        call_id: String,
        /// What is asked.
        request: crate::op::HostRequest,
    },
    /// The answer a tool got (recorded for the trajectory).
    InputAnswered {
        /// The request.
        request_id: String,
        /// The answer.
        answer: crate::op::HostAnswer,
    },
    /// Compaction began.
    CompactionStarted {
        /// Automatic (threshold) or manual.
        reason: crate::CompactionReason,
        /// The person's focus for the summary, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        focus: Option<String>,
        /// Estimated context tokens before.
        tokens_before: u64,
    },
    /// A compaction a person asked for found nothing it could move out of
    /// view; the conversation is as it was.
    CompactionSkipped {
        /// Why.
        reason: String,
    },
    /// Compaction finished.
    CompactionCompleted {
        /// Estimated context tokens before.
        tokens_before: u64,
        /// Estimated context tokens after.
        tokens_after: u64,
        /// Items moved out of the context (still in the rollout).
        dropped_items: u64,
        /// Ledger entries recorded for them.
        ledger_entries: u64,
    },
    /// The session's goal was set or changed.
    GoalUpdated {
        /// The goal now.
        goal: crate::Goal,
    },
    /// This session started a sub-agent (recorded in the parent's rollout;
    /// the child's own events carry its id as their session id).
    AgentSpawned {
        /// The child's session id.
        agent_id: String,
        /// Its short name.
        nickname: String,
        /// Its agent type, if one was named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_type: Option<String>,
        /// The hand-off brief it was given.
        brief: String,
    },
    /// A sub-agent stopped working: its status and what it used, recorded
    /// in the parent's rollout the moment the child's turn ends, so its
    /// result survives the parent.
    AgentUpdated {
        /// The child's session id.
        agent_id: String,
        /// Where it stands (completed with its last message, errored, …).
        status: crate::AgentStatus,
        /// Tokens it has used in all.
        usage: TokenUsage,
    },
    /// A problem worth showing; the turn may still go on.
    Error {
        /// Human-readable message.
        message: String,
    },
    /// A `[[hooks]]` command ran. Every run is recorded; front-ends show
    /// the ones that did something or went wrong (`status` other than `ok`).
    HookFinished {
        /// When it ran: `session_start`, `user_prompt_submit`,
        /// `pre_tool_use`, `post_tool_use` or `stop`.
        hook_event: String,
        /// The hook's command, as configured.
        command: String,
        /// The tool call it ran for (the tool events).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
        /// What came of it.
        status: HookStatus,
        /// The reason it gave, what it changed, or what went wrong.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Wall time in milliseconds.
        duration_ms: u64,
    },
    /// A turn ended.
    TurnCompleted {
        /// Turn id.
        turn_id: u64,
        /// How it ended.
        outcome: TurnOutcome,
        /// The last assistant message of the turn, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_message: Option<String>,
    },
    /// The session waits for input: no turn runs and no sub-agent result
    /// is waiting to start one. Sent each time it settles after a turn or a
    /// compaction (not before its first turn); never recorded. Each of the
    /// `agents_running` sub-agents still working starts a turn when it
    /// ends, so a front-end that waits for the work to be done waits for
    /// `agents_running: 0`.
    SessionIdle {
        /// Direct sub-agents whose status is not final yet.
        agents_running: usize,
    },
}

/// How a turn ended. Only real faults are `Failed`; tool errors go back to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TurnOutcome {
    /// The model answered without a tool call.
    Completed,
    /// The turn reached its limit of model requests.
    MaxTurns {
        /// The limit that was reached.
        limit: u32,
    },
    /// The session's token or cost cap was reached; the calls of the last
    /// response were not run.
    BudgetExceeded {
        /// Which cap.
        budget: Budget,
        /// The cap.
        limit: f64,
        /// What the session had used when it stopped.
        used: f64,
    },
    /// A person interrupted the turn.
    Interrupted,
    /// A fault that the model cannot fix ended the turn.
    Failed {
        /// Where the fault was; front-ends decide on this, never on `error`'s text.
        #[serde(default)]
        kind: FailureKind,
        /// What failed and what to do.
        error: String,
    },
}

impl TurnOutcome {
    /// A failed outcome of `kind`.
    pub fn failed(kind: FailureKind, error: impl Into<String>) -> Self {
        TurnOutcome::Failed {
            kind,
            error: error.into(),
        }
    }
}

/// Where the fault that ended a turn was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The model or its provider (refused request, retries exhausted, a
    /// response that cannot be used).
    Model,
    /// The session's own storage (a rollout that cannot be written).
    Storage,
    /// A tool that failed in a way the model cannot work around.
    Tool,
    /// A `[[hooks]]` command stopped the turn: it blocked the prompt, or
    /// answered `"continue": false`.
    Hook,
    /// jig itself (a bug, a panic). Also what records written before kinds
    /// existed read as.
    #[default]
    Internal,
}

/// An event and the session it came from, for front-ends that follow many
/// sessions through one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    /// The session's id.
    pub session_id: String,
    /// The event.
    pub event: Event,
}

/// A hard cap on a session's spending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// Input plus output tokens (`--max-tokens`).
    Tokens,
    /// Cost in US dollars (`--max-cost`).
    CostUsd,
}

/// Cost in US dollars of the last response, the turn and the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cost {
    /// The last response.
    pub last_usd: f64,
    /// The current turn so far.
    pub turn_usd: f64,
    /// The session so far.
    pub total_usd: f64,
}

/// Token counts of a model response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TokenUsage {
    /// Prompt tokens, including cached ones.
    pub input_tokens: u64,
    /// Prompt tokens served from the provider's cache.
    #[serde(default)]
    pub cached_input_tokens: u64,
    /// Generated tokens (including reasoning).
    pub output_tokens: u64,
}

impl TokenUsage {
    /// Adds another usage into this one.
    pub fn add(&mut self, other: &TokenUsage) {
        self.input_tokens += other.input_tokens;
        self.cached_input_tokens += other.cached_input_tokens;
        self.output_tokens += other.output_tokens;
    }

    /// Input plus output tokens: what a token budget counts.
    pub fn billed_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// One step of the agent's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanStep {
    /// What the step does.
    pub step: String,
    /// Where it stands.
    pub status: StepStatus,
}

/// Status of a plan step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Being worked on (at most one step at a time).
    InProgress,
    /// Done.
    Completed,
}

/// What came of one hook run ([`Event::HookFinished`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HookStatus {
    /// It ran and changed nothing (it may have added context).
    Ok,
    /// It refused: a tool call denied, a prompt blocked, the turn stopped,
    /// or (for `stop`) the model sent on; `message` is its reason.
    Blocked,
    /// It rewrote a tool call's arguments; `message` holds the new ones.
    Rewrote,
    /// It failed (could not start, exited non-zero other than 2, answered
    /// JSON that does not parse); the session went on as if it had not run.
    Failed,
    /// It ran past its `timeout_sec` and was killed; the session went on.
    TimedOut,
}

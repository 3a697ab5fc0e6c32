//! The sub-agent host: how the agent tools (`spawn_agent`, `wait_agent`,
//! Claude's `Agent`, …) start and follow child sessions. The core
//! implements it (children are full sessions); the tools only translate
//! between a dialect's arguments and results and these calls, so every
//! dialect's tools share one behaviour.

use std::time::Duration;

use jig_protocol::AgentStatus;
use tokio_util::sync::CancellationToken;

use crate::ToolError;

/// What a parent asks a new child to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpawnRequest {
    /// The hand-off brief: the child's first user message.
    pub brief: String,
    /// A short label for people (Claude's `description`, Codex's nickname).
    pub description: Option<String>,
    /// A named agent type (`[agents.NAME]` in config).
    pub agent_type: Option<String>,
    /// A model spec or profile for the child, instead of the type's or the
    /// parent's.
    pub model: Option<String>,
    /// Reasoning effort for the child's model, when it has the setting.
    pub reasoning_effort: Option<String>,
    /// Start from a copy of the parent's conversation instead of the brief
    /// alone.
    pub fork_context: bool,
}

/// A child as the host reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentInfo {
    /// Its id (its session id).
    pub id: String,
    /// A short name for people.
    pub nickname: String,
    /// Its agent type, if one was named.
    pub agent_type: Option<String>,
    /// Where it stands.
    pub status: AgentStatus,
}

/// What a `wait` came to.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitOutcome {
    /// Each agent waited for, with its status when the wait returned.
    pub statuses: Vec<(String, AgentStatus)>,
    /// Whether the timeout expired before every agent was final.
    pub timed_out: bool,
}

/// How tools start and follow sub-agents; see the module doc.
#[async_trait::async_trait]
pub trait AgentHost: Send + Sync + std::fmt::Debug {
    /// Starts a child; it runs concurrently with the parent. Refused (as a
    /// [`ToolError::RespondToModel`] the model can act on) past the depth
    /// or concurrency limit, or for an unknown agent type.
    async fn spawn(&self, request: SpawnRequest) -> Result<AgentInfo, ToolError>;

    /// Sends a child more input: queued for its next model request while it
    /// works, or starting a new turn when it is idle; `interrupt` stops its
    /// current turn first.
    async fn send(&self, id: &str, message: String, interrupt: bool) -> Result<AgentStatus, ToolError>;

    /// Waits until every agent in `ids` (every child when empty) is final,
    /// the `timeout` expires, or `cancel` fires; returns the statuses so far
    /// either way. A final child's result counts as delivered to the model.
    async fn wait(
        &self,
        ids: &[String],
        timeout: Option<Duration>,
        cancel: &CancellationToken,
    ) -> Result<WaitOutcome, ToolError>;

    /// Every child of this session.
    fn list(&self) -> Vec<AgentInfo>;

    /// Stops a child (its turn is interrupted) and closes it; returns its
    /// status before.
    async fn close(&self, id: &str) -> Result<AgentStatus, ToolError>;

    /// Takes up a child that was interrupted or closed (continuing its
    /// stopped turn); returns its status.
    async fn resume(&self, id: &str) -> Result<AgentStatus, ToolError>;
}

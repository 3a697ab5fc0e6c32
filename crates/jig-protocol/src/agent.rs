//! Sub-agents as the protocol names them: a child session's status, as the
//! tools report it to the model and events report it to front-ends. The
//! shape follows Codex's `AgentStatus` (`pending_init`, `running`,
//! `interrupted`, `{"completed": message}`, `{"errored": reason}`,
//! `shutdown`, `not_found`), which Codex-trained models read, plus
//! `budget_exceeded` for a child stopped by its budget.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a sub-agent stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Created, its first turn not started yet.
    PendingInit,
    /// Working on a turn.
    Running,
    /// Its turn was interrupted (by a person, the parent, or jig stopping);
    /// it can be resumed or sent input.
    Interrupted,
    /// Its turn completed; its last message, if it said one.
    Completed(Option<String>),
    /// Its turn failed; why.
    Errored(String),
    /// It stopped at its budget; what it had said so far, and the budget.
    BudgetExceeded {
        /// Its last message before it stopped, if any.
        message: Option<String>,
        /// Which budget it hit, for a person.
        reason: String,
    },
    /// Closed by the parent; it takes no more input.
    Shutdown,
    /// No sub-agent has this id.
    NotFound,
}

impl AgentStatus {
    /// Whether the agent has stopped working (a `wait` returns for it).
    pub fn is_final(&self) -> bool {
        !matches!(self, AgentStatus::PendingInit | AgentStatus::Running)
    }
}

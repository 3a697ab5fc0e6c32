//! What a session sees of its sub-agents: the [`Children`] it holds (the
//! manager in `agents` implements it), and how a child's turn outcome reads
//! as its status. Kept below `session` so that the session, its actor and
//! its turn loop never import the manager, which builds sessions itself.

use std::sync::Arc;

use jig_protocol::{AgentStatus, Op, TokenUsage, TurnOutcome};

/// A session's sub-agents, as the session drives them.
pub(crate) trait Children: Send + Sync {
    /// Passes an op the session does not own (an answer to a child's
    /// request, an interrupt) to every running child.
    fn forward(&self, op: &Op);
    /// Stops every child: no child outlives its parent's session.
    fn shutdown_all(&self);
    /// What the children (and theirs) have used.
    fn tree_usage(&self) -> TokenUsage;
    /// Notes what the parent itself has used, for its children's caps.
    fn set_own_usage(&self, usage: TokenUsage);
    /// Results the model has not heard yet, as one message; they count as
    /// delivered.
    fn take_results(&self) -> Option<String>;
    /// How many children are still working.
    fn running(&self) -> usize;
    /// After a resume: takes up the children the parent's rollout
    /// recorded (`recorded`), from their own rollouts.
    fn restore(&self, recorded: Vec<crate::resume::RecordedChild>);
    /// Notified when a child's status becomes final.
    fn ready(&self) -> Arc<tokio::sync::Notify>;
    /// The agent tools' host.
    fn host(&self) -> Option<Arc<dyn jig_tools::agent_host::AgentHost>>;
}

/// A child's status from how its turn ended.
pub(crate) fn final_status(outcome: &TurnOutcome, last_message: Option<String>) -> AgentStatus {
    match outcome {
        TurnOutcome::Completed => AgentStatus::Completed(last_message),
        TurnOutcome::Interrupted => AgentStatus::Interrupted,
        TurnOutcome::Failed { error, .. } => AgentStatus::Errored(error.clone()),
        TurnOutcome::MaxTurns { limit } => AgentStatus::BudgetExceeded {
            message: last_message,
            reason: format!("it reached its limit of {limit} model requests"),
        },
        TurnOutcome::BudgetExceeded { budget, limit, used } => AgentStatus::BudgetExceeded {
            message: last_message,
            reason: format!("it reached its {budget:?} budget ({used} of {limit})").to_lowercase(),
        },
    }
}

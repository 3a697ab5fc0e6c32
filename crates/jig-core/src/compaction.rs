//! Compaction: when the context passes its threshold (or a person asks),
//! older items are replaced by a summary the model writes, and a ledger of
//! what they touched.
//!
//! Invariants: nothing is lost — the dropped items stay in the rollout and
//! `recall` finds them; the user's own messages are kept verbatim; a tool
//! call is never separated from its output. The summary call goes through
//! the session's own provider and is recorded as an ordinary `response`
//! record followed by a `compaction` record holding the new conversation, so
//! resume (which replays records in order) and deterministic providers
//! (which count responses) see exactly what the live session saw.
//!
//! This module holds what compaction is configured with and the texts it
//! shows the model; the session's side of it (counting the context,
//! deciding, summarising, recording) is `compactor`.

use jig_compact::TokenCounter;
use jig_protocol::Goal;

/// Share of the window past which the model is told how much is left.
pub const BUDGET_NOTE_SHARE: f64 = 0.6;
/// How that note starts.
pub const BUDGET_NOTE_PREFIX: &str = "[context]";
/// What an interrupted manual compaction reports.
pub const COMPACTION_INTERRUPTED: &str = "compaction interrupted: the conversation is unchanged";

/// When and how to compact.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactionConfig {
    /// Compact automatically at all.
    pub auto: bool,
    /// The model's context window, in tokens.
    pub context_window: u64,
    /// Compact when the context passes this share of the window.
    pub threshold: f64,
    /// Tokens of the most recent items kept verbatim.
    pub keep_recent_tokens: u64,
    /// The summary template; `None` uses jig's.
    pub template: Option<String>,
    /// Count tokens with OpenAI's `o200k_base` (OpenAI families) instead of
    /// the character estimate.
    pub tiktoken: bool,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        CompactionConfig {
            auto: true,
            context_window: 128_000,
            threshold: 0.8,
            keep_recent_tokens: 20_000,
            template: None,
            tiktoken: false,
        }
    }
}

impl CompactionConfig {
    /// The token counter this configuration asks for. The tokenizer is not
    /// built here: [`jig_compact::LazyTiktoken`] builds it when an exact
    /// count is first needed (the estimate, should it not load).
    pub fn counter(&self) -> std::sync::Arc<dyn TokenCounter> {
        if self.tiktoken {
            return std::sync::Arc::new(jig_compact::LazyTiktoken);
        }
        std::sync::Arc::new(jig_compact::Estimator::default())
    }

    /// Tokens past which the context is compacted.
    pub fn limit(&self) -> u64 {
        (self.context_window as f64 * self.threshold) as u64
    }
}

/// How the goal is shown to the model after a compaction.
pub(crate) fn goal_reminder(goal: &Goal) -> String {
    let budget = goal
        .token_budget
        .map(|b| format!(" Token budget: {} of {b} used.", goal.tokens_used))
        .unwrap_or_default();
    format!(
        "Current goal (still active): {}.{budget} Keep working toward it; mark it with update_goal when it is complete or blocked.",
        goal.objective
    )
}

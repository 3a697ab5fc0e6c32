//! Context compaction for jig: when the conversation outgrows the model's
//! window, older items are replaced by a model-written summary while the
//! user's own words and the most recent work stay verbatim.
//!
//! The pieces, each a pure function or a small type the core calls:
//! [`tokens`] measures items, [`plan`] decides what to keep and what to drop,
//! [`ledger`] records what the dropped items touched, [`summary`] asks the
//! model for the summary and wraps it in an [`Item::Compaction`], and
//! [`recall`] is the tool that brings dropped details back from the rollout.
//!
//! Invariant: compaction never loses anything. Dropped items leave the
//! context, never the rollout, and the ledger plus `recall` lead back to
//! them. This crate must not call a model, write the rollout or hold session
//! state: the core drives the sequence (plan → ask for the summary → build
//! the replacement → record `RolloutRecord::Compaction`).
//!
//! [`Item::Compaction`]: jig_protocol::Item::Compaction
#![deny(missing_docs)]

pub mod ledger;
pub mod plan;
pub mod recall;
pub mod summary;
pub mod tokens;

pub use ledger::{digest, ledger};
pub use plan::{Plan, plan, replacement, responses_in};
pub use recall::RecallTool;
pub use summary::{DEFAULT_TEMPLATE, summary_instruction, summary_item};
pub use tokens::{
    Estimator, ITEM_OVERHEAD_TOKENS, TokenCounter, context_tokens, context_tokens_at_most, item_tokens,
    item_tokens_at_most,
};
#[cfg(feature = "tiktoken")]
pub use tokens::{LazyTiktoken, Tiktoken, TokenizerError};

//! The LLM judge: a rubric of criteria, each with a description and a
//! scale, applied by a model to a whole trajectory rendered compactly
//! (messages, tool calls with their arguments, outputs cut head and tail,
//! the workspace's final diff, the verifier's result). The judge answers in
//! a structured form — a score per criterion, a rationale, and the ids of
//! the rollout records it cites — enforced with the provider's JSON-schema
//! output where it has one and validated here in every case.
//!
//! A malformed or refused answer is asked again once; a second failure makes
//! the sample `ungraded` with the reason, and the run goes on. The judge's
//! tokens and cost are kept apart from the agent's.

use jig_protocol::TokenUsage;
use serde::{Deserialize, Serialize};

/// A stored judgement of one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// The judge's model spec.
    pub judge: String,
    /// What it decided.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Tokens the judge used (all attempts).
    pub usage: TokenUsage,
    /// What the judge cost, when its price is known.
    pub cost_usd: Option<f64>,
}

/// A judgement's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// The judge answered well-formed scores.
    Graded {
        /// One score per rubric criterion, in rubric order.
        scores: Vec<CriterionScore>,
        /// Why, in the judge's words.
        rationale: String,
        /// The rollout record numbers the judge cites (the same numbers as
        /// trait evidence).
        cited: Vec<u64>,
    },
    /// No usable answer after the retry.
    Ungraded {
        /// What was wrong with the last answer, or why no answer came.
        reason: String,
    },
}

/// One criterion's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionScore {
    /// The criterion's name.
    pub criterion: String,
    /// The score on the criterion's scale.
    pub score: i64,
    /// The scale's lowest score.
    pub min: i64,
    /// The scale's highest score.
    pub max: i64,
}

impl CriterionScore {
    /// The score mapped onto `0.0..=1.0`.
    pub fn normalised(&self) -> f64 {
        if self.max <= self.min {
            return 0.0;
        }
        (self.score - self.min) as f64 / (self.max - self.min) as f64
    }
}

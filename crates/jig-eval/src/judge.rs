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

mod answer;
mod render;
pub mod rubric;

use std::sync::Arc;

use futures::StreamExt;
use jig_model::{ModelClient, ModelRequest, ResponseEvent};
use jig_protocol::{Item, TokenUsage};
use serde::{Deserialize, Serialize};

pub use answer::{Answer, parse as parse_answer, schema as answer_schema};
pub use render::{MAX_RENDER_CHARS, Rendered, head_tail, render};
pub use rubric::{Criterion, Rubric, RubricError, RubricSpec};

/// The judge's instructions.
const INSTRUCTIONS: &str = "You grade the whole trajectory of a coding agent on a task: \
what it said, the tools it called and what they returned, the final state of the workspace \
and the verifier's result. Score each criterion of the rubric on its scale, judging only \
what the trajectory shows. Explain your scores in the rationale, and cite the records that \
support them by their numbers (the numbers in [brackets]). Answer with one JSON object and \
nothing else: {\"scores\": {criterion: score, ...}, \"rationale\": \"...\", \"cited\": [record numbers]}.";

/// Computes what a judge's tokens cost, when its price is known.
pub type CostFn = Arc<dyn Fn(&TokenUsage) -> Option<f64> + Send + Sync>;

/// A model that judges trajectories.
#[derive(Clone)]
pub struct Judge {
    client: Arc<dyn ModelClient>,
    cost: CostFn,
}

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Judge").field("spec", &self.client.spec()).finish()
    }
}

/// What one judgement is about.
#[derive(Debug, Clone, Copy)]
pub struct JudgeRequest<'a> {
    /// The task's name.
    pub task: &'a str,
    /// The instruction the agent was given.
    pub instruction: &'a str,
    /// The criteria to score.
    pub rubric: &'a Rubric,
    /// The trajectory, rendered.
    pub trajectory: &'a Rendered,
}

impl Judge {
    /// A judge on `client`, pricing its tokens with `cost`.
    pub fn new(client: Arc<dyn ModelClient>, cost: CostFn) -> Judge {
        Judge { client, cost }
    }

    /// The judge's model spec.
    pub fn spec(&self) -> &str {
        self.client.spec()
    }

    /// Judges one trajectory. A malformed, refused or failed answer is asked
    /// for again once, with what was wrong; a second failure is
    /// [`Verdict::Ungraded`] with the reason. Never fails otherwise.
    pub async fn judge(&self, request: JudgeRequest<'_>) -> Judgement {
        let schema = answer::schema(request.rubric, &request.trajectory.records);
        let mut items = vec![Item::user(prompt(request))];
        let mut usage = TokenUsage::default();
        let mut reason = String::new();
        for attempt in 0..2 {
            let model_request = ModelRequest {
                session_id: "jig-eval-judge",
                instructions: INSTRUCTIONS,
                items: &items,
                tools: &[],
                output_schema: Some(&schema),
            };
            let (text, used) = self.answer(&model_request).await;
            usage.add(&used);
            let problem = match text {
                Ok(text) => match answer::parse(&text, request.rubric, &request.trajectory.records) {
                    Ok(answer) => {
                        return self.judgement(
                            Verdict::Graded {
                                scores: answer.scores,
                                rationale: answer.rationale,
                                cited: answer.cited,
                            },
                            usage,
                        );
                    }
                    Err(problem) => {
                        items.push(Item::assistant(text));
                        problem
                    }
                },
                Err(problem) => problem,
            };
            reason = if attempt == 0 {
                problem.clone()
            } else {
                format!("{reason}; asked again: {problem}")
            };
            items.push(Item::user(format!(
                "That answer cannot be used: {problem}. Answer again with only the JSON object."
            )));
        }
        self.judgement(Verdict::Ungraded { reason }, usage)
    }

    fn judgement(&self, verdict: Verdict, usage: TokenUsage) -> Judgement {
        Judgement {
            judge: self.spec().to_owned(),
            verdict,
            cost_usd: (self.cost)(&usage),
            usage,
        }
    }

    /// The text of one response and its usage; `Err` when the model failed
    /// or answered with a tool call.
    async fn answer(&self, request: &ModelRequest<'_>) -> (Result<String, String>, TokenUsage) {
        let mut stream = match self.client.stream(request).await {
            Ok(stream) => stream,
            Err(error) => return (Err(format!("the judge's model failed: {error}")), TokenUsage::default()),
        };
        let mut text = String::new();
        let mut usage = TokenUsage::default();
        while let Some(event) = stream.next().await {
            match event {
                Ok(ResponseEvent::TextDelta(delta)) => text.push_str(&delta),
                Ok(ResponseEvent::Retrying { .. }) => text.clear(),
                Ok(ResponseEvent::ToolCall(call)) => {
                    return (
                        Err(format!(
                            "the judge called a tool (`{}`) instead of answering",
                            call.name
                        )),
                        usage,
                    );
                }
                Ok(ResponseEvent::Completed { usage: used }) => usage = used,
                Ok(ResponseEvent::Reasoning(_) | ResponseEvent::Skipped { .. } | ResponseEvent::Model(_)) => {}
                Err(error) => return (Err(format!("the judge's model failed: {error}")), usage),
            }
        }
        (Ok(text), usage)
    }
}

/// The user message: the task, the rubric, the trajectory.
fn prompt(request: JudgeRequest<'_>) -> String {
    let mut text = format!(
        "# Task `{}`\n\n{}\n\n# Rubric\n\n",
        request.task,
        head_tail(request.instruction.trim(), 4_000)
    );
    for criterion in &request.rubric.criteria {
        text.push_str(&format!(
            "- `{}` ({} to {}): {}\n",
            criterion.name,
            criterion.min(),
            criterion.max(),
            criterion.description
        ));
    }
    text.push('\n');
    text.push_str(&request.trajectory.text);
    text
}

/// The verifier's result as the judge reads it.
pub fn outcome_text(status: &crate::results::SampleStatus, reward: Option<&crate::task::Reward>) -> String {
    use crate::results::SampleStatus;
    let status = match status {
        SampleStatus::Passed => "passed".to_owned(),
        SampleStatus::Failed => "failed".to_owned(),
        SampleStatus::Error { reason } => format!("error: {reason}"),
        SampleStatus::NeedsContainer { text, .. } => format!("not run (needs a container: {text})"),
    };
    let reward = match reward {
        None => "no reward".to_owned(),
        Some(crate::task::Reward::Single(value)) => format!("reward {value}"),
        Some(crate::task::Reward::Named(values)) => values
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!("{status}; {reward}")
}

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

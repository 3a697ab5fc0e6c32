//! A run's summary, computed from its stored samples with [`crate::metrics`]
//! so the numbers `jig eval show` prints are the ones the metrics module
//! tests. A `needs_container` sample never ran: it is counted, but left out
//! of the pass rate, pass@k and the per-sample means. An `error` sample ran
//! and did not pass.

use std::collections::BTreeMap;

use jig_protocol::TokenUsage;
use serde::Serialize;

use super::read::report_order;
use super::{Results, ResultsError, Run, RunId, SampleRow, SampleStatus};
use crate::judge::{Judgement, Verdict};
use crate::metrics::{mean, suite_pass_at_k};

/// What a run came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// The run.
    pub run: Run,
    /// Samples recorded.
    pub samples: u64,
    /// Samples that passed.
    pub passed: u64,
    /// Samples the verifier scored a miss.
    pub failed: u64,
    /// Samples that could not finish.
    pub errors: u64,
    /// Samples that need a container and did not run.
    pub needs_container: u64,
    /// `passed / (passed + failed + errors)`; `None` when no sample ran.
    pub pass_rate: Option<f64>,
    /// The mean headline reward over the samples the verifier scored.
    pub mean_reward: Option<f64>,
    /// pass@k for each `k` in `1..=samples_per_task` at which every task
    /// that ran has `k` samples.
    pub pass_at_k: Vec<PassAtK>,
    /// Each trait's rate, known traits in report order.
    pub trait_rates: Vec<TraitRate>,
    /// Tokens over all samples.
    pub usage: TokenUsage,
    /// Cost over the samples with a known cost; `None` when none has one.
    pub cost_usd: Option<f64>,
    /// Means over the samples that ran; `None` when none did.
    pub per_sample: Option<PerSample>,
    /// The LLM judge's verdicts; `None` when no sample was judged.
    pub judge: Option<JudgeSummary>,
}

/// What the LLM judge said over a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeSummary {
    /// The judge's model spec(s), as recorded.
    pub judges: Vec<String>,
    /// Samples the judge scored.
    pub graded: u64,
    /// Samples it could not score.
    pub ungraded: u64,
    /// Each criterion's mean score, in the order first seen.
    pub criteria: Vec<CriterionMean>,
    /// The judge's tokens over all samples (apart from the agent's).
    pub usage: TokenUsage,
    /// The judge's cost, over the judgements with a known cost.
    pub cost_usd: Option<f64>,
}

/// One criterion's mean over the graded samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionMean {
    /// The criterion.
    pub criterion: String,
    /// Samples scored on it.
    pub samples: u64,
    /// The mean score, on its scale.
    pub mean: f64,
    /// The mean score mapped onto `0..=1`.
    pub mean_normalised: f64,
}

/// One pass@k value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PassAtK {
    /// `k`.
    pub k: u32,
    /// The mean over tasks of the unbiased estimate.
    pub value: f64,
}

/// How often a trait held where it applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraitRate {
    /// The trait's snake_case name.
    pub name: String,
    /// Samples where it had something to judge.
    pub applicable: u64,
    /// Of those, the ones where it held.
    pub passed: u64,
    /// `passed / applicable`; `None` when it never applied.
    pub pass_rate: Option<f64>,
}

/// Per-sample means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PerSample {
    /// Prompt tokens, cached ones included.
    pub input_tokens: f64,
    /// Prompt tokens served from cache.
    pub cached_input_tokens: f64,
    /// Generated tokens.
    pub output_tokens: f64,
    /// Cost, over the samples with a known cost.
    pub cost_usd: Option<f64>,
    /// Agent wall time, milliseconds.
    pub agent_ms: f64,
    /// Verifier wall time, milliseconds.
    pub verifier_ms: f64,
}

impl Results {
    /// The summary of `run` (an exact id, as from [`Results::run`]).
    pub fn summary(&self, run: &RunId) -> Result<RunSummary, ResultsError> {
        let stored = self.run(run.as_str())?;
        let rows = self.samples(run)?;
        Ok(summarize(stored, &rows))
    }
}

/// Summarises `rows`, the samples of `run`.
pub(super) fn summarize(run: Run, rows: &[SampleRow]) -> RunSummary {
    let count = |wanted: fn(&SampleStatus) -> bool| rows.iter().filter(|row| wanted(&row.status)).count() as u64;
    let passed = count(|status| matches!(status, SampleStatus::Passed));
    let failed = count(|status| matches!(status, SampleStatus::Failed));
    let errors = count(|status| matches!(status, SampleStatus::Error { .. }));
    let needs_container = count(|status| matches!(status, SampleStatus::NeedsContainer { .. }));
    let ran: Vec<&SampleRow> = rows.iter().filter(|row| ran(row)).collect();
    let attempted = passed + failed + errors;
    let rewards: Vec<f64> = rows.iter().filter_map(|row| row.reward.as_ref()?.primary()).collect();
    let costs: Vec<f64> = rows.iter().filter_map(|row| row.cost_usd).collect();
    let mut usage = TokenUsage::default();
    for row in rows {
        usage.input_tokens = usage.input_tokens.saturating_add(row.usage.input_tokens);
        usage.cached_input_tokens = usage.cached_input_tokens.saturating_add(row.usage.cached_input_tokens);
        usage.output_tokens = usage.output_tokens.saturating_add(row.usage.output_tokens);
    }
    RunSummary {
        samples: rows.len() as u64,
        passed,
        failed,
        errors,
        needs_container,
        pass_rate: (attempted > 0).then(|| passed as f64 / attempted as f64),
        mean_reward: mean(&rewards),
        pass_at_k: pass_at_k(&ran, run.spec.samples_per_task),
        trait_rates: trait_rates(rows),
        usage,
        cost_usd: (!costs.is_empty()).then(|| costs.iter().sum()),
        per_sample: per_sample(&ran),
        judge: judge_summary(rows),
        run,
    }
}

fn ran(row: &SampleRow) -> bool {
    !matches!(row.status, SampleStatus::NeedsContainer { .. })
}

fn pass_at_k(ran: &[&SampleRow], samples_per_task: u32) -> Vec<PassAtK> {
    let mut tasks: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for row in ran {
        let (samples, passed) = tasks.entry(&row.task).or_default();
        *samples += 1;
        *passed += u64::from(matches!(row.status, SampleStatus::Passed));
    }
    let tasks: Vec<(u64, u64)> = tasks.into_values().collect();
    (1..=samples_per_task)
        .filter_map(|k| {
            Some(PassAtK {
                k,
                value: suite_pass_at_k(&tasks, u64::from(k))?,
            })
        })
        .collect()
}

fn trait_rates(rows: &[SampleRow]) -> Vec<TraitRate> {
    let mut rates: BTreeMap<(usize, &str), (u64, u64)> = BTreeMap::new();
    for score in rows.iter().flat_map(|row| &row.traits) {
        let (applicable, passed) = rates.entry(report_order(&score.name)).or_default();
        if score.applicable {
            *applicable += 1;
            *passed += u64::from(score.passed);
        }
    }
    rates
        .into_iter()
        .map(|((_, name), (applicable, passed))| TraitRate {
            name: name.to_owned(),
            applicable,
            passed,
            pass_rate: (applicable > 0).then(|| passed as f64 / applicable as f64),
        })
        .collect()
}

fn judge_summary(rows: &[SampleRow]) -> Option<JudgeSummary> {
    let judged: Vec<&Judgement> = rows.iter().filter_map(|row| row.judgement.as_ref()).collect();
    if judged.is_empty() {
        return None;
    }
    let mut judges: Vec<String> = Vec::new();
    let mut criteria: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    let mut usage = TokenUsage::default();
    let mut graded = 0;
    for judgement in &judged {
        if !judges.contains(&judgement.judge) {
            judges.push(judgement.judge.clone());
        }
        usage.add(&judgement.usage);
        if let Verdict::Graded { scores, .. } = &judgement.verdict {
            graded += 1;
            for score in scores {
                let at = match criteria.iter().position(|(name, ..)| *name == score.criterion) {
                    Some(at) => at,
                    None => {
                        criteria.push((score.criterion.clone(), Vec::new(), Vec::new()));
                        criteria.len() - 1
                    }
                };
                criteria[at].1.push(score.score as f64);
                criteria[at].2.push(score.normalised());
            }
        }
    }
    let costs: Vec<f64> = judged.iter().filter_map(|j| j.cost_usd).collect();
    Some(JudgeSummary {
        judges,
        graded,
        ungraded: judged.len() as u64 - graded,
        criteria: criteria
            .into_iter()
            .map(|(criterion, raw, normalised)| CriterionMean {
                criterion,
                samples: raw.len() as u64,
                mean: mean(&raw).unwrap_or(0.0),
                mean_normalised: mean(&normalised).unwrap_or(0.0),
            })
            .collect(),
        usage,
        cost_usd: (!costs.is_empty()).then(|| costs.iter().sum()),
    })
}

fn per_sample(ran: &[&SampleRow]) -> Option<PerSample> {
    let of = |field: fn(&SampleRow) -> f64| mean(&ran.iter().map(|row| field(row)).collect::<Vec<_>>());
    let costs: Vec<f64> = ran.iter().filter_map(|row| row.cost_usd).collect();
    Some(PerSample {
        input_tokens: of(|row| row.usage.input_tokens as f64)?,
        cached_input_tokens: of(|row| row.usage.cached_input_tokens as f64)?,
        output_tokens: of(|row| row.usage.output_tokens as f64)?,
        cost_usd: mean(&costs),
        agent_ms: of(|row| row.agent_ms as f64)?,
        verifier_ms: of(|row| row.verifier_ms as f64)?,
    })
}

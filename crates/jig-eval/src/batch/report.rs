//! What batching did to a run: steps, batches, requests, fallbacks, the time
//! rollouts waited on batch jobs, and the cost against the same requests
//! made live — a pure function of the state file's records.
//!
//! Every answer recorded is counted once, whichever invocation of the run
//! got it (a resumed run reuses the answers before the crash, and they were
//! paid once). A batch answer is priced at [`BATCH_PRICE_FACTOR`] of the
//! live price, a fallback at the live price.

use std::collections::HashSet;
use std::path::Path;

use jig_protocol::TokenUsage;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::store::{Record, Via, state_dir};
use super::{BATCH_PRICE_FACTOR, BatchError, Price, Vendor};

/// The report's file name in the run's `batch/` directory.
pub(crate) const REPORT_FILE: &str = "report.json";

/// What batching did to a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    /// Whose batch API.
    pub vendor: Vendor,
    /// Steps run (after a crash, the steps of every invocation).
    pub steps: u32,
    /// Batches the vendor accepted.
    pub batches: u32,
    /// Requests answered.
    pub requests: u32,
    /// Of those, answered by a batch.
    pub batched: u32,
    /// Of those, answered live after their batch failed or expired them.
    pub fallbacks: u32,
    /// Stored answers given to a rerun request whose tool outputs differed.
    pub reused_stale: u32,
    /// Milliseconds the steps spent on batch jobs and fallbacks, summed:
    /// the wall time batching added (the requests' own generation time,
    /// which a live run spends too, is inside it).
    pub batch_wait_ms: u64,
    /// Token usage of every answer.
    pub usage: TokenUsage,
    /// The cost, when the model's price is known.
    pub cost: Option<BatchCost>,
    /// Faults the run went on after.
    pub problems: Vec<String>,
}

/// The run's cost against the same requests made live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchCost {
    /// The price table used (live, USD per million tokens).
    pub price: Price,
    /// What the run cost: batch answers at the batch price, fallbacks live.
    pub batch_usd: f64,
    /// What the same requests cost made live.
    pub live_usd: f64,
}

/// The report a finished (or stopped) batch run wrote, if any.
pub fn read_report(work_dir: &Path) -> Result<Option<BatchReport>, BatchError> {
    let path = state_dir(work_dir).join(REPORT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(BatchError::State { path, source }),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| BatchError::Damaged {
        path,
        line: e.line(),
        reason: e.to_string(),
    })
}

/// The report of `records`.
pub(crate) fn build(vendor: Vendor, price: Option<Price>, records: &[Record], problems: Vec<String>) -> BatchReport {
    let mut report = BatchReport {
        vendor,
        steps: 0,
        batches: 0,
        requests: 0,
        batched: 0,
        fallbacks: 0,
        reused_stale: 0,
        batch_wait_ms: 0,
        usage: TokenUsage::default(),
        cost: price.map(|price| BatchCost {
            price,
            batch_usd: 0.0,
            live_usd: 0.0,
        }),
        problems,
    };
    let mut answered = HashSet::new();
    for record in records {
        match record {
            Record::Submitted { .. } => report.batches += 1,
            Record::Step { wait_ms, .. } => {
                report.steps += 1;
                report.batch_wait_ms += wait_ms;
            }
            Record::ReusedStale { .. } => report.reused_stale += 1,
            Record::Answer {
                custom_id, via, body, ..
            } => {
                if !answered.insert(custom_id.as_str()) {
                    continue;
                }
                report.requests += 1;
                let factor = match via {
                    Via::Batch => {
                        report.batched += 1;
                        BATCH_PRICE_FACTOR
                    }
                    Via::Live => {
                        report.fallbacks += 1;
                        1.0
                    }
                };
                let usage = usage(vendor, body);
                report.usage.add(&usage);
                if let Some(cost) = &mut report.cost {
                    let live = live_cost(&cost.price, &usage);
                    cost.live_usd += live;
                    cost.batch_usd += live * factor;
                }
            }
            Record::Failed { .. } | Record::Ended { .. } => {}
        }
    }
    report
}

/// A response body's usage, counted as jig's decoders count it (cached
/// tokens inside the input tokens).
fn usage(vendor: Vendor, body: &Value) -> TokenUsage {
    let count = |pointer: &str| body.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
    match vendor {
        Vendor::OpenAi => TokenUsage {
            input_tokens: count("/usage/input_tokens"),
            cached_input_tokens: count("/usage/input_tokens_details/cached_tokens"),
            output_tokens: count("/usage/output_tokens"),
        },
        Vendor::Anthropic => {
            let read = count("/usage/cache_read_input_tokens");
            TokenUsage {
                input_tokens: count("/usage/input_tokens") + count("/usage/cache_creation_input_tokens") + read,
                cached_input_tokens: read,
                output_tokens: count("/usage/output_tokens"),
            }
        }
    }
}

fn live_cost(price: &Price, usage: &TokenUsage) -> f64 {
    let cached = usage.cached_input_tokens.min(usage.input_tokens);
    let fresh = usage.input_tokens - cached;
    (fresh as f64 * price.input + cached as f64 * price.cached_input + usage.output_tokens as f64 * price.output)
        / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(id: &str, via: Via) -> Record {
        Record::Answer {
            custom_id: id.into(),
            via,
            content_hash: String::new(),
            body: json!({"usage": {"input_tokens": 1_000_000, "input_tokens_details": {"cached_tokens": 500_000},
                "output_tokens": 100_000}}),
        }
    }

    #[test]
    fn batch_answers_cost_half_fallbacks_full_and_each_answer_counts_once() {
        let price = Price {
            input: 1.0,
            cached_input: 0.1,
            output: 10.0,
        };
        let records = [
            answer("a", Via::Batch),
            answer("b", Via::Live),
            answer("a", Via::Batch),
            Record::Step {
                step: 1,
                requests: 2,
                fallbacks: 1,
                wait_ms: 40,
            },
        ];
        let report = build(Vendor::OpenAi, Some(price), &records, Vec::new());
        // One request live: 0.5 + 0.05 + 1.0 = 1.55.
        let cost = report.cost.unwrap();
        assert!((cost.live_usd - 3.1).abs() < 1e-9, "{cost:?}");
        assert!((cost.batch_usd - (1.55 * 0.5 + 1.55)).abs() < 1e-9, "{cost:?}");
        assert_eq!((report.requests, report.batched, report.fallbacks), (2, 1, 1));
        assert_eq!((report.steps, report.batch_wait_ms), (1, 40));
    }
}

//! Cost and hard caps: what a session has spent, and whether it may go on.
//!
//! Cost is derived, never stored: it is the price applied to the token
//! totals, which the rollout already holds, so a resumed session knows its
//! spending without a second ledger. Caps are checked before each model
//! request (a session already over one makes no request) and after each
//! response; a turn that crosses one ends with `BudgetExceeded` before the
//! response's tool calls run or an active goal asks the model to go on.

use jig_config::PriceSettings;
use jig_protocol::{Budget, Cost, TokenUsage, TurnOutcome};

/// A session's price and caps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// USD per million tokens, when known.
    pub price: Option<PriceSettings>,
    /// Cap on input + output tokens for the session.
    pub max_tokens: Option<u64>,
    /// Cap on cost in USD for the session.
    pub max_cost_usd: Option<f64>,
}

impl Limits {
    /// Cost of `usage` in USD, when the price is known. Cached input tokens
    /// are billed at the cached rate (the input rate when none is given).
    pub fn cost_of(&self, usage: &TokenUsage) -> Option<f64> {
        let price = self.price.as_ref()?;
        let cached = usage.cached_input_tokens.min(usage.input_tokens);
        let fresh = usage.input_tokens - cached;
        let cached_rate = price.cached_input.unwrap_or(price.input);
        let micro =
            fresh as f64 * price.input + cached as f64 * cached_rate + usage.output_tokens as f64 * price.output;
        Some(micro / 1_000_000.0)
    }

    /// The three costs reported with each usage event.
    pub fn cost(&self, last: &TokenUsage, turn: &TokenUsage, total: &TokenUsage) -> Option<Cost> {
        Some(Cost {
            last_usd: self.cost_of(last)?,
            turn_usd: self.cost_of(turn)?,
            total_usd: self.cost_of(total)?,
        })
    }

    /// The outcome that ends the turn when `total` has crossed a cap.
    pub fn exceeded(&self, total: &TokenUsage) -> Option<TurnOutcome> {
        if let Some(limit) = self.max_tokens {
            let used = total.billed_tokens();
            if used > limit {
                return Some(TurnOutcome::BudgetExceeded {
                    budget: Budget::Tokens,
                    limit: limit as f64,
                    used: used as f64,
                });
            }
        }
        if let (Some(limit), Some(used)) = (self.max_cost_usd, self.cost_of(total))
            && used > limit
        {
            return Some(TurnOutcome::BudgetExceeded {
                budget: Budget::CostUsd,
                limit,
                used,
            });
        }
        None
    }
}

/// Output text for a call skipped because a budget cap was reached.
pub(crate) const BUDGET_NOT_RUN: &str =
    "not run: the session reached its token or cost budget; ask the user to raise the cap to continue";

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, cached: u64, output: u64) -> TokenUsage {
        TokenUsage {
            input_tokens: input,
            cached_input_tokens: cached,
            output_tokens: output,
        }
    }

    #[test]
    fn cost_bills_cached_input_at_its_rate() {
        let limits = Limits {
            price: Some(PriceSettings {
                input: 1.25,
                cached_input: Some(0.125),
                output: 10.0,
            }),
            ..Limits::default()
        };
        let cost = limits.cost_of(&usage(1_000_000, 400_000, 100_000)).unwrap();
        assert!((cost - (0.6 * 1.25 + 0.4 * 0.125 + 0.1 * 10.0)).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn caps_trip_only_when_crossed() {
        let limits = Limits {
            price: Some(PriceSettings {
                input: 1.0,
                cached_input: None,
                output: 1.0,
            }),
            max_tokens: Some(1000),
            max_cost_usd: Some(0.01),
        };
        assert_eq!(limits.exceeded(&usage(600, 0, 400)), None);
        assert!(matches!(
            limits.exceeded(&usage(600, 0, 401)),
            Some(TurnOutcome::BudgetExceeded {
                budget: Budget::Tokens,
                ..
            })
        ));
        let cost_only = Limits {
            max_tokens: None,
            ..limits
        };
        assert!(matches!(
            cost_only.exceeded(&usage(20_000, 0, 0)),
            Some(TurnOutcome::BudgetExceeded {
                budget: Budget::CostUsd,
                ..
            })
        ));
        assert_eq!(Limits::default().cost_of(&usage(1, 0, 1)), None);
    }
}

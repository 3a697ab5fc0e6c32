//! [`TraitName::WithinLimits`](super::TraitName::WithinLimits): model
//! requests, tokens and cost against the options' limits, and the
//! session's own caps.

use jig_protocol::TurnOutcome;

use super::TraitOptions;
use super::grade::{Grade, note};
use super::timeline::Timeline;

pub(crate) fn within_limits(t: &Timeline, options: &TraitOptions) -> Grade {
    let limits = &options.limits;
    let (mut good, mut total, mut evidence) = (0, 0, Vec::new());
    let mut check = |held: bool, record: Option<usize>, what: String| {
        total += 1;
        good += usize::from(held);
        evidence.push(note(record, what));
    };
    let requests = t.responses.len() as u64;
    if let Some(max) = limits.max_model_requests {
        let held = requests <= max;
        check(held, None, format!("{requests} model requests (limit {max})"));
    }
    if let Some(max) = limits.max_requests_per_turn {
        let (turn, most) = (0..t.turns.len())
            .map(|turn| (turn, t.responses.iter().filter(|r| r.turn == turn).count() as u64))
            .max_by_key(|(_, n)| *n)
            .unwrap_or((0, 0));
        let held = most <= max;
        check(
            held,
            None,
            format!(
                "at most {most} model requests in one turn (turn {}; limit {max})",
                turn + 1
            ),
        );
    }
    if let Some(max) = limits.max_tokens {
        let used = t.usage.billed_tokens();
        check(used <= max, None, format!("{used} billed tokens (limit {max})"));
    }
    if let Some(max) = limits.max_cost_usd {
        let cost = match (&limits.price, t.recorded_cost) {
            (Some(price), _) => Some(price.cost(&t.usage)),
            (None, Some(cost)) => Some(cost.total_usd),
            (None, None) => None,
        };
        match cost {
            Some(cost) => check(cost <= max, None, format!("cost ${cost:.4} (limit ${max:.4})")),
            None => check(
                false,
                None,
                format!("cost unknown (no price given, none recorded); limit ${max:.4}"),
            ),
        }
    }
    for (number, turn) in t.turns.iter().enumerate() {
        let Some((record, outcome)) = &turn.completed else {
            continue;
        };
        let what = match outcome {
            TurnOutcome::MaxTurns { limit } => {
                format!("turn {} hit the session's limit of {limit} requests", number + 1)
            }
            TurnOutcome::BudgetExceeded { budget, limit, used } => {
                format!(
                    "turn {} hit the session's {budget:?} cap ({used} of {limit})",
                    number + 1
                )
            }
            _ => continue,
        };
        check(false, Some(*record), what);
    }
    if total == 0 {
        return Grade::not_applicable("no limits set and no session cap hit");
    }
    Grade::share(good, total, evidence)
}

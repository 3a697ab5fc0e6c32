//! Deciding what compaction keeps and what it drops.
//!
//! [`plan`] keeps the most recent items verbatim (the tail, within a token
//! budget, and never less than the last item) and every user message before
//! the tail (the person's words are instructions, never paraphrased), and
//! drops everything else, an earlier summary included: the new summary folds
//! it in. [`replacement`] then builds the compacted conversation.
//!
//! Invariants of a [`Plan`]: a tool call and its output are never separated
//! (no kept output lacks its call, no kept call lacks an output that exists),
//! and the tail never starts in the middle of a model response, because
//! providers reject a response's later items without its reasoning. Both are
//! kept by moving the tail's start earlier, so the tail may exceed its budget;
//! it never shrinks below what the budget allows. This module must not
//! summarise or count anything but tokens: it only chooses indices.

use std::collections::HashMap;

use jig_protocol::{Item, Role};

use crate::tokens::{TokenCounter, item_tokens};

/// What compaction does with each item of the conversation. Indices refer to
/// the slice given to [`plan`]; `keep_users` and `drop` are ascending and,
/// with `tail_start..`, cover every index exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// User messages before the tail, kept verbatim.
    pub keep_users: Vec<usize>,
    /// Items replaced by the summary.
    pub drop: Vec<usize>,
    /// First index of the recent items kept verbatim.
    pub tail_start: usize,
}

/// Plans a compaction of `items` that keeps about `keep_recent_tokens` of
/// recent items verbatim. `None` when it would drop nothing, or nothing but
/// an earlier summary (a new summary of a summary gains nothing).
pub fn plan(items: &[Item], counter: &dyn TokenCounter, keep_recent_tokens: u64) -> Option<Plan> {
    let last = items.len().checked_sub(1)?;
    let mut tail_start = last;
    let mut tail_tokens = item_tokens(counter, &items[last]);
    while tail_start > 0 {
        let more = item_tokens(counter, &items[tail_start - 1]);
        if tail_tokens + more > keep_recent_tokens {
            break;
        }
        tail_tokens += more;
        tail_start -= 1;
    }
    let tail_start = settle(items, tail_start);
    let (keep_users, drop): (Vec<usize>, Vec<usize>) = (0..tail_start).partition(|&i| is_user_message(&items[i]));
    if drop.iter().all(|&i| matches!(items[i], Item::Compaction { .. })) {
        return None;
    }
    Some(Plan {
        keep_users,
        drop,
        tail_start,
    })
}

/// Moves `start` earlier until the tail splits no call from its output and
/// no model response.
fn settle(items: &[Item], mut start: usize) -> usize {
    let calls = call_index_of_outputs(items);
    loop {
        let before = start;
        let earliest_call = (start..items.len()).filter_map(|i| calls.get(&i).copied()).min();
        if let Some(call) = earliest_call {
            start = start.min(call);
        }
        while start > 0 && items[start].is_from_model() && items[start - 1].is_from_model() {
            start -= 1;
        }
        if start == before {
            return start;
        }
    }
}

/// For each output's index, the index of its call: the nearest earlier
/// call with the same id (ids may repeat across responses in scripted runs).
fn call_index_of_outputs(items: &[Item]) -> HashMap<usize, usize> {
    let mut latest_call: HashMap<&str, usize> = HashMap::new();
    let mut pairs = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        match item {
            Item::ToolCall(call) => {
                latest_call.insert(call.call_id.as_str(), index);
            }
            Item::ToolOutput(output) => {
                if let Some(&call) = latest_call.get(output.call_id.as_str()) {
                    pairs.insert(index, call);
                }
            }
            Item::Message { .. } | Item::Reasoning { .. } | Item::Compaction { .. } => {}
        }
    }
    pairs
}

fn is_user_message(item: &Item) -> bool {
    matches!(item, Item::Message { role: Role::User, .. })
}

/// The compacted conversation: the kept user messages in order, then
/// `summary_item`, then the tail.
pub fn replacement(items: &[Item], plan: &Plan, summary_item: Item) -> Vec<Item> {
    let tail = items.get(plan.tail_start..).unwrap_or_default();
    let mut out = Vec::with_capacity(plan.keep_users.len() + 1 + tail.len());
    out.extend(plan.keep_users.iter().filter_map(|&i| items.get(i)).cloned());
    out.push(summary_item);
    out.extend_from_slice(tail);
    out
}

/// Number of model responses `items` stand for: each maximal run of
/// model-produced items is one, and an [`Item::Compaction`] resets the count
/// to the responses it replaced ([`jig_protocol::count_responses`], the rule
/// deterministic providers count by too).
pub fn responses_in(items: &[Item]) -> u64 {
    jig_protocol::count_responses(items)
}

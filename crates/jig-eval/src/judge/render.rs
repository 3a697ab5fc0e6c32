//! A trajectory rendered for a judge: compact text with every line led by
//! the number of the rollout record it comes from (`[12]`), so the judge can
//! cite records and a report can link its citations.
//!
//! What is shown: user and assistant messages, reasoning (cut), tool calls
//! with their arguments, their outputs cut head and tail, plan updates,
//! approvals, errors and how each turn ended; then the workspace's final
//! diff and the verifier's result. Deltas, usage and session metadata are
//! left out. A sample of several sessions (a multi-step task) numbers its
//! records on across the sessions, in order, so a number names one record.
//!
//! Invariant: the text never grows past [`MAX_RENDER_CHARS`]; when it
//! would, the middle of the trajectory is cut (its start and its end are
//! what a judge needs most), and [`Rendered::records`] keeps only the
//! numbers still shown, so a citation of a record the judge never saw is
//! refused.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use jig_protocol::{Event, Item, Role, RolloutRecord, TurnOutcome};

/// Most characters of a rendered trajectory.
pub const MAX_RENDER_CHARS: usize = 60_000;
/// Most characters of one message.
const MESSAGE_CHARS: usize = 3_000;
/// Most characters of a tool call's arguments.
const ARGUMENT_CHARS: usize = 2_000;
/// Most characters of one tool output.
const OUTPUT_CHARS: usize = 1_500;
/// Most characters of reasoning.
const REASONING_CHARS: usize = 600;
/// Most characters of the final diff.
const DIFF_CHARS: usize = 12_000;

/// A rendered trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The text the judge reads.
    pub text: String,
    /// The record numbers shown in it, which a judge may cite.
    pub records: BTreeSet<u64>,
}

/// One line of the trajectory, before the length cut.
struct Line {
    record: u64,
    text: String,
}

/// Renders the sessions of one sample (in order), the workspace's final
/// diff and the verifier's result.
pub fn render(sessions: &[Vec<RolloutRecord>], diff: Option<&str>, outcome: &str) -> Rendered {
    let mut lines = Vec::new();
    let mut offset = 0u64;
    for (step, records) in sessions.iter().enumerate() {
        if sessions.len() > 1 {
            lines.push(Line {
                record: offset,
                text: format!("--- session {} of {} ---", step + 1, sessions.len()),
            });
        }
        session_lines(records, offset, &mut lines);
        offset += records.len() as u64;
    }
    let budget = MAX_RENDER_CHARS.saturating_sub(DIFF_CHARS + outcome.len() + 200);
    let kept = cut_middle(lines, budget);
    let mut text = String::from("## Trajectory (each line starts with the number of its record)\n");
    let mut records = BTreeSet::new();
    for line in &kept {
        if let Some(line) = line {
            records.insert(line.record);
            let _ = writeln!(text, "[{}] {}", line.record, line.text);
        } else {
            text.push_str("[…] (the middle of the trajectory is left out for length)\n");
        }
    }
    text.push_str("\n## Final diff of the workspace\n");
    match diff {
        Some(diff) if !diff.trim().is_empty() => {
            text.push_str(&head_tail(diff, DIFF_CHARS));
            if !diff.ends_with('\n') {
                text.push('\n');
            }
        }
        Some(_) => text.push_str("(no changes)\n"),
        None => text.push_str("(not recorded)\n"),
    }
    text.push_str("\n## Verifier\n");
    text.push_str(outcome);
    text.push('\n');
    Rendered { text, records }
}

fn session_lines(records: &[RolloutRecord], offset: u64, lines: &mut Vec<Line>) {
    let mut tools: HashMap<&str, &str> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let record_no = offset + index as u64;
        let mut push = |text: String| {
            lines.push(Line {
                record: record_no,
                text,
            })
        };
        match record {
            RolloutRecord::SessionMeta(_) => {}
            RolloutRecord::Item { item } => item_line(item, &tools, &mut push),
            RolloutRecord::Response { items, .. } => {
                for item in items {
                    if let Item::ToolCall(call) = item {
                        tools.insert(&call.call_id, &call.name);
                    }
                    item_line(item, &tools, &mut push);
                }
            }
            RolloutRecord::Compaction { dropped, .. } => {
                push(format!(
                    "(context compacted: {dropped} older items replaced by a summary)"
                ));
            }
            RolloutRecord::Event { event } => event_line(event, &mut push),
            RolloutRecord::Checkpoint(_) => {}
            RolloutRecord::Undo(undo) => push(format!(
                "(a person undid tool calls {} with jig undo)",
                undo.undone.join(", ")
            )),
        }
    }
}

fn item_line(item: &Item, tools: &HashMap<&str, &str>, push: &mut impl FnMut(String)) {
    match item {
        Item::Message { role, text } => {
            let who = match role {
                Role::System => "system",
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            if !text.trim().is_empty() {
                push(format!("{who}: {}", head_tail(text, MESSAGE_CHARS)));
            }
        }
        Item::Reasoning { text, .. } if !text.trim().is_empty() => {
            push(format!("reasoning: {}", head_tail(text, REASONING_CHARS)));
        }
        Item::Reasoning { .. } => {}
        Item::ToolCall(call) => {
            push(format!(
                "tool call {} ({}): {}",
                call.name,
                call.call_id,
                head_tail(&call.arguments, ARGUMENT_CHARS)
            ));
        }
        Item::ToolOutput(output) => {
            let tool = tools.get(output.call_id.as_str()).copied().unwrap_or("?");
            let status = serde_json::to_value(output.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            push(format!(
                "tool output of {tool} ({}, {status}): {}",
                output.call_id,
                head_tail(&output.output, OUTPUT_CHARS)
            ));
        }
        Item::Compaction { summary, .. } => {
            push(format!("compaction summary: {}", head_tail(summary, MESSAGE_CHARS)));
        }
    }
}

fn event_line(event: &Event, push: &mut impl FnMut(String)) {
    match event {
        Event::PlanUpdated { plan, explanation } => {
            let steps: Vec<String> = plan
                .iter()
                .map(|step| {
                    let status = serde_json::to_value(step.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    format!("{} ({status})", step.step)
                })
                .collect();
            let note = explanation.as_deref().map(|e| format!(" — {e}")).unwrap_or_default();
            push(format!("plan: {}{note}", steps.join("; ")));
        }
        Event::ApprovalRequested { command, reason, .. } => {
            push(format!("approval asked for `{}`: {reason}", head_tail(command, 300)));
        }
        Event::ApprovalDecided { decision, .. } => {
            push(format!(
                "approval decided: {}",
                serde_json::to_string(decision).unwrap_or_default()
            ));
        }
        Event::Error { message } => push(format!("error: {}", head_tail(message, 500))),
        Event::TurnCompleted { outcome, .. } => {
            let how = match outcome {
                TurnOutcome::Completed => "completed".to_owned(),
                TurnOutcome::MaxTurns { limit } => format!("stopped at its limit of {limit} model requests"),
                TurnOutcome::BudgetExceeded { .. } => "stopped at its budget".to_owned(),
                TurnOutcome::Interrupted => "interrupted".to_owned(),
                TurnOutcome::Failed { error, .. } => format!("failed: {}", head_tail(error, 300)),
            };
            push(format!("turn ended: {how}"));
        }
        _ => {}
    }
}

/// Keeps whole lines from the start and the end within `budget` characters;
/// `None` marks the cut.
fn cut_middle(lines: Vec<Line>, budget: usize) -> Vec<Option<Line>> {
    let size = |line: &Line| line.text.len() + 12;
    let total: usize = lines.iter().map(size).sum();
    if total <= budget {
        return lines.into_iter().map(Some).collect();
    }
    let half = budget / 2;
    let mut head_len = 0;
    let mut head = 0;
    while head < lines.len() && head_len + size(&lines[head]) <= half {
        head_len += size(&lines[head]);
        head += 1;
    }
    let mut tail_len = 0;
    let mut tail = lines.len();
    while tail > head && tail_len + size(&lines[tail - 1]) <= budget - head_len {
        tail_len += size(&lines[tail - 1]);
        tail -= 1;
    }
    let mut kept = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        if i < head || i >= tail {
            kept.push(Some(line));
        } else if i == head {
            kept.push(None);
        }
    }
    kept
}

/// `text` cut to about `max` characters: its head and tail with a marker
/// saying how much was left out.
pub fn head_tail(text: &str, max: usize) -> String {
    let chars = text.chars().count();
    if chars <= max {
        return text.to_owned();
    }
    let keep = max / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(chars - keep).collect();
    format!("{head}\n… ({} characters left out) …\n{tail}", chars - 2 * keep)
}

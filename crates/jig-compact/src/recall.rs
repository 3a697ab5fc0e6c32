//! The `recall` tool: brings back details that compaction moved out of the
//! context.
//!
//! It streams the session's `rollout.jsonl` one line at a time and matches
//! the query against the ledgers of `Compaction` records and against every
//! original tool call with its output (and every message). It answers with
//! the matching ledger entries and the best-matching originals, most recent
//! first, each output cut with [`head_tail`] to [`OUTPUT_BYTES`].
//!
//! Invariants: memory stays bounded by the result limit and the calls still
//! waiting for their output — the rollout is never read whole; a line that
//! does not parse (a torn last line, a record from a newer jig) is skipped,
//! never fatal. This tool must not write anything: it is read-only, and the
//! rollout is the session's, not its own.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

use jig_protocol::{
    Item, LedgerEntry, LedgerKind, RolloutRecord, ToolCall, ToolFormat, ToolOutput, ToolSpec, ToolStatus,
};
use jig_tools::truncate::head_tail;
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;

use crate::ledger::ledger;

/// Results when the model gives no `limit`.
pub const DEFAULT_LIMIT: usize = 5;
/// Most results one call returns; larger limits are lowered to it.
pub const MAX_LIMIT: usize = 20;
/// Bytes of each original output shown.
pub const OUTPUT_BYTES: usize = 4096;
/// Bytes of each original call's arguments shown.
const ARGUMENT_BYTES: usize = 1024;

/// Searches the session's history, dropped items included.
#[derive(Debug, Clone)]
pub struct RecallTool {
    rollout: PathBuf,
}

impl RecallTool {
    /// A recall tool over the session's `rollout.jsonl` at `rollout`.
    pub fn new(rollout: impl Into<PathBuf>) -> Self {
        RecallTool {
            rollout: rollout.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecallArgs {
    query: String,
    kind: Option<LedgerKind>,
    limit: Option<usize>,
}

const DESCRIPTION: &str = "\
Look up details of this session that compaction moved out of your context: a file's content as it was read, \
a command's full output, an error, a URL. The summary's Ledger line names what was dropped; recall returns the \
originals. `query` is matched case-insensitively against paths, commands, call arguments and output text; every \
word must match. `kind` narrows to read, write, command, error or url. Returns matching ledger entries and the \
best-matching original calls with their output (most recent first). Read files again instead when you need \
their current content.";

#[async_trait::async_trait]
impl Tool for RecallTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "recall".to_string(),
            description: DESCRIPTION.to_string(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {
                    "query": {
                        "type": "string",
                        "description": "Words to look for: a path, part of a command, an error message, an identifier."
                    },
                    "kind": {
                        "type": "string",
                        "enum": ["read", "write", "command", "error", "url"],
                        "description": "Only this kind of ledger entry and call."
                    },
                    "limit": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "description": "Most results of each sort. Default 5."
                    }
                },
                "required": ["query"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, _ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: RecallArgs = parse_args("recall", args)?;
        let terms: Vec<String> = args.query.split_whitespace().map(str::to_lowercase).collect();
        if terms.is_empty() {
            return Err(ToolError::RespondToModel(
                "recall needs a query: pass a path, command or words from the output you want back".to_string(),
            ));
        }
        let query = Query {
            text: args.query.trim().to_string(),
            terms,
            kind: args.kind,
            limit: args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        };
        let path = self.rollout.clone();
        let found = tokio::task::spawn_blocking(move || search(&path, &query).map(|found| found.render(&query)))
            .await
            .map_err(|err| ToolError::Fatal(format!("recall stopped unexpectedly: {err}")))?;
        match found {
            Ok(text) => Ok(ToolResult::ok(text)),
            Err(err) if err.kind() == ErrorKind::NotFound => {
                Ok(ToolResult::ok("nothing to recall: this session has no history yet"))
            }
            Err(err) => Err(ToolError::RespondToModel(format!(
                "cannot read the session history {}: {err}; continue without recall",
                self.rollout.display()
            ))),
        }
    }
}

/// What to look for.
struct Query {
    text: String,
    terms: Vec<String>,
    kind: Option<LedgerKind>,
    limit: usize,
}

impl Query {
    /// Score of a call (or message) whose searchable text is `primary`
    /// (name and arguments, weighing double) and `secondary` (output); `0`
    /// unless every term occurs in one of them.
    fn score(&self, primary: &str, secondary: &str) -> u32 {
        let (primary, secondary) = (primary.to_lowercase(), secondary.to_lowercase());
        let mut score = 0;
        for term in &self.terms {
            if primary.contains(term.as_str()) {
                score += 2;
            } else if secondary.contains(term.as_str()) {
                score += 1;
            } else {
                return 0;
            }
        }
        score
    }

    fn matches_entry(&self, entry: &LedgerEntry) -> bool {
        if self.kind.is_some_and(|kind| kind != entry.kind) {
            return false;
        }
        let text = format!("{} {}", entry.value, entry.detail.as_deref().unwrap_or_default()).to_lowercase();
        self.terms.iter().all(|term| text.contains(term.as_str()))
    }

    fn matches_kind(&self, items: &[Item]) -> bool {
        self.kind
            .is_none_or(|kind| ledger(items).iter().any(|entry| entry.kind == kind))
    }
}

/// An original the search kept.
struct Candidate {
    /// Rollout line it completed on; larger is more recent.
    seq: usize,
    score: u32,
    body: Body,
    /// The compaction that dropped it, if one did.
    dropped_by: Option<u64>,
}

enum Body {
    Pair(ToolCall, Option<ToolOutput>),
    Message(Item),
}

/// What a pass over the rollout found.
#[derive(Default)]
struct Found {
    entries: VecDeque<(LedgerEntry, u64)>,
    entries_matched: usize,
    candidates: Vec<Candidate>,
    candidates_matched: usize,
}

impl Found {
    fn offer(&mut self, candidate: Candidate, limit: usize) {
        self.candidates_matched += 1;
        self.candidates.push(candidate);
        if self.candidates.len() > limit
            && let Some((worst, _)) = self.candidates.iter().enumerate().min_by_key(|(_, c)| (c.score, c.seq))
        {
            self.candidates.swap_remove(worst);
        }
    }

    /// Marks the kept originals that compaction `id` left out of `replacement`.
    fn compacted(&mut self, id: u64, replacement: &[Item]) {
        let kept_calls: HashSet<&str> = replacement
            .iter()
            .filter_map(|item| match item {
                Item::ToolCall(call) => Some(call.call_id.as_str()),
                _ => None,
            })
            .collect();
        for candidate in self.candidates.iter_mut().filter(|c| c.dropped_by.is_none()) {
            let kept = match &candidate.body {
                Body::Pair(call, _) => kept_calls.contains(call.call_id.as_str()),
                Body::Message(message) => replacement.contains(message),
            };
            if !kept {
                candidate.dropped_by = Some(id);
            }
        }
    }
}

/// One pass over the rollout at `path`.
fn search(path: &Path, query: &Query) -> std::io::Result<Found> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut found = Found::default();
    let mut pending: HashMap<String, ToolCall> = HashMap::new();
    let mut line = Vec::new();
    let mut seq = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        seq += 1;
        // Events are most of a rollout and hold nothing recall returns.
        if line.starts_with(br#"{"type":"event""#) {
            continue;
        }
        let Ok(record) = serde_json::from_slice::<RolloutRecord>(&line) else {
            continue;
        };
        match record {
            RolloutRecord::Item { item } => take_item(item, seq, query, &mut pending, &mut found),
            RolloutRecord::Response { items, .. } => {
                for item in items {
                    take_item(item, seq, query, &mut pending, &mut found);
                }
            }
            RolloutRecord::Compaction {
                id,
                replacement,
                ledger,
                ..
            } => {
                found.compacted(id, &replacement);
                for entry in ledger.into_iter().filter(|entry| query.matches_entry(entry)) {
                    found.entries_matched += 1;
                    found.entries.push_back((entry, id));
                    if found.entries.len() > query.limit {
                        found.entries.pop_front();
                    }
                }
            }
            RolloutRecord::SessionMeta(_)
            | RolloutRecord::Event { .. }
            | RolloutRecord::Checkpoint(_)
            | RolloutRecord::Undo(_) => {}
        }
    }
    // Calls that never got an output still count.
    for (_, call) in pending {
        offer_pair(call, None, seq, query, &mut found);
    }
    Ok(found)
}

fn take_item(item: Item, seq: usize, query: &Query, pending: &mut HashMap<String, ToolCall>, found: &mut Found) {
    match item {
        Item::ToolCall(call) => {
            pending.insert(call.call_id.clone(), call);
        }
        Item::ToolOutput(output) => {
            if let Some(call) = pending.remove(&output.call_id) {
                offer_pair(call, Some(output), seq, query, found);
            }
        }
        Item::Message { ref text, .. } => {
            let score = query.score(text, "");
            if score > 0 && query.matches_kind(std::slice::from_ref(&item)) {
                let candidate = Candidate {
                    seq,
                    score,
                    body: Body::Message(item),
                    dropped_by: None,
                };
                found.offer(candidate, query.limit);
            }
        }
        Item::Reasoning { .. } | Item::Compaction { .. } => {}
    }
}

fn offer_pair(call: ToolCall, output: Option<ToolOutput>, seq: usize, query: &Query, found: &mut Found) {
    let primary = format!("{} {}", call.name, call.arguments);
    let score = query.score(&primary, output.as_ref().map_or("", |o| o.output.as_str()));
    if score == 0 {
        return;
    }
    if query.kind.is_some() {
        let mut items = vec![Item::ToolCall(call.clone())];
        items.extend(output.clone().map(Item::ToolOutput));
        if !query.matches_kind(&items) {
            return;
        }
    }
    let candidate = Candidate {
        seq,
        score,
        body: Body::Pair(call, output),
        dropped_by: None,
    };
    found.offer(candidate, query.limit);
}

impl Found {
    fn render(mut self, query: &Query) -> String {
        let kind = query
            .kind
            .map(|kind| format!(" (kind {})", kind_name(kind)))
            .unwrap_or_default();
        if self.entries.is_empty() && self.candidates.is_empty() {
            return format!(
                "no match for \"{}\"{kind} in this session's history; try broader or fewer words \
                 (a file name without its directory, one word of the command or error){}",
                query.text,
                if query.kind.is_some() {
                    ", or leave out kind"
                } else {
                    ""
                }
            );
        }
        let mut out = String::new();
        if !self.entries.is_empty() {
            out.push_str(&format!(
                "Ledger entries matching \"{}\"{kind}, most recent first:\n",
                query.text
            ));
            for (entry, id) in self.entries.iter().rev() {
                out.push_str(&render_entry(entry, *id));
            }
            note_more(&mut out, self.entries.len(), self.entries_matched);
        }
        if !self.candidates.is_empty() {
            self.candidates.sort_by_key(|c| std::cmp::Reverse(c.seq));
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str("Original calls and messages, best matches, most recent first:\n");
            for candidate in &self.candidates {
                out.push_str(&render_candidate(candidate));
            }
            note_more(&mut out, self.candidates.len(), self.candidates_matched);
        }
        out
    }
}

fn note_more(out: &mut String, shown: usize, matched: usize) {
    if matched > shown {
        out.push_str(&format!(
            "({shown} of {matched} matches shown; narrow the query or raise limit, up to {MAX_LIMIT})\n"
        ));
    }
}

fn kind_name(kind: LedgerKind) -> &'static str {
    match kind {
        LedgerKind::Read => "read",
        LedgerKind::Write => "write",
        LedgerKind::Command => "command",
        LedgerKind::Error => "error",
        LedgerKind::Url => "url",
    }
}

fn render_entry(entry: &LedgerEntry, compaction: u64) -> String {
    let mut line = format!("- {} {}", kind_name(entry.kind), entry.value.replace('\n', "\n  "));
    if let Some(detail) = &entry.detail {
        line.push_str(&format!(" [{detail}]"));
    }
    line.push_str(" (");
    if let Some(call_id) = &entry.call_id {
        line.push_str(&format!("call_id {call_id}, "));
    }
    line.push_str(&format!("compaction #{compaction})\n"));
    line
}

fn render_candidate(candidate: &Candidate) -> String {
    let when = match candidate.dropped_by {
        Some(id) => format!("compaction #{id}"),
        None => "still in context".to_string(),
    };
    match &candidate.body {
        Body::Pair(call, output) => {
            let mut text = format!(
                "\n=== call_id {} · {} · {when}\narguments: {}\n",
                call.call_id,
                call.name,
                head_tail(&call.arguments, ARGUMENT_BYTES).trim_end()
            );
            match output {
                Some(output) => {
                    let status = match output.status {
                        ToolStatus::Ok => "ok",
                        ToolStatus::Error => "error",
                        ToolStatus::Interrupted => "interrupted",
                    };
                    text.push_str(&format!(
                        "output ({status}):\n{}",
                        head_tail(&output.output, OUTPUT_BYTES)
                    ));
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                }
                None => text.push_str("output: none (the call never finished)\n"),
            }
            text
        }
        Body::Message(item) => {
            let (role, body) = match item {
                Item::Message { role, text } => (format!("{role:?}").to_lowercase(), text.as_str()),
                _ => (String::from("item"), ""),
            };
            let mut text = format!("\n=== {role} message · {when}\n{}", head_tail(body, OUTPUT_BYTES));
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
    }
}

//! What dropped items touched, and the short digest of it the summary carries.
//!
//! [`ledger`] reads tool calls of every dialect jig speaks — generic
//! (`shell`, `read_file`, `apply_patch`, `search`, `list_dir`, `edit_file`,
//! `write_file`), codex (`exec_command`, with `apply_patch` heredocs), codex
//! legacy (`shell` argv, freeform `apply_patch`) and claude (`Bash`, `Read`,
//! `Edit`, `Write`, …) — and records reads, writes, commands with their exit
//! codes, errors and URLs. [`digest`] renders it as one paragraph, most
//! recent first, cut to a character budget.
//!
//! Invariants: the ledger is in the order things happened, holds each
//! `(kind, value, detail)` once (the latest occurrence, with its `call_id`),
//! and never invents a path or exit code that the items do not contain: a
//! call whose arguments do not parse contributes nothing, and an edit or
//! patch that failed (status `error`; they apply atomically) writes nothing.
//! An error entry is the output's first line, except for commands, whose
//! output opens with a status header: there it is the first line naming an
//! error, else the last line. This module must
//! not read files or the rollout; it only looks at the items it is given.

use std::collections::{HashMap, HashSet};

use jig_protocol::{Item, LedgerEntry, LedgerKind, ToolCall, ToolOutput, ToolStatus};
use serde_json::Value;

/// Characters of a command or error kept in the digest.
const DIGEST_ITEM_CHARS: usize = 80;
/// Characters of an error line kept in the ledger.
const ERROR_CHARS: usize = 200;

/// The ledger of `dropped`: one entry per file read or written, command run,
/// error reported and URL seen, oldest first, deduplicated.
pub fn ledger(dropped: &[Item]) -> Vec<LedgerEntry> {
    let outputs: HashMap<&str, &ToolOutput> = dropped
        .iter()
        .filter_map(|item| match item {
            Item::ToolOutput(output) => Some((output.call_id.as_str(), output)),
            _ => None,
        })
        .collect();
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut entries = Vec::new();
    for item in dropped {
        match item {
            Item::Message { text, .. } => entries.extend(urls(text).map(|url| entry(LedgerKind::Url, url, None, None))),
            Item::ToolCall(call) => {
                names.insert(&call.call_id, &call.name);
                call_entries(call, outputs.get(call.call_id.as_str()).copied(), &mut entries);
            }
            Item::ToolOutput(output) => {
                let name = names.get(output.call_id.as_str()).copied();
                output_entries(output, name, &mut entries);
            }
            Item::Reasoning { .. } | Item::Compaction { .. } => {}
        }
    }
    dedup_keep_latest(entries)
}

fn entry(kind: LedgerKind, value: impl Into<String>, detail: Option<String>, call_id: Option<&str>) -> LedgerEntry {
    LedgerEntry {
        kind,
        value: value.into(),
        detail,
        call_id: call_id.map(str::to_string),
    }
}

/// Reads, writes and commands of one call.
fn call_entries(call: &ToolCall, output: Option<&ToolOutput>, entries: &mut Vec<LedgerEntry>) {
    let args: Option<Value> = serde_json::from_str(&call.arguments).ok();
    let id = Some(call.call_id.as_str());
    // Edits and patches apply atomically: an error means nothing was written.
    let wrote = output.is_none_or(|output| output.status != ToolStatus::Error);
    let field = |names: &[&str]| -> Option<String> {
        let args = args.as_ref()?;
        names
            .iter()
            .find_map(|name| args.get(name)?.as_str().map(str::to_string))
    };
    match call.name.as_str() {
        "read_file" | "Read" | "list_dir" | "LS" | "search" | "Grep" | "Glob" | "view_image" => {
            if let Some(path) = field(&["path", "file_path"]) {
                entries.push(entry(LedgerKind::Read, path, None, id));
            }
        }
        "edit_file" | "write_file" | "Edit" | "MultiEdit" | "Write" | "NotebookEdit" => {
            if let Some(path) = field(&["path", "file_path", "notebook_path"])
                && wrote
            {
                entries.push(entry(LedgerKind::Write, path, None, id));
            }
        }
        "apply_patch" => {
            // Function form `{input}`, a JSON string, or freeform raw text.
            let text = field(&["input"])
                .or_else(|| args.as_ref().and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| call.arguments.clone());
            let paths = if wrote { patch_paths(&text) } else { None };
            for path in paths.unwrap_or_default() {
                entries.push(entry(LedgerKind::Write, path, None, id));
            }
        }
        "shell" | "exec_command" | "Bash" | "local_shell" => {
            let Some(command) = args.as_ref().and_then(command_of) else {
                return;
            };
            match command_patch_paths(&command) {
                Some(paths) => {
                    let paths = paths.into_iter().filter(|_| wrote);
                    entries.extend(paths.map(|path| entry(LedgerKind::Write, path, None, id)));
                }
                None => {
                    let detail = output.and_then(|output| exit_detail(&call.name, output));
                    entries.push(entry(LedgerKind::Command, command.display(), detail, id));
                }
            }
        }
        _ => {}
    }
}

/// A command as the model wrote it.
enum Command {
    Script(String),
    Argv(Vec<String>),
}

impl Command {
    fn display(&self) -> String {
        match self {
            Command::Script(script) => script.clone(),
            Command::Argv(argv) => argv.join(" "),
        }
    }
}

fn command_of(args: &Value) -> Option<Command> {
    let value = args.get("command").or_else(|| args.get("cmd"))?;
    match value {
        Value::String(script) => Some(Command::Script(script.clone())),
        Value::Array(parts) => {
            let argv: Option<Vec<String>> = parts.iter().map(|part| part.as_str().map(str::to_string)).collect();
            argv.map(Command::Argv)
        }
        _ => None,
    }
}

/// The files a command's patch touches, when the command is an `apply_patch`
/// (a heredoc in a script, or `["apply_patch", PATCH]` / `["bash", "-lc",
/// "apply_patch <<'EOF' …"]` as argv).
fn command_patch_paths(command: &Command) -> Option<Vec<String>> {
    match command {
        Command::Script(script) => patch_paths(script),
        Command::Argv(argv) => argv.iter().find_map(|part| patch_paths(part)),
    }
}

/// Every path a patch names (moves give both ends); `None` when `text` is
/// no `apply_patch` patch.
fn patch_paths(text: &str) -> Option<Vec<String>> {
    if !text.contains("*** Begin Patch") {
        return None;
    }
    let patch = jig_patch::parse_patch(text).ok()?;
    let mut paths = Vec::new();
    for hunk in &patch.hunks {
        match hunk {
            jig_patch::FileHunk::Add { path, .. } | jig_patch::FileHunk::Delete { path } => {
                paths.push(path.display().to_string());
            }
            jig_patch::FileHunk::Update { path, move_to, .. } => {
                paths.push(path.display().to_string());
                paths.extend(move_to.iter().map(|to| to.display().to_string()));
            }
        }
    }
    Some(paths)
}

/// `exit N` (or how else the command ended) from a shell tool's output.
fn exit_detail(tool: &str, output: &ToolOutput) -> Option<String> {
    let parse = |line: &str| {
        let line = line.trim();
        ["exit code: ", "Exit code: ", "Process exited with code ", "Exit code "]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))
            .map(str::to_string)
    };
    // Claude's Bash puts the code last, the others in a header.
    let code = if tool == "Bash" {
        output.output.lines().rev().find_map(parse)
    } else {
        output.output.lines().find_map(parse)
    };
    match code {
        Some(code) if code.parse::<i64>().is_ok() => Some(format!("exit {code}")),
        Some(other) => Some(other),
        // Claude's Bash prints an exit code only when it is not zero.
        None if tool == "Bash" && output.status == ToolStatus::Ok => Some("exit 0".to_string()),
        None if output.status == ToolStatus::Interrupted => Some("interrupted".to_string()),
        None => None,
    }
}

/// URLs and the error of one output.
fn output_entries(output: &ToolOutput, tool: Option<&str>, entries: &mut Vec<LedgerEntry>) {
    let id = Some(output.call_id.as_str());
    if matches!(output.status, ToolStatus::Error | ToolStatus::Interrupted)
        && let Some(line) = error_line(&output.output, tool)
    {
        entries.push(entry(
            LedgerKind::Error,
            clip(line, ERROR_CHARS),
            Some(tool.unwrap_or("unknown tool").to_string()),
            id,
        ));
    }
    entries.extend(urls(&output.output).map(|url| entry(LedgerKind::Url, url, None, id)));
}

/// The line that says what went wrong: the first line for most tools; for
/// commands, whose output starts with a status header, the first line
/// naming an error, else the last line of output.
fn error_line<'a>(output: &'a str, tool: Option<&str>) -> Option<&'a str> {
    let mut lines = output.lines().map(str::trim).filter(|line| !line.is_empty());
    if !matches!(tool, Some("shell" | "exec_command" | "Bash" | "local_shell")) {
        return lines.next();
    }
    let content: Vec<&str> = lines.filter(|line| !is_status_line(line)).collect();
    let named = content.iter().find(|line| {
        let lower = line.to_lowercase();
        ["error", "fail", "panic", "not found", "denied"]
            .iter()
            .any(|word| lower.contains(word))
    });
    named.or(content.last()).copied()
}

/// Header lines the shell tools put around a command's output.
fn is_status_line(line: &str) -> bool {
    [
        "exit code",
        "Exit code",
        "wall time",
        "Wall time",
        "Process exited",
        "Process running",
        "Chunk ID:",
        "Original token count:",
        "Output:",
    ]
    .iter()
    .any(|prefix| line.starts_with(prefix))
}

/// `http://` and `https://` URLs in `text`, without trailing punctuation.
pub(crate) fn urls(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = match (rest.find("http://"), rest.find("https://")) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return None,
            };
            let candidate = &rest[start..];
            let end = candidate
                .find(|c: char| c.is_whitespace() || "\"'<>`()[]{}|\\^".contains(c))
                .unwrap_or(candidate.len());
            let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            rest = &candidate[end.max(1)..];
            if url.len() > "https://".len() && !url.ends_with("://") {
                return Some(url);
            }
        }
    })
}

/// Drops repeated `(kind, value, detail)`, keeping the latest occurrence
/// in its place so the order stays chronological.
fn dedup_keep_latest(entries: Vec<LedgerEntry>) -> Vec<LedgerEntry> {
    let mut seen = HashSet::new();
    let mut kept: Vec<LedgerEntry> = entries
        .into_iter()
        .rev()
        .filter(|e| seen.insert((e.kind, e.value.clone(), e.detail.clone())))
        .collect();
    kept.reverse();
    kept
}

fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// One paragraph naming what `ledger` holds, most recent first within each
/// group — files written, files read, commands with exit codes, errors,
/// URLs — at most `max_chars` characters. What does not fit is counted in a
/// closing `… and N more; use recall`. An empty ledger gives
/// `nothing recorded.`
pub fn digest(ledger: &[LedgerEntry], max_chars: usize) -> String {
    if ledger.is_empty() {
        return clip_exact("nothing recorded.", max_chars);
    }
    let groups = [
        (LedgerKind::Write, "Files written"),
        (LedgerKind::Read, "Files read"),
        (LedgerKind::Command, "Commands"),
        (LedgerKind::Error, "Errors"),
        (LedgerKind::Url, "URLs"),
    ];
    let mut fragments: Vec<(&str, String)> = Vec::new();
    for (kind, title) in groups {
        for e in ledger.iter().rev().filter(|e| e.kind == kind) {
            fragments.push((title, render(e)));
        }
    }
    let total = fragments.len();
    let mut out = String::new();
    let mut out_chars = 0;
    let mut current: Option<&str> = None;
    let mut shown = 0;
    for (title, fragment) in &fragments {
        let piece = match current {
            Some(open) if open == *title => format!(", {fragment}"),
            Some(_) => format!(". {title}: {fragment}"),
            None => format!("{title}: {fragment}"),
        };
        let omitted_after = total - shown - 1;
        let suffix = if omitted_after == 0 {
            ".".to_string()
        } else {
            more(omitted_after)
        };
        let piece_chars = piece.chars().count();
        if out_chars + piece_chars + suffix.chars().count() > max_chars {
            break;
        }
        out.push_str(&piece);
        out_chars += piece_chars;
        current = Some(title);
        shown += 1;
    }
    let rest = total - shown;
    if rest == 0 {
        out.push('.');
    } else {
        out.push_str(&more(rest));
    }
    clip_exact(out.trim_start_matches(". ").trim_start(), max_chars)
}

fn more(n: usize) -> String {
    format!(". … and {n} more; use recall.")
}

fn render(e: &LedgerEntry) -> String {
    match e.kind {
        LedgerKind::Command => {
            let first_line = e.value.lines().next().unwrap_or_default();
            let mut command = clip(first_line, DIGEST_ITEM_CHARS);
            if e.value.lines().nth(1).is_some() && !command.ends_with('…') {
                command.push('…');
            }
            match &e.detail {
                Some(detail) => format!("`{command}` ({detail})"),
                None => format!("`{command}`"),
            }
        }
        LedgerKind::Error => {
            let text = clip(&e.value, DIGEST_ITEM_CHARS);
            match &e.detail {
                Some(tool) => format!("{tool}: {text}"),
                None => text,
            }
        }
        LedgerKind::Read | LedgerKind::Write | LedgerKind::Url => e.value.clone(),
    }
}

/// `text` cut to at most `max_chars` characters, with no marker (the
/// budget is a hard limit).
fn clip_exact(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

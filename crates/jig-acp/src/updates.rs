//! jig's events and conversation items as ACP `session/update`s.
//!
//! Pure translation, no I/O: a [`Tracker`] turns the root session's events
//! into updates as they arrive, and [`replay`] turns a recorded
//! conversation into the updates a client shows for `session/load`. What a
//! tool call looks like (kind, title, file locations, diffs) is read from
//! its name and arguments alone ([`tool_call`]), so a live call and a
//! replayed one look the same. Each tool call is announced once
//! (`tool_call`) and changed after with `tool_call_update`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use agent_client_protocol::v1::schema::{
    ContentBlock, ContentChunk, Cost, Diff, Plan, PlanEntry, PlanEntryPriority, PlanEntryStatus, SessionUpdate,
    ToolCall, ToolCallContent, ToolCallId, ToolCallLocation, ToolCallStatus, ToolCallUpdate, ToolCallUpdateFields,
    ToolKind, UsageUpdate,
};
use jig_protocol::{Event, Item, PlanStep, Role, StepStatus, ToolStatus};
use serde_json::Value;

/// Follows one session's events and says what the client should see.
#[derive(Debug)]
pub struct Tracker {
    cwd: PathBuf,
    /// The model's context window, for usage updates.
    context_window: u64,
    /// Calls the client has been told about, with their kind.
    announced: HashMap<String, ToolKind>,
    /// Whether the current assistant message arrived as deltas.
    streamed: bool,
}

impl Tracker {
    /// A tracker for a session whose workspace is `cwd` (relative paths in
    /// tool arguments are taken from there) and whose model's context
    /// window is `context_window` tokens.
    pub fn new(cwd: impl Into<PathBuf>, context_window: u64) -> Self {
        Tracker {
            cwd: cwd.into(),
            context_window,
            announced: HashMap::new(),
            streamed: false,
        }
    }

    /// The updates `event` makes.
    pub fn event(&mut self, event: &Event) -> Vec<SessionUpdate> {
        match event {
            Event::AgentMessageDelta { delta } => {
                self.streamed = true;
                vec![text_chunk(SessionUpdate::AgentMessageChunk, delta)]
            }
            Event::AgentReasoning { text } => vec![text_chunk(SessionUpdate::AgentThoughtChunk, text)],
            Event::AgentMessage { text } => {
                let streamed = std::mem::replace(&mut self.streamed, false);
                if streamed || text.is_empty() {
                    Vec::new()
                } else {
                    vec![text_chunk(SessionUpdate::AgentMessageChunk, text)]
                }
            }
            Event::ToolCallBegin {
                call_id,
                name,
                arguments,
            } => {
                let call = tool_call(call_id, name, arguments, &self.cwd).status(ToolCallStatus::InProgress);
                match self.announced.insert(call_id.clone(), call.kind) {
                    None => vec![SessionUpdate::ToolCall(call)],
                    Some(_) => vec![SessionUpdate::ToolCallUpdate(ToolCallUpdate::new(
                        ToolCallId::new(call_id.as_str()),
                        ToolCallUpdateFields::new()
                            .status(ToolCallStatus::InProgress)
                            .title(call.title)
                            .kind(call.kind)
                            .locations(call.locations)
                            .content(call.content)
                            .raw_input(call.raw_input),
                    ))],
                }
            }
            Event::ToolCallEnd {
                call_id,
                status,
                output,
                ..
            } => {
                let kind = self.announced.get(call_id).copied().unwrap_or(ToolKind::Other);
                vec![SessionUpdate::ToolCallUpdate(call_end(call_id, kind, *status, output))]
            }
            Event::PlanUpdated { plan, .. } => {
                vec![SessionUpdate::Plan(Plan::new(plan.iter().map(plan_entry).collect()))]
            }
            // What the context holds now: the last request and its answer.
            Event::TokenUsage { last, cost, .. } => {
                let used = last.input_tokens + last.output_tokens;
                let mut usage = UsageUpdate::new(used, self.context_window);
                if let Some(cost) = cost {
                    usage = usage.cost(Cost::new(cost.total_usd, "USD"));
                }
                vec![SessionUpdate::UsageUpdate(usage)]
            }
            _ => Vec::new(),
        }
    }

    /// A pending tool call for `call_id` when the client has not seen it
    /// yet: permission requests may come before the call begins.
    pub fn announce_command(&mut self, call_id: &str, command: &str) -> Option<SessionUpdate> {
        if self.announced.contains_key(call_id) {
            return None;
        }
        self.announced.insert(call_id.to_string(), ToolKind::Execute);
        Some(SessionUpdate::ToolCall(
            ToolCall::new(ToolCallId::new(call_id), command)
                .kind(ToolKind::Execute)
                .status(ToolCallStatus::Pending),
        ))
    }
}

fn text_chunk(make: fn(ContentChunk) -> SessionUpdate, text: &str) -> SessionUpdate {
    make(ContentChunk::new(ContentBlock::from(text)))
}

/// The update ending a call: its status, and its output as text (an edit
/// that worked keeps its diff instead).
fn call_end(call_id: &str, kind: ToolKind, status: ToolStatus, output: &str) -> ToolCallUpdate {
    let (status, keep_content) = match status {
        ToolStatus::Ok => (ToolCallStatus::Completed, kind == ToolKind::Edit),
        ToolStatus::Error | ToolStatus::Interrupted => (ToolCallStatus::Failed, false),
    };
    let mut fields = ToolCallUpdateFields::new()
        .status(status)
        .raw_output(Value::String(output.to_string()));
    if !keep_content {
        fields = fields.content(vec![ToolCallContent::from(output)]);
    }
    ToolCallUpdate::new(ToolCallId::new(call_id), fields)
}

fn plan_entry(step: &PlanStep) -> PlanEntry {
    let status = match step.status {
        StepStatus::Pending => PlanEntryStatus::Pending,
        StepStatus::InProgress => PlanEntryStatus::InProgress,
        StepStatus::Completed => PlanEntryStatus::Completed,
    };
    PlanEntry::new(step.step.clone(), PlanEntryPriority::Medium, status)
}

/// The kind of a tool, by the names jig's dialects give it.
pub fn kind(name: &str) -> ToolKind {
    match name {
        "shell" | "run_command" | "exec_command" | "write_stdin" | "Bash" | "BashOutput" | "KillShell"
        | "local_shell" => ToolKind::Execute,
        "read_file" | "Read" | "list_dir" | "LS" | "view_image" => ToolKind::Read,
        "apply_patch" | "applypatch" | "edit_file" | "write_file" | "Edit" | "MultiEdit" | "Write" | "NotebookEdit" => {
            ToolKind::Edit
        }
        "search" | "grep_files" | "Grep" | "Glob" | "rg" | "recall" => ToolKind::Search,
        "update_plan" | "TodoWrite" | "think" => ToolKind::Think,
        "web_fetch" | "WebFetch" | "web_search" | "WebSearch" => ToolKind::Fetch,
        _ => ToolKind::Other,
    }
}

/// How a call looks to the client, from its name and raw JSON arguments:
/// kind, a title, the files it touches, and a diff for edits.
pub fn tool_call(call_id: &str, name: &str, arguments: &str, cwd: &Path) -> ToolCall {
    let args: Value = serde_json::from_str(arguments).unwrap_or(Value::Null);
    let kind = kind(name);
    let path = str_arg(&args, &["path", "file_path", "notebook_path"]).map(|p| cwd.join(p));
    let mut locations: Vec<ToolCallLocation> = path.iter().map(ToolCallLocation::new).collect();
    let mut content = Vec::new();
    let title = match kind {
        ToolKind::Execute => command_text(&args).unwrap_or_else(|| name.to_string()),
        ToolKind::Search => match str_arg(&args, &["pattern", "query"]) {
            Some(pattern) => format!("Search {pattern}"),
            None => name.to_string(),
        },
        _ => match &path {
            Some(path) => format!("{} {}", verb(kind), shown(path, cwd)),
            None => name.to_string(),
        },
    };
    if kind == ToolKind::Edit {
        match (&path, str_arg(&args, &["content"]), str_arg(&args, &["old_string"])) {
            (Some(path), Some(new), _) => content.push(ToolCallContent::from(Diff::new(path, new))),
            (Some(path), None, Some(old)) => {
                let new = str_arg(&args, &["new_string"]).unwrap_or_default();
                content.push(ToolCallContent::from(Diff::new(path, new).old_text(old.to_string())));
            }
            _ => {}
        }
        if let Some(patch) = str_arg(&args, &["input", "patch"]).or_else(|| args.as_str()) {
            let files = patch_files(patch);
            locations.extend(files.iter().map(|f| ToolCallLocation::new(cwd.join(&f.path))));
            content.extend(
                files
                    .into_iter()
                    .map(|f| ToolCallContent::from(Diff::new(cwd.join(&f.path), f.new).old_text(f.old))),
            );
        }
    }
    let title = if kind == ToolKind::Edit && path.is_none() && !locations.is_empty() {
        let files: Vec<String> = locations.iter().map(|l| shown(&l.path, cwd)).collect();
        format!("Edit {}", files.join(", "))
    } else {
        title
    };
    ToolCall::new(ToolCallId::new(call_id), title)
        .kind(kind)
        .locations(locations)
        .content(content)
        .raw_input(args)
}

fn verb(kind: ToolKind) -> &'static str {
    match kind {
        ToolKind::Read => "Read",
        ToolKind::Edit => "Edit",
        _ => "Use",
    }
}

fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

fn str_arg<'a>(args: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|key| args.get(key).and_then(Value::as_str))
}

/// The command of a shell call: a string, or an argv shown joined.
fn command_text(args: &Value) -> Option<String> {
    let command = args.get("command").or_else(|| args.get("cmd"))?;
    match command {
        Value::String(text) => Some(text.clone()),
        Value::Array(argv) => {
            let words: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
            // `bash -lc SCRIPT` is shown as the script.
            match words.as_slice() {
                [shell, flag, script] if shell.ends_with("sh") && flag.starts_with('-') && flag.ends_with('c') => {
                    Some((*script).to_string())
                }
                _ => Some(words.join(" ")),
            }
        }
        _ => None,
    }
}

/// One file of a `*** Begin Patch` patch, as a diff of the lines its
/// hunks show (an added file has no old text).
#[derive(Debug, PartialEq)]
struct PatchFile {
    path: String,
    old: Option<String>,
    new: String,
}

/// The files a patch touches, each once, with the text its hunks show
/// before and after (context and removed lines, context and added lines).
fn patch_files(patch: &str) -> Vec<PatchFile> {
    let mut files: Vec<PatchFile> = Vec::new();
    for line in patch.lines() {
        let header = |prefix: &str| line.strip_prefix(prefix).map(|p| p.trim().to_string());
        if let Some(path) = header("*** Add File: ") {
            files.push(PatchFile {
                path,
                old: None,
                new: String::new(),
            });
        } else if let Some(path) = header("*** Update File: ").or_else(|| header("*** Delete File: ")) {
            files.push(PatchFile {
                path,
                old: Some(String::new()),
                new: String::new(),
            });
        } else if let Some(path) = header("*** Move to: ") {
            if let Some(file) = files.last_mut() {
                file.path = path;
            }
        } else if line.starts_with("***") || line.starts_with("@@") {
            continue;
        } else if let Some(file) = files.last_mut() {
            let (mark, text) = line.split_at(line.len().min(1));
            if mark != "+"
                && let Some(old) = file.old.as_mut()
            {
                old.push_str(text);
                old.push('\n');
            }
            if mark != "-" {
                file.new.push_str(text);
                file.new.push('\n');
            }
        }
    }
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(f.path.clone()));
    files
}

/// The updates that show a recorded conversation: user and assistant
/// messages, reasoning as thoughts, and each tool call with its outcome.
pub fn replay(items: &[Item], cwd: &Path) -> Vec<SessionUpdate> {
    let mut kinds: HashMap<&str, ToolKind> = HashMap::new();
    let mut updates = Vec::new();
    for item in items {
        match item {
            Item::Message { role: Role::User, text } => updates.push(text_chunk(SessionUpdate::UserMessageChunk, text)),
            Item::Message {
                role: Role::Assistant,
                text,
            } => updates.push(text_chunk(SessionUpdate::AgentMessageChunk, text)),
            Item::Message { role: Role::System, .. } => {}
            Item::Reasoning { text, .. } if !text.is_empty() => {
                updates.push(text_chunk(SessionUpdate::AgentThoughtChunk, text));
            }
            Item::Reasoning { .. } => {}
            Item::ToolCall(call) => {
                let shown =
                    tool_call(&call.call_id, &call.name, &call.arguments, cwd).status(ToolCallStatus::InProgress);
                kinds.insert(&call.call_id, shown.kind);
                updates.push(SessionUpdate::ToolCall(shown));
            }
            Item::ToolOutput(output) => {
                let kind = kinds.get(output.call_id.as_str()).copied().unwrap_or(ToolKind::Other);
                updates.push(SessionUpdate::ToolCallUpdate(call_end(
                    &output.call_id,
                    kind,
                    output.status,
                    &output.output,
                )));
            }
            Item::Compaction { summary, .. } => {
                updates.push(text_chunk(
                    SessionUpdate::AgentThoughtChunk,
                    &Item::compaction_text(summary),
                ));
            }
        }
    }
    updates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_call_is_executed_and_titled_by_its_script() {
        let call = tool_call("c1", "shell", r#"{"command":["bash","-lc","ls -la"]}"#, Path::new("/w"));
        assert_eq!(call.kind, ToolKind::Execute);
        assert_eq!(call.title, "ls -la");
    }

    #[test]
    fn an_edit_shows_a_diff_of_its_strings() {
        let call = tool_call(
            "c2",
            "edit_file",
            r#"{"path":"src/a.rs","old_string":"x","new_string":"y"}"#,
            Path::new("/w"),
        );
        assert_eq!(call.kind, ToolKind::Edit);
        assert_eq!(call.title, "Edit src/a.rs");
        assert_eq!(call.locations[0].path, Path::new("/w/src/a.rs"));
        let ToolCallContent::Diff(diff) = &call.content[0] else {
            panic!("expected a diff, got {:?}", call.content);
        };
        assert_eq!(diff.old_text.as_deref(), Some("x"));
        assert_eq!(diff.new_text, "y");
    }

    #[test]
    fn a_patch_names_its_files() {
        let patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** Add File: b.txt\n+new\n*** End Patch";
        let args = serde_json::json!({ "input": patch }).to_string();
        let call = tool_call("c3", "apply_patch", &args, Path::new("/w"));
        let paths: Vec<_> = call.locations.iter().map(|l| l.path.clone()).collect();
        assert_eq!(paths, vec![PathBuf::from("/w/a.txt"), PathBuf::from("/w/b.txt")]);
        assert_eq!(call.title, "Edit a.txt, b.txt");
        let diffs: Vec<(Option<&str>, &str)> = call
            .content
            .iter()
            .map(|c| match c {
                ToolCallContent::Diff(d) => (d.old_text.as_deref(), d.new_text.as_str()),
                other => panic!("expected a diff, got {other:?}"),
            })
            .collect();
        assert_eq!(diffs, vec![(Some("a\n"), "b\n"), (None, "new\n")]);
    }

    #[test]
    fn a_streamed_message_is_not_sent_twice() {
        let mut tracker = Tracker::new("/w", 1000);
        assert_eq!(tracker.event(&Event::AgentMessageDelta { delta: "hi".into() }).len(), 1);
        assert!(tracker.event(&Event::AgentMessage { text: "hi".into() }).is_empty());
        assert_eq!(tracker.event(&Event::AgentMessage { text: "again".into() }).len(), 1);
    }
}

use std::io::Write;
use std::path::Path;

use jig_compact::{RecallTool, ledger};
use jig_protocol::{Item, ToolStatus};
use jig_tools::{Tool, ToolContext, ToolError};
use serde_json::{Value, json};

use crate::{call, out, output};

fn item_line(item: &Item) -> Value {
    json!({"type": "item", "item": item})
}

fn response_line(items: &[Item]) -> Value {
    json!({"type": "response", "items": items, "usage": {"input_tokens": 10, "output_tokens": 5}})
}

fn write_rollout(path: &Path, lines: &[Value], torn_tail: Option<&str>) {
    let mut file = std::fs::File::create(path).unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
    if let Some(tail) = torn_tail {
        write!(file, "{tail}").unwrap();
    }
}

/// A session that read a file and ran a failing command, was compacted,
/// and went on; its rollout ends in a torn line.
fn session(dir: &Path) -> RecallTool {
    let user = Item::user("fix the parser overflow");
    let dropped = vec![
        Item::reasoning("look at the parser first"),
        call("c1", "read_file", json!({"path": "src/parser.rs"})),
        out("c1", "     1\tfn parse() -> u8 {\n     2\t    SECRET_MARKER\n     3\t}"),
        call("c2", "shell", json!({"command": "cargo test -p parser"})),
        output(
            "c2",
            "exit code: 101\nwall time: 1.000 s\nthread 'overflow' panicked at src/parser.rs:2",
            ToolStatus::Error,
        ),
        Item::assistant("The overflow is in parse()."),
    ];
    let summary = jig_compact::summary_item("parser overflow found", "…", 3);
    let events = json!({"type": "event", "event": {"type": "whatever", "text": "SECRET_MARKER"}});
    let lines = vec![
        json!({"type": "session_meta", "session_id": "s1", "created_at": "2025-01-01T00:00:00Z", "cwd": "/w",
               "model": "scripted:x", "instructions": "", "jig_version": "0", "format": 1}),
        item_line(&user),
        response_line(&dropped[0..2]),
        item_line(&dropped[2]),
        events,
        response_line(&dropped[3..4]),
        item_line(&dropped[4]),
        response_line(&dropped[5..6]),
        json!({"type": "compaction", "id": 1, "replacement": [user, summary], "ledger": ledger(&dropped), "dropped": 6}),
        response_line(&[call("c3", "read_file", json!({"path": "README.md"}))]),
        item_line(&out("c3", "# readme for the parser crate")),
    ];
    let path = dir.join("rollout.jsonl");
    write_rollout(&path, &lines, Some(r#"{"type":"item","item":{"type":"tool_out"#));
    RecallTool::new(path)
}

async fn recall(tool: &RecallTool, args: Value) -> String {
    let ctx = ToolContext::new(std::env::temp_dir());
    let result = tool.run(&ctx, args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    result.output
}

fn headers(text: &str) -> Vec<&str> {
    text.lines().filter(|line| line.starts_with("=== ")).collect()
}

#[tokio::test]
async fn returns_a_dropped_files_content() {
    let dir = tempfile::tempdir().unwrap();
    let tool = session(dir.path());
    let text = recall(&tool, json!({"query": "src/parser.rs", "kind": "read"})).await;
    assert!(
        text.contains("- read src/parser.rs (call_id c1, compaction #1)"),
        "{text}"
    );
    assert_eq!(
        headers(&text),
        vec!["=== call_id c1 · read_file · compaction #1"],
        "{text}"
    );
    assert!(text.contains("SECRET_MARKER"), "{text}");
}

#[tokio::test]
async fn returns_a_dropped_commands_output() {
    let dir = tempfile::tempdir().unwrap();
    let tool = session(dir.path());
    let text = recall(&tool, json!({"query": "CARGO TEST", "kind": "command"})).await;
    assert!(
        text.contains("- command cargo test -p parser [exit 101] (call_id c2, compaction #1)"),
        "{text}"
    );
    assert_eq!(headers(&text), vec!["=== call_id c2 · shell · compaction #1"], "{text}");
    assert!(text.contains("output (error):\nexit code: 101"), "{text}");
    assert!(text.contains("panicked at src/parser.rs:2"), "{text}");
}

#[tokio::test]
async fn kind_filters_calls_and_entries() {
    let dir = tempfile::tempdir().unwrap();
    let tool = session(dir.path());
    let all = recall(&tool, json!({"query": "parser"})).await;
    let all_headers = headers(&all);
    // Most recent first: the README read (after compaction, still in context),
    // then the command, the file read, and the user's message.
    assert_eq!(
        all_headers,
        vec![
            "=== call_id c3 · read_file · still in context",
            "=== call_id c2 · shell · compaction #1",
            "=== call_id c1 · read_file · compaction #1",
            "=== user message · still in context",
        ],
        "{all}"
    );
    let reads = recall(&tool, json!({"query": "parser", "kind": "read"})).await;
    assert_eq!(
        headers(&reads),
        vec![
            "=== call_id c3 · read_file · still in context",
            "=== call_id c1 · read_file · compaction #1"
        ],
        "{reads}"
    );
    assert!(!reads.contains("- command"), "{reads}");
    let errors = recall(&tool, json!({"query": "panicked", "kind": "error"})).await;
    assert!(
        errors.contains("- error thread 'overflow' panicked at src/parser.rs:2 [shell]"),
        "{errors}"
    );
}

#[tokio::test]
async fn limit_keeps_the_best_most_recent_matches() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for i in 0..10 {
        let id = format!("r{i}");
        lines.push(response_line(&[call(
            &id,
            "read_file",
            json!({"path": format!("logs/day{i}.log")}),
        )]));
        lines.push(item_line(&out(&id, &format!("log line {i}"))));
    }
    // Matches in the arguments outrank matches in the output only.
    lines.push(response_line(&[call("x", "shell", json!({"command": "echo"}))]));
    lines.push(item_line(&out("x", "exit code: 0\nwall time: 0.0 s\nday log")));
    let path = dir.path().join("rollout.jsonl");
    write_rollout(&path, &lines, None);
    let tool = RecallTool::new(path);
    let text = recall(&tool, json!({"query": "day log", "limit": 3})).await;
    assert_eq!(
        headers(&text),
        vec![
            "=== call_id r9 · read_file · still in context",
            "=== call_id r8 · read_file · still in context",
            "=== call_id r7 · read_file · still in context",
        ],
        "{text}"
    );
    assert!(text.contains("(3 of 11 matches shown;"), "{text}");
    let big = recall(&tool, json!({"query": "log", "limit": 500})).await;
    assert_eq!(headers(&big).len(), 11, "{big}");
}

#[tokio::test]
async fn long_outputs_are_cut_to_about_four_kib() {
    let dir = tempfile::tempdir().unwrap();
    let long: String = (0..2000).map(|i| format!("row {i}\n")).collect();
    let lines = vec![
        response_line(&[call("big", "read_file", json!({"path": "data.csv"}))]),
        item_line(&out("big", &long)),
    ];
    let path = dir.path().join("rollout.jsonl");
    write_rollout(&path, &lines, None);
    let text = recall(&RecallTool::new(path), json!({"query": "data.csv"})).await;
    assert!(text.len() < 5_000, "{}", text.len());
    assert!(text.contains("row 0\n") && text.contains("row 1999\n"), "{text}");
    assert!(text.contains("truncated ...]"), "{text}");
}

#[tokio::test]
async fn no_match_says_so_and_suggests_broader_terms() {
    let dir = tempfile::tempdir().unwrap();
    let tool = session(dir.path());
    let text = recall(&tool, json!({"query": "nonexistent_identifier", "kind": "write"})).await;
    assert_eq!(
        text,
        "no match for \"nonexistent_identifier\" (kind write) in this session's history; try broader or fewer \
         words (a file name without its directory, one word of the command or error), or leave out kind"
    );
    // Events are not searched, though their text matches.
    let text = recall(&tool, json!({"query": "whatever"})).await;
    assert!(text.starts_with("no match for \"whatever\""), "{text}");
}

#[tokio::test]
async fn a_torn_last_line_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rollout.jsonl");
    let lines = vec![
        response_line(&[call("a", "read_file", json!({"path": "kept.rs"}))]),
        item_line(&out("a", "kept")),
        response_line(&[call("b", "read_file", json!({"path": "torn.rs"}))]),
    ];
    let torn = r#"{"type":"item","item":{"type":"tool_output","call_id":"b","output":"half"#;
    write_rollout(&path, &lines, Some(torn));
    let tool = RecallTool::new(&path);
    let text = recall(&tool, json!({"query": ".rs"})).await;
    assert_eq!(
        headers(&text),
        vec![
            "=== call_id b · read_file · still in context",
            "=== call_id a · read_file · still in context"
        ],
        "{text}"
    );
    assert!(text.contains("output: none (the call never finished)"), "{text}");
}

#[tokio::test]
async fn bad_arguments_and_missing_history_go_back_to_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let tool = RecallTool::new(dir.path().join("absent.jsonl"));
    assert_eq!(
        recall(&tool, json!({"query": "x"})).await,
        "nothing to recall: this session has no history yet"
    );
    let ctx = ToolContext::new(dir.path());
    for args in [
        json!({"query": "  "}),
        json!({"query": "x", "kind": "secret"}),
        json!({}),
    ] {
        let err = tool.run(&ctx, args.clone()).await.unwrap_err();
        assert!(matches!(err, ToolError::RespondToModel(_)), "{args}: {err}");
    }
}

#[test]
fn spec_is_read_only_and_requires_a_query() {
    let tool = RecallTool::new("rollout.jsonl");
    let spec = tool.spec();
    assert_eq!(spec.name, "recall");
    assert!(!tool.is_mutating());
    assert_eq!(spec.parameters["required"], json!(["query"]));
    assert!(spec.description.contains("compaction moved out of your context"));
}

use jig_compact::{digest, ledger};
use jig_protocol::{Item, LedgerEntry, LedgerKind, ToolStatus};
use serde_json::json;

use crate::{call, out, output, raw_call};

fn entry(kind: LedgerKind, value: &str, detail: Option<&str>, call_id: Option<&str>) -> LedgerEntry {
    LedgerEntry {
        kind,
        value: value.to_string(),
        detail: detail.map(str::to_string),
        call_id: call_id.map(str::to_string),
    }
}

const PATCH: &str = "*** Begin Patch\n*** Add File: docs/new.md\n+hello\n*** Update File: src/lib.rs\n*** Move to: src/core.rs\n@@\n-old\n+new\n*** Delete File: src/gone.rs\n*** End Patch\n";

#[test]
fn generic_dialect() {
    let items = vec![
        Item::user("please fix it"),
        call("c1", "read_file", json!({"path": "src/lib.rs"})),
        out("c1", "     1\tfn main() {}"),
        call("c2", "list_dir", json!({"path": "src"})),
        out("c2", "src/\n  lib.rs"),
        call("c3", "search", json!({"pattern": "TODO", "path": "crates"})),
        out("c3", "crates/a.rs:1:TODO"),
        call("c4", "shell", json!({"command": "cargo test"})),
        output(
            "c4",
            "exit code: 101\nwall time: 2.000 s\nerror: test failed, to rerun pass `--lib`",
            ToolStatus::Error,
        ),
        call("c5", "shell", json!({"command": ["ls", "-la"]})),
        out("c5", "exit code: 0\nwall time: 0.010 s\ntotal 0"),
        call("c6", "apply_patch", json!({"input": PATCH})),
        out("c6", "Success."),
        call(
            "c7",
            "edit_file",
            json!({"path": "a.txt", "old_string": "x", "new_string": "y"}),
        ),
        out("c7", "edited"),
        call("c8", "write_file", json!({"path": "b.txt", "content": "z"})),
        out("c8", "wrote"),
    ];
    let c = LedgerKind::Command;
    let expected = vec![
        entry(LedgerKind::Read, "src/lib.rs", None, Some("c1")),
        entry(LedgerKind::Read, "src", None, Some("c2")),
        entry(LedgerKind::Read, "crates", None, Some("c3")),
        entry(c, "cargo test", Some("exit 101"), Some("c4")),
        entry(
            LedgerKind::Error,
            "error: test failed, to rerun pass `--lib`",
            Some("shell"),
            Some("c4"),
        ),
        entry(c, "ls -la", Some("exit 0"), Some("c5")),
        entry(LedgerKind::Write, "docs/new.md", None, Some("c6")),
        entry(LedgerKind::Write, "src/lib.rs", None, Some("c6")),
        entry(LedgerKind::Write, "src/core.rs", None, Some("c6")),
        entry(LedgerKind::Write, "src/gone.rs", None, Some("c6")),
        entry(LedgerKind::Write, "a.txt", None, Some("c7")),
        entry(LedgerKind::Write, "b.txt", None, Some("c8")),
    ];
    assert_eq!(ledger(&items), expected);
}

#[test]
fn codex_dialect_with_heredoc_patch() {
    let heredoc = format!("apply_patch <<'EOF'\n{PATCH}EOF\n");
    let items = vec![
        call("e1", "exec_command", json!({"cmd": "cargo build", "workdir": "/w"})),
        output(
            "e1",
            "Chunk ID: 1a2b\nWall time: 3.1 seconds\nProcess exited with code 2\nOriginal token count: 9\nOutput:\nerror[E0425]: cannot find value `x`",
            ToolStatus::Error,
        ),
        call("e2", "exec_command", json!({"cmd": heredoc})),
        out("e2", "Success. Updated the following files:\nA docs/new.md"),
    ];
    let expected = vec![
        entry(LedgerKind::Command, "cargo build", Some("exit 2"), Some("e1")),
        entry(
            LedgerKind::Error,
            "error[E0425]: cannot find value `x`",
            Some("exec_command"),
            Some("e1"),
        ),
        entry(LedgerKind::Write, "docs/new.md", None, Some("e2")),
        entry(LedgerKind::Write, "src/lib.rs", None, Some("e2")),
        entry(LedgerKind::Write, "src/core.rs", None, Some("e2")),
        entry(LedgerKind::Write, "src/gone.rs", None, Some("e2")),
    ];
    assert_eq!(ledger(&items), expected);
}

#[test]
fn codex_legacy_dialect() {
    let items = vec![
        call("l1", "shell", json!({"command": ["bash", "-lc", "grep -r foo ."]})),
        output(
            "l1",
            "Exit code: 1\nWall time: 0.2 seconds\nOutput:\n",
            ToolStatus::Error,
        ),
        raw_call("l2", "apply_patch", PATCH),
        out("l2", "Done!"),
        call(
            "l3",
            "shell",
            json!({"command": ["apply_patch", "*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch"]}),
        ),
        out("l3", "Done!"),
    ];
    let got = ledger(&items);
    assert_eq!(
        got[0],
        entry(
            LedgerKind::Command,
            "bash -lc grep -r foo .",
            Some("exit 1"),
            Some("l1")
        )
    );
    let writes: Vec<(&str, &str)> = got
        .iter()
        .filter(|e| e.kind == LedgerKind::Write)
        .map(|e| (e.value.as_str(), e.call_id.as_deref().unwrap()))
        .collect();
    assert_eq!(
        writes,
        vec![
            ("docs/new.md", "l2"),
            ("src/lib.rs", "l2"),
            ("src/core.rs", "l2"),
            ("src/gone.rs", "l2"),
            ("x.txt", "l3")
        ]
    );
    assert!(
        !got.iter()
            .any(|e| e.kind == LedgerKind::Command && e.value.contains("apply_patch"))
    );
}

#[test]
fn claude_dialect() {
    let items = vec![
        call("t1", "Read", json!({"file_path": "/w/src/main.rs"})),
        out("t1", "     1\tfn main() {}"),
        call("t2", "Bash", json!({"command": "make check"})),
        output(
            "t2",
            "building\nmake: *** [check] Error 3\nExit code 3",
            ToolStatus::Error,
        ),
        call("t3", "Bash", json!({"command": "echo ok"})),
        out("t3", "ok"),
        call(
            "t4",
            "Edit",
            json!({"file_path": "/w/src/main.rs", "old_string": "a", "new_string": "b"}),
        ),
        out("t4", "The file has been updated."),
        call("t5", "Write", json!({"file_path": "/w/NOTES.md", "content": "n"})),
        out("t5", "File created"),
        call(
            "t6",
            "Edit",
            json!({"file_path": "/w/missing.rs", "old_string": "a", "new_string": "b"}),
        ),
        output(
            "t6",
            "String to replace not found in file.\nString: a",
            ToolStatus::Error,
        ),
    ];
    let expected = vec![
        entry(LedgerKind::Read, "/w/src/main.rs", None, Some("t1")),
        entry(LedgerKind::Command, "make check", Some("exit 3"), Some("t2")),
        entry(LedgerKind::Error, "make: *** [check] Error 3", Some("Bash"), Some("t2")),
        entry(LedgerKind::Command, "echo ok", Some("exit 0"), Some("t3")),
        entry(LedgerKind::Write, "/w/src/main.rs", None, Some("t4")),
        entry(LedgerKind::Write, "/w/NOTES.md", None, Some("t5")),
        // A failed edit wrote nothing; only its error is recorded.
        entry(
            LedgerKind::Error,
            "String to replace not found in file.",
            Some("Edit"),
            Some("t6"),
        ),
    ];
    assert_eq!(ledger(&items), expected);
}

#[test]
fn urls_are_found_trimmed_and_deduplicated() {
    let items = vec![
        Item::user("see https://example.com/issue/42. and (http://docs.rs/serde)"),
        call("u1", "shell", json!({"command": "curl -s https://api.test/v1"})),
        out(
            "u1",
            "exit code: 0\nwall time: 0.1 s\nredirect to https://example.com/issue/42\n",
        ),
        Item::assistant("Read https://example.com/issue/42, it explains it."),
    ];
    let urls: Vec<(String, Option<String>)> = ledger(&items)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Url)
        .map(|e| (e.value, e.call_id))
        .collect();
    assert_eq!(
        urls,
        vec![
            ("http://docs.rs/serde".to_string(), None),
            ("https://example.com/issue/42".to_string(), None),
        ],
        "the latest sighting of a URL is the one kept"
    );
}

#[test]
fn identical_entries_collapse_to_the_latest_and_interruptions_are_errors() {
    let items = vec![
        call("r1", "read_file", json!({"path": "a.rs"})),
        out("r1", "1"),
        call("r2", "read_file", json!({"path": "b.rs"})),
        out("r2", "2"),
        call("r3", "read_file", json!({"path": "a.rs"})),
        out("r3", "1"),
        call("s1", "shell", json!({"command": "sleep 100"})),
        output("s1", "interrupted by the user", ToolStatus::Interrupted),
        raw_call("bad", "read_file", "{not json"),
        output(
            "bad",
            "invalid arguments for read_file: expected value",
            ToolStatus::Error,
        ),
    ];
    let expected = vec![
        entry(LedgerKind::Read, "b.rs", None, Some("r2")),
        entry(LedgerKind::Read, "a.rs", None, Some("r3")),
        entry(LedgerKind::Command, "sleep 100", Some("interrupted"), Some("s1")),
        entry(LedgerKind::Error, "interrupted by the user", Some("shell"), Some("s1")),
        entry(
            LedgerKind::Error,
            "invalid arguments for read_file: expected value",
            Some("read_file"),
            Some("bad"),
        ),
    ];
    assert_eq!(ledger(&items), expected);
}

#[test]
fn digest_lists_groups_most_recent_first() {
    let ledger = vec![
        entry(LedgerKind::Read, "a.rs", None, None),
        entry(LedgerKind::Write, "b.rs", None, None),
        entry(LedgerKind::Command, "cargo test\n--lib", Some("exit 1"), None),
        entry(LedgerKind::Read, "c.rs", None, None),
        entry(LedgerKind::Error, "boom", Some("shell"), None),
        entry(LedgerKind::Url, "https://x.test", None, None),
        entry(LedgerKind::Write, "d.rs", None, None),
    ];
    assert_eq!(
        digest(&ledger, 1_000),
        "Files written: d.rs, b.rs. Files read: c.rs, a.rs. Commands: `cargo test…` (exit 1). \
         Errors: shell: boom. URLs: https://x.test."
    );
    assert_eq!(digest(&[], 1_000), "nothing recorded.");
}

#[test]
fn digest_cuts_to_budget_and_counts_the_rest() {
    let ledger: Vec<LedgerEntry> = (0..40)
        .map(|i| entry(LedgerKind::Read, &format!("src/module_{i:02}.rs"), None, None))
        .collect();
    for budget in [60, 120, 300] {
        let text = digest(&ledger, budget);
        assert!(text.chars().count() <= budget, "{budget}: {text}");
        let (listed, rest) = text.split_once(". … and ").unwrap();
        let more: usize = rest.strip_suffix(" more; use recall.").unwrap().parse().unwrap();
        let shown = listed.matches("src/module_").count();
        assert_eq!(shown + more, 40, "{text}");
        assert!(shown > 0, "{budget}: {text}");
        assert!(listed.starts_with("Files read: src/module_39.rs"), "{text}");
    }
    assert_eq!(digest(&ledger, 5).chars().count(), 5);
}

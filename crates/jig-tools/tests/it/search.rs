//! The search tool over real temp trees: rg-style output, filters, ignore
//! rules, binary files, caps and errors.

use jig_protocol::ToolStatus;
use jig_tools::search::SearchTool;
use jig_tools::{Tool, ToolContext, ToolError};
use serde_json::{Value, json};
use tempfile::TempDir;

fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

async fn search(dir: &TempDir, args: Value) -> String {
    let result = SearchTool.run(&ToolContext::new(dir.path()), args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    result.output
}

async fn search_err(dir: &TempDir, args: Value) -> String {
    match SearchTool.run(&ToolContext::new(dir.path()), args).await {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

const LIB: &str = "fn main() {\n    let x = 1;\n    let y = f(x) + 1;\n}\n";

#[tokio::test]
async fn matches_are_printed_like_rg_sorted_by_path() {
    let dir = tree(&[
        ("src/lib.rs", LIB),
        ("b.txt", "let it be\n"),
        ("a/c.txt", "nothing\nlet go\n"),
    ]);
    insta::assert_snapshot!(search(&dir, json!({ "pattern": "let" })).await, @r"
    a/c.txt:2:let go
    b.txt:1:let it be
    src/lib.rs:2:    let x = 1;
    src/lib.rs:3:    let y = f(x) + 1;
    ");
}

#[tokio::test]
async fn path_narrows_to_a_directory_or_a_file() {
    let dir = tree(&[("src/lib.rs", LIB), ("b.txt", "let it be\n")]);
    let out = search(&dir, json!({ "pattern": "let x", "path": "src/lib.rs" })).await;
    assert_eq!(out, "src/lib.rs:2:    let x = 1;");
    let out = search(&dir, json!({ "pattern": "let", "path": "src" })).await;
    assert_eq!(out.lines().count(), 2, "{out}");
    let text = search_err(&dir, json!({ "pattern": "x", "path": "nope" })).await;
    assert!(
        text.starts_with("cannot search ") && text.contains("nope: no such file or directory"),
        "{text}"
    );
}

#[tokio::test]
async fn fixed_strings_match_metacharacters_literally() {
    let dir = tree(&[("src/lib.rs", LIB)]);
    let out = search(&dir, json!({ "pattern": "f(x) +", "fixed_strings": true })).await;
    assert_eq!(out, "src/lib.rs:3:    let y = f(x) + 1;");
    let out = search(&dir, json!({ "pattern": "f(x) +" })).await;
    assert_eq!(out, "no matches for f(x) +");
}

#[tokio::test]
async fn case_insensitive() {
    let dir = tree(&[("a.txt", "Hello\nhello\nHELLO\nhelo\n")]);
    let out = search(&dir, json!({ "pattern": "hello" })).await;
    assert_eq!(out, "a.txt:2:hello");
    let out = search(&dir, json!({ "pattern": "hello", "case_insensitive": true })).await;
    assert_eq!(out, "a.txt:1:Hello\na.txt:2:hello\na.txt:3:HELLO");
}

#[tokio::test]
async fn globs_include_and_exclude() {
    let dir = tree(&[
        ("src/lib.rs", "needle\n"),
        ("src/notes.md", "needle\n"),
        ("top.rs", "needle\n"),
    ]);
    let out = search(&dir, json!({ "pattern": "needle", "glob": ["*.rs"] })).await;
    assert_eq!(out, "src/lib.rs:1:needle\ntop.rs:1:needle");
    let out = search(&dir, json!({ "pattern": "needle", "glob": ["!*.rs"] })).await;
    assert_eq!(out, "src/notes.md:1:needle");
    let out = search(&dir, json!({ "pattern": "needle", "glob": "src/**" })).await;
    assert_eq!(out, "src/lib.rs:1:needle\nsrc/notes.md:1:needle");
    let text = search_err(&dir, json!({ "pattern": "needle", "glob": ["a{b"] })).await;
    assert!(text.starts_with("invalid glob a{b: "), "{text}");
}

#[tokio::test]
async fn context_lines_and_group_separators() {
    let numbers = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";
    let dir = tree(&[("a.txt", numbers), ("b.txt", "x\nsix\n")]);
    let out = search(&dir, json!({ "pattern": "two|eight|six", "context": 1 })).await;
    insta::assert_snapshot!(out, @r"
    a.txt-1-one
    a.txt:2:two
    a.txt-3-three
    --
    a.txt-5-five
    a.txt:6:six
    a.txt-7-seven
    a.txt:8:eight
    a.txt-9-nine
    --
    b.txt-1-x
    b.txt:2:six
    ");
}

#[tokio::test]
async fn gitignore_is_respected_without_a_git_repo() {
    let dir = tree(&[
        (".gitignore", "ignored.txt\nbuild/\n"),
        ("ignored.txt", "needle\n"),
        ("build/out.txt", "needle\n"),
        ("kept.txt", "needle\n"),
    ]);
    let out = search(&dir, json!({ "pattern": "needle" })).await;
    assert_eq!(out, "kept.txt:1:needle");
}

#[tokio::test]
async fn hidden_files_are_skipped_unless_asked() {
    let dir = tree(&[
        (".env", "needle\n"),
        (".config/x.txt", "needle\n"),
        ("seen.txt", "needle\n"),
        (".git/config", "needle\n"),
    ]);
    let out = search(&dir, json!({ "pattern": "needle" })).await;
    assert_eq!(out, "seen.txt:1:needle");
    let out = search(&dir, json!({ "pattern": "needle", "hidden": true })).await;
    assert_eq!(out, ".config/x.txt:1:needle\n.env:1:needle\nseen.txt:1:needle");
}

#[tokio::test]
async fn binary_files_are_skipped() {
    let dir = tree(&[("blob.bin", "needle\0\x01\x02needle\n"), ("text.txt", "needle\n")]);
    let out = search(&dir, json!({ "pattern": "needle" })).await;
    assert_eq!(out, "text.txt:1:needle");
}

#[tokio::test]
async fn results_are_capped_with_a_note() {
    let many: String = (1..=300).map(|i| format!("hit {i}\n")).collect();
    let dir = tree(&[("a.txt", &many), ("b.txt", "hit b\n")]);
    let out = search(&dir, json!({ "pattern": "hit", "max_results": 3 })).await;
    insta::assert_snapshot!(out, @r"
    a.txt:1:hit 1
    a.txt:2:hit 2
    a.txt:3:hit 3
    [results capped at 3 matching lines; narrow the pattern, path or glob]
    ");
    let out = search(&dir, json!({ "pattern": "hit" })).await;
    assert_eq!(out.lines().count(), 201, "{out}");
    assert!(
        out.ends_with("a.txt:200:hit 200\n[results capped at 200 matching lines; narrow the pattern, path or glob]")
    );
}

#[tokio::test]
async fn cap_counts_across_files() {
    let dir = tree(&[("a.txt", "hit\nhit\n"), ("b.txt", "hit\nhit\n"), ("c.txt", "hit\n")]);
    let out = search(&dir, json!({ "pattern": "hit", "max_results": 3 })).await;
    assert_eq!(
        out,
        "a.txt:1:hit\na.txt:2:hit\nb.txt:1:hit\n[results capped at 3 matching lines; narrow the pattern, path or glob]"
    );
}

#[tokio::test]
async fn long_lines_are_cut() {
    let line = format!("needle{}\n", "a".repeat(5000));
    let dir = tree(&[("long.txt", &line)]);
    let out = search(&dir, json!({ "pattern": "needle" })).await;
    assert!(out.starts_with("long.txt:1:needleaaa"), "{out}");
    assert!(out.ends_with("[... omitted end of long line]"), "{out}");
    assert!(out.len() < 600, "{} bytes", out.len());
}

#[tokio::test]
async fn no_match_and_invalid_regex() {
    let dir = tree(&[("a.txt", "hay\n")]);
    assert_eq!(
        search(&dir, json!({ "pattern": "needle" })).await,
        "no matches for needle"
    );
    assert_eq!(
        search(&dir, json!({ "pattern": "needle", "path": "a.txt" })).await,
        "no matches for needle in a.txt"
    );
    let text = search_err(&dir, json!({ "pattern": "foo(" })).await;
    assert!(text.starts_with("invalid regex foo(: "), "{text}");
    assert!(text.contains("unclosed group"), "{text}");
    assert!(
        text.ends_with("set fixed_strings to true to search for it literally"),
        "{text}"
    );
}

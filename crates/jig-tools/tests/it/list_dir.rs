//! The list_dir tool over real temp trees: depth, ignore rules, hidden
//! entries, caps and errors.

use jig_protocol::ToolStatus;
use jig_tools::list_dir::ListDirTool;
use jig_tools::{Tool, ToolContext, ToolError};
use serde_json::{Value, json};
use tempfile::TempDir;

fn tree(files: &[&str]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for path in files {
        let path = dir.path().join(path);
        if path.to_string_lossy().ends_with('/') {
            std::fs::create_dir_all(path).unwrap();
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
    }
    dir
}

/// The listing with the temp dir's path in the header replaced by `[TMP]`.
async fn list(dir: &TempDir, args: Value) -> String {
    let result = ListDirTool.run(&ToolContext::new(dir.path()), args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    result.output.replace(&dir.path().display().to_string(), "[TMP]")
}

async fn list_err(dir: &TempDir, args: Value) -> String {
    match ListDirTool.run(&ToolContext::new(dir.path()), args).await {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

#[tokio::test]
async fn lists_two_levels_by_default_sorted_and_indented() {
    let dir = tree(&["src/lib.rs", "src/deep/er/file.rs", "Cargo.toml", "README.md", "empty/"]);
    insta::assert_snapshot!(list(&dir, json!({})).await, @r"
    [TMP]/
    Cargo.toml
    README.md
    empty/
    src/
      deep/
      lib.rs
    ");
    insta::assert_snapshot!(list(&dir, json!({ "path": "src", "depth": 5 })).await, @r"
    [TMP]/src/
    deep/
      er/
        file.rs
    lib.rs
    ");
    let out = list(&dir, json!({ "depth": 1 })).await;
    assert_eq!(out, "[TMP]/\nCargo.toml\nREADME.md\nempty/\nsrc/");
}

#[tokio::test]
async fn gitignored_entries_are_left_out() {
    let dir = tree(&["target/debug/app", "src/main.rs", "src/gen.rs", "keep.txt"]);
    std::fs::write(dir.path().join(".gitignore"), "target/\nsrc/gen.rs\n").unwrap();
    let out = list(&dir, json!({})).await;
    assert_eq!(out, "[TMP]/\nkeep.txt\nsrc/\n  main.rs");
}

#[tokio::test]
async fn hidden_entries_only_when_asked() {
    let dir = tree(&[".env", ".config/a.toml", ".git/HEAD", "visible.txt"]);
    let out = list(&dir, json!({})).await;
    assert_eq!(out, "[TMP]/\nvisible.txt");
    let out = list(&dir, json!({ "hidden": true })).await;
    assert_eq!(out, "[TMP]/\n.config/\n  a.toml\n.env\n.git/\nvisible.txt");
}

#[tokio::test]
async fn listing_is_capped_with_a_count_of_what_was_left_out() {
    let dir = tree(&["a", "b", "c", "d/e", "f"]);
    insta::assert_snapshot!(list(&dir, json!({ "limit": 3 })).await, @r"
    [TMP]/
    a
    b
    c
    [3 more entries not shown; raise limit, lower depth or list a subdirectory]
    ");
}

#[tokio::test]
async fn symlinks_show_their_target_and_empty_dirs_say_so() {
    let dir = tree(&["real.txt", "nothing/"]);
    std::os::unix::fs::symlink("real.txt", dir.path().join("link")).unwrap();
    let out = list(&dir, json!({})).await;
    assert_eq!(out, "[TMP]/\nlink -> real.txt\nnothing/\nreal.txt");
    let out = list(&dir, json!({ "path": "nothing" })).await;
    assert_eq!(out, "[TMP]/nothing/\n(empty)");
}

#[tokio::test]
async fn missing_path_and_file_path_are_errors() {
    let dir = tree(&["a.txt"]);
    let text = list_err(&dir, json!({ "path": "nope" })).await;
    assert_eq!(
        text,
        "cannot list nope: no such directory; check the path (relative to the workspace root)"
    );
    let text = list_err(&dir, json!({ "path": "a.txt" })).await;
    assert_eq!(
        text,
        "cannot list a.txt: it is a file, not a directory; use read_file to read it"
    );
}

//! edit_file and write_file over real temp dirs: exact replacement, the
//! errors that tell the model how to fix a call, and workspace confinement.

use std::fs;

use jig_protocol::ToolStatus;
use jig_tools::edit_file::EditFileTool;
use jig_tools::write_file::WriteFileTool;
use jig_tools::{Tool, ToolContext, ToolError};
use serde_json::{Value, json};
use tempfile::TempDir;

fn dir_with(path: &str, contents: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(path), contents).unwrap();
    dir
}

async fn ok(tool: &dyn Tool, dir: &TempDir, args: Value) -> String {
    let result = tool.run(&ToolContext::new(dir.path()), args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    assert!(result.effect.is_none());
    result.output
}

async fn refused(tool: &dyn Tool, dir: &TempDir, args: Value) -> String {
    match tool.run(&ToolContext::new(dir.path()), args).await {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

fn read(dir: &TempDir, path: &str) -> String {
    fs::read_to_string(dir.path().join(path)).unwrap()
}

/// Names in `dir`, to prove no temporary file was left behind.
fn listing(dir: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const SOURCE: &str = "fn a() {\n    one();\n}\n\nfn b() {\n    two();\n}\n\nfn c() {\n    two();\n}\n";

#[tokio::test]
async fn a_unique_edit_replaces_it_and_shows_numbered_context() {
    let dir = dir_with("lib.rs", SOURCE);
    let args = json!({ "path": "lib.rs", "old_string": "one();", "new_string": "uno();\n    dos();" });
    let out = ok(&EditFileTool, &dir, args).await;
    insta::assert_snapshot!(out, @r"
    Edited lib.rs: 1 replacement.
         1	fn a() {
         2	    uno();
         3	    dos();
         4	}
         5	
         6	fn b() {
    ");
    assert!(read(&dir, "lib.rs").starts_with("fn a() {\n    uno();\n    dos();\n}\n"));
    assert_eq!(listing(&dir), vec!["lib.rs"]);
}

#[tokio::test]
async fn text_that_is_not_there_is_quoted_back_with_a_whitespace_hint() {
    let dir = dir_with("lib.rs", SOURCE);
    let args = json!({ "path": "lib.rs", "old_string": "fn b() {\n  two();", "new_string": "x" });
    insta::assert_snapshot!(refused(&EditFileTool, &dir, args).await, @r"
    cannot edit lib.rs: old_string was not found in the file:
        fn b() {
          two();
    it must match the file exactly, including whitespace and indentation; its first line appears at line 5 with different whitespace or surroundings; read the file again and copy the text exactly
    ");
    assert_eq!(read(&dir, "lib.rs"), SOURCE);
}

#[tokio::test]
async fn an_ambiguous_edit_names_the_count_and_lines_and_changes_nothing() {
    let dir = dir_with("lib.rs", SOURCE);
    let args = json!({ "path": "lib.rs", "old_string": "two();", "new_string": "three();" });
    let err = refused(&EditFileTool, &dir, args).await;
    assert_eq!(
        err,
        "cannot edit lib.rs: old_string occurs 2 times (at lines 6, 10); add surrounding lines to old_string so it \
matches exactly once, or set replace_all to change every occurrence"
    );
    assert_eq!(read(&dir, "lib.rs"), SOURCE);
}

#[tokio::test]
async fn replace_all_changes_every_occurrence() {
    let dir = dir_with("lib.rs", SOURCE);
    let args = json!({ "path": "lib.rs", "old_string": "two();", "new_string": "three();", "replace_all": true });
    let out = ok(&EditFileTool, &dir, args).await;
    assert!(out.starts_with("Edited lib.rs: 2 replacements.\n"), "{out}");
    assert_eq!(read(&dir, "lib.rs"), SOURCE.replace("two();", "three();"));
}

#[tokio::test]
async fn crlf_files_match_a_quote_sent_with_plain_newlines_and_stay_crlf() {
    let dir = dir_with("w.txt", "one\r\ntwo\r\nthree\r\n");
    let args = json!({ "path": "w.txt", "old_string": "one\ntwo", "new_string": "1\n2" });
    ok(&EditFileTool, &dir, args).await;
    assert_eq!(read(&dir, "w.txt"), "1\r\n2\r\nthree\r\n");
}

#[tokio::test]
async fn bad_edit_arguments_say_what_to_do() {
    let dir = dir_with("lib.rs", SOURCE);
    let missing = json!({ "path": "nope.rs", "old_string": "a", "new_string": "b" });
    assert_eq!(
        refused(&EditFileTool, &dir, missing).await,
        "cannot edit nope.rs: the file does not exist; use write_file to create it"
    );
    let empty = json!({ "path": "lib.rs", "old_string": "", "new_string": "b" });
    assert!(
        refused(&EditFileTool, &dir, empty)
            .await
            .contains("old_string is empty")
    );
    let same = json!({ "path": "lib.rs", "old_string": "one();", "new_string": "one();" });
    assert!(refused(&EditFileTool, &dir, same).await.contains("are the same"));
    let dir_arg = json!({ "path": ".", "old_string": "a", "new_string": "b" });
    assert!(refused(&EditFileTool, &dir, dir_arg).await.contains("is a directory"));
}

#[tokio::test]
async fn paths_outside_the_workspace_are_refused() {
    let outside = dir_with("secret.txt", "keep");
    let dir = dir_with("lib.rs", SOURCE);
    let absolute = outside.path().join("secret.txt").display().to_string();
    for path in [absolute.as_str(), "../secret.txt", "a/../../secret.txt"] {
        let edit = json!({ "path": path, "old_string": "keep", "new_string": "lost" });
        let err = refused(&EditFileTool, &dir, edit).await;
        assert!(err.contains("outside the workspace"), "{path}: {err}");
        let write = json!({ "path": path, "content": "lost" });
        let err = refused(&WriteFileTool, &dir, write).await;
        assert!(err.contains("outside the workspace"), "{path}: {err}");
    }
    assert_eq!(fs::read_to_string(outside.path().join("secret.txt")).unwrap(), "keep");
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_leading_out_are_refused_and_links_inside_are_followed() {
    let outside = dir_with("secret.txt", "keep");
    let dir = dir_with("real.txt", "inside");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real.txt"), dir.path().join("alias.txt")).unwrap();

    for path in ["out/secret.txt", "leak.txt"] {
        let edit = json!({ "path": path, "old_string": "keep", "new_string": "lost" });
        assert!(
            refused(&EditFileTool, &dir, edit)
                .await
                .contains("outside the workspace"),
            "{path}"
        );
        let write = json!({ "path": path, "content": "lost" });
        assert!(
            refused(&WriteFileTool, &dir, write)
                .await
                .contains("outside the workspace"),
            "{path}"
        );
    }
    let write = json!({ "path": "out/new.txt", "content": "lost" });
    assert!(
        refused(&WriteFileTool, &dir, write)
            .await
            .contains("outside the workspace")
    );
    assert_eq!(fs::read_to_string(outside.path().join("secret.txt")).unwrap(), "keep");
    assert!(!outside.path().join("new.txt").exists());

    let edit = json!({ "path": "alias.txt", "old_string": "inside", "new_string": "edited" });
    ok(&EditFileTool, &dir, edit).await;
    assert_eq!(read(&dir, "real.txt"), "edited");
    assert!(
        fs::symlink_metadata(dir.path().join("alias.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[tokio::test]
async fn write_creates_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&WriteFileTool, &dir, json!({ "path": "new.txt", "content": "a\nb\n" })).await;
    assert_eq!(out, "Created new.txt (4 bytes, 2 lines).");
    assert_eq!(read(&dir, "new.txt"), "a\nb\n");
}

#[tokio::test]
async fn write_overwrites_and_keeps_permissions() {
    let dir = dir_with("run.sh", "old content\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = ok(&WriteFileTool, &dir, json!({ "path": "run.sh", "content": "x" })).await;
    assert_eq!(out, "Overwrote run.sh (1 byte, 1 line).");
    assert_eq!(read(&dir, "run.sh"), "x");
    assert_eq!(listing(&dir), vec!["run.sh"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(dir.path().join("run.sh")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}

#[tokio::test]
async fn write_creates_nested_directories_and_accepts_absolute_paths_inside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c.txt").display().to_string();
    let out = ok(&WriteFileTool, &dir, json!({ "path": path, "content": "" })).await;
    assert_eq!(out, format!("Created {path} (0 bytes, 0 lines)."));
    assert_eq!(read(&dir, "a/b/c.txt"), "");
}

#[tokio::test]
async fn write_under_a_file_is_refused() {
    let dir = dir_with("file", "x");
    let err = refused(
        &WriteFileTool,
        &dir,
        json!({ "path": "file/inner.txt", "content": "y" }),
    )
    .await;
    assert_eq!(
        err,
        "cannot write file/inner.txt: a parent of it is a file, not a directory"
    );
}

#[tokio::test]
async fn neither_tool_is_in_the_generic_router() {
    let router = jig_tools::ToolRouter::builtin();
    assert!(
        !router
            .specs()
            .iter()
            .any(|s| s.name == "edit_file" || s.name == "write_file")
    );
    assert!(EditFileTool.is_mutating() && WriteFileTool.is_mutating());
}

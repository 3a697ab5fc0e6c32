//! The read_file tool over real files: numbering, windows, caps and the
//! errors that point the model somewhere useful.

use jig_protocol::ToolStatus;
use jig_tools::read_file::ReadFileTool;
use jig_tools::{Tool, ToolContext, ToolError};
use serde_json::{Value, json};
use tempfile::TempDir;

fn dir_with(path: &str, contents: &[u8]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(path), contents).unwrap();
    dir
}

async fn read(dir: &TempDir, args: Value) -> String {
    let result = ReadFileTool.run(&ToolContext::new(dir.path()), args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    result.output
}

async fn read_err(dir: &TempDir, args: Value) -> String {
    match ReadFileTool.run(&ToolContext::new(dir.path()), args).await {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

fn numbered(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

#[tokio::test]
async fn whole_file_is_numbered_like_cat_n() {
    let dir = dir_with("a.txt", b"fn main() {\r\n\tprintln!();\r\n}");
    insta::assert_snapshot!(read(&dir, json!({ "path": "a.txt" })).await, @r"
         1	fn main() {
         2		println!();
         3	}
    ");
}

#[tokio::test]
async fn window_ends_with_where_to_continue() {
    let dir = dir_with("a.txt", numbered(10).as_bytes());
    insta::assert_snapshot!(read(&dir, json!({ "path": "a.txt", "offset": 3, "limit": 2 })).await, @r"
         3	line 3
         4	line 4
    [showing lines 3-4 of 10; call again with offset=5 to read more]
    ");
    let out = read(&dir, json!({ "path": "a.txt", "offset": 9, "limit": 5 })).await;
    assert_eq!(out, "     9\tline 9\n    10\tline 10");
}

#[tokio::test]
async fn default_limit_is_2000_lines() {
    let dir = dir_with("a.txt", numbered(2500).as_bytes());
    let out = read(&dir, json!({ "path": "a.txt" })).await;
    assert_eq!(out.lines().count(), 2001);
    assert!(
        out.ends_with("  2000\tline 2000\n[showing lines 1-2000 of 2500; call again with offset=2001 to read more]")
    );
}

#[tokio::test]
async fn long_lines_are_cut() {
    let line = "é".repeat(2500);
    let dir = dir_with("a.txt", format!("{line}\nshort\n").as_bytes());
    let out = read(&dir, json!({ "path": "a.txt" })).await;
    let expected = format!("     1\t{}… [line truncated]\n     2\tshort", "é".repeat(2000));
    assert_eq!(out, expected);
}

#[tokio::test]
async fn total_output_is_capped() {
    let line = "x".repeat(1000);
    let text: String = (0..400).map(|_| format!("{line}\n")).collect();
    let dir = dir_with("a.txt", text.as_bytes());
    let out = read(&dir, json!({ "path": "a.txt" })).await;
    assert!(out.len() <= 256 * 1024 + 200, "{} bytes", out.len());
    let footer = out.lines().last().unwrap();
    assert_eq!(
        footer,
        "[output capped at 256 KiB; showing lines 1-260 of 400; call again with offset=261 to read more]"
    );
}

#[tokio::test]
async fn binary_file_is_refused_with_its_size() {
    let dir = dir_with("blob.bin", b"\x7fELF\0\0\x01\x02abc");
    let text = read_err(&dir, json!({ "path": "blob.bin" })).await;
    assert_eq!(
        text,
        "cannot read blob.bin: it is a binary file (11 bytes); read_file shows text files only"
    );
}

#[tokio::test]
async fn missing_file_and_directory_point_elsewhere() {
    let dir = dir_with("a.txt", b"x\n");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let text = read_err(&dir, json!({ "path": "nope.txt" })).await;
    assert_eq!(
        text,
        "cannot read nope.txt: no such file; check the path (relative to the workspace root) or find it with list_dir or search"
    );
    let text = read_err(&dir, json!({ "path": "sub" })).await;
    assert_eq!(
        text,
        "cannot read sub: it is a directory; use list_dir to see its entries"
    );
}

#[tokio::test]
async fn offset_past_the_end_says_how_long_the_file_is() {
    let dir = dir_with("a.txt", numbered(10).as_bytes());
    let text = read_err(&dir, json!({ "path": "a.txt", "offset": 11 })).await;
    assert_eq!(
        text,
        "offset 11 is past the end of a.txt: the file has 10 lines; pass an offset between 1 and 10"
    );
    let text = read_err(&dir, json!({ "path": "a.txt", "offset": 0 })).await;
    assert!(text.contains("offset is 1-based"), "{text}");
}

#[tokio::test]
async fn empty_file() {
    let dir = dir_with("empty.txt", b"");
    assert_eq!(
        read(&dir, json!({ "path": "empty.txt", "offset": 5 })).await,
        "(empty file)"
    );
}

#[tokio::test]
async fn absolute_paths_work() {
    let dir = dir_with("a.txt", b"hello\n");
    let path = dir.path().join("a.txt");
    let out = ReadFileTool
        .run(&ToolContext::new("/"), json!({ "path": path }))
        .await
        .unwrap();
    assert_eq!(out.output, "     1\thello");
}

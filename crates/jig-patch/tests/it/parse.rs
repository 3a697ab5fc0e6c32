//! Parse errors name the patch line, show it, and say what was expected;
//! well-formed patches parse into the documented structure.

use std::path::PathBuf;

use jig_patch::{Chunk, ChunkLine, FileHunk, parse_patch};

fn parse_error(text: &str) -> String {
    parse_patch(text).unwrap_err().to_string()
}

#[test]
fn parses_every_operation() {
    let text = "*** Begin Patch
*** Add File: a.txt
+hello
*** Update File: b.rs
*** Move to: c.rs
@@ fn main()
@@ let x
 keep
-old
+new
*** End of File
*** Delete File: d.txt
*** End Patch";

    let patch = parse_patch(text).unwrap();

    let update = FileHunk::Update {
        path: PathBuf::from("b.rs"),
        move_to: Some(PathBuf::from("c.rs")),
        chunks: vec![Chunk {
            headers: vec!["fn main()".to_owned(), "let x".to_owned()],
            lines: vec![
                ChunkLine::Context("keep".to_owned()),
                ChunkLine::Removed("old".to_owned()),
                ChunkLine::Added("new".to_owned()),
            ],
            end_of_file: true,
        }],
    };
    let expected = vec![
        FileHunk::Add {
            path: PathBuf::from("a.txt"),
            contents: "hello\n".to_owned(),
        },
        update,
        FileHunk::Delete {
            path: PathBuf::from("d.txt"),
        },
    ];
    assert_eq!(patch.hunks, expected);
}

#[test]
fn missing_markers_and_empty_patches() {
    insta::assert_snapshot!(parse_error("*** Update File: a\n-x\n*** End Patch"), @"invalid patch: the first line must be '*** Begin Patch', found \"*** Update File: a\"; wrap the patch in '*** Begin Patch' and '*** End Patch' lines");
    insta::assert_snapshot!(parse_error("*** Begin Patch\n*** Delete File: a\n"), @"invalid patch: the last line must be '*** End Patch', found \"*** Delete File: a\"; end the patch with a '*** End Patch' line");
    insta::assert_snapshot!(parse_error("*** Begin Patch\n*** End Patch"), @"invalid patch: no file operations between '*** Begin Patch' and '*** End Patch'; add an '*** Add File:', '*** Update File:' or '*** Delete File:' section");
    assert_eq!(parse_error(""), parse_error("   \n\n"));
    assert!(parse_error("*** Begin Patch").contains("the last line must be '*** End Patch'"));
}

#[test]
fn bad_lines_name_their_line_number_and_what_was_expected() {
    let text = "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n context\n-old\n+new\nfoo\n*** End Patch";
    insta::assert_snapshot!(parse_error(text), @r#"invalid patch line 7: "foo": expected a line starting with ' ', '+', '-', '@@' or '*** '"#);

    let cases = [
        (
            "*** Begin Patch\n*** Frobnicate File: a\n*** End Patch",
            2,
            "'*** Add File: ', '*** Update File: ' or '*** Delete File: '",
        ),
        (
            "*** Begin Patch\n*** Add File: a\n+x\ny\n*** End Patch",
            4,
            "a line starting with '+'",
        ),
        (
            "*** Begin Patch\n*** Delete File: a\nstray\n*** End Patch",
            3,
            "'*** Delete File:' takes no lines",
        ),
        (
            "*** Begin Patch\n*** Add File:   \n+x\n*** End Patch",
            2,
            "a file path after the marker",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n-x\n*** Move to: b\n*** End Patch",
            4,
            "'*** Move to:' only directly after",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n*** End of File\n*** End Patch",
            3,
            "chunk lines before '*** End of File'",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n-x\n*** End of File\n-y\n*** End Patch",
            5,
            "'@@' or a '*** ' marker after '*** End of File'",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n@@ header only\n*** End Patch",
            3,
            "' ', '-' or '+' lines after '@@'",
        ),
        (
            "\n\n*** Begin Patch\n*** Update File: a\n\tbad\n*** End Patch",
            5,
            "a line starting with ' '",
        ),
    ];
    for (text, line, expected) in cases {
        let error = parse_error(text);
        assert!(
            error.starts_with(&format!("invalid patch line {line}: ")),
            "{text:?}: {error}"
        );
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

#[test]
fn an_update_that_changes_nothing_is_refused() {
    insta::assert_snapshot!(parse_error("*** Begin Patch\n*** Update File: a.txt\n*** End Patch"), @"invalid patch line 2: update of a.txt changes nothing; add a chunk of ' ', '-' and '+' lines, or a '*** Move to:' line");
}

#[test]
fn unified_diff_ranges_and_crlf_patches_are_tolerated() {
    let text = "*** Begin Patch\r\n*** Update File: a\r\n@@ -1,2 +1,2 @@ fn f\r\n-x\r\n+y\r\n*** End Patch\r\n";

    let patch = parse_patch(text).unwrap();

    let FileHunk::Update { chunks, .. } = &patch.hunks[0] else {
        panic!("{patch:?}")
    };
    assert_eq!(chunks[0].headers, vec!["fn f"]);
    assert_eq!(chunks[0].old_lines(), vec!["x"]);
    assert_eq!(chunks[0].new_lines(), vec!["y"]);
}

#[test]
fn a_path_with_a_control_character_is_refused_naming_its_line() {
    insta::assert_snapshot!(
        parse_error("*** Begin Patch\n*** Add File: a\0b.txt\n+x\n*** End Patch"),
        @r#"invalid patch line 2: "*** Add File: a\0b.txt": expected a file path without control characters (NUL, tab, escape…)"#
    );
    let cases = [
        ("*** Update File: a\x1b[31m.txt\n-x\n+y", 2),
        ("*** Delete File: a\tb", 2),
        ("*** Update File: a.txt\n*** Move to: b\0.txt", 3),
        ("*** Delete File: a\u{7f}", 2),
        ("*** Delete File: a\u{85}b", 2),
    ];
    for (body, line) in cases {
        let error = parse_error(&format!("*** Begin Patch\n{body}\n*** End Patch"));
        assert!(
            error.starts_with(&format!("invalid patch line {line}: ")) && error.contains("without control characters"),
            "{body:?}: {error}"
        );
    }
}

#[test]
fn a_path_naming_a_directory_is_refused() {
    insta::assert_snapshot!(
        parse_error("*** Begin Patch\n*** Add File: src/\n+x\n*** End Patch"),
        @r#"invalid patch line 2: "*** Add File: src/": expected a file path, not a directory; drop the trailing '/'"#
    );
}

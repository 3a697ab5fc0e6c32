//! Patches that do not apply: the error says which file, chunk and lines,
//! and nothing on disk changes.

use jig_patch::PatchError;

use crate::support::Sandbox;

const TWIN: &str = "fn a() {\n    x += 1;\n}\nfn b() {\n    x += 1;\n}\nfn c() {\n    x += 1;\n}\n";

#[test]
fn ambiguous_context_is_refused_and_nothing_is_written() {
    let sandbox = Sandbox::with(&[("twin.rs", TWIN), ("other.txt", "o\n")]);
    let before = sandbox.everything();
    let patch = "*** Begin Patch\n*** Update File: other.txt\n-o\n+p\n*** Update File: twin.rs\n-    x += 1;\n+    x += 2;\n*** End Patch";

    let error = sandbox.apply(patch).unwrap_err();

    assert!(
        matches!(&error, PatchError::Ambiguous { chunk: 1, lines, .. } if lines == &[2, 5, 8]),
        "{error:?}"
    );
    insta::assert_snapshot!(error, @"cannot apply patch to twin.rs: chunk 1 context is ambiguous, it matches at lines 2, 5 and 8; add more context lines or an '@@' header naming the enclosing function or block");
    assert_eq!(sandbox.read("twin.rs"), TWIN);
    assert_eq!(sandbox.read("other.txt"), "o\n");
    assert_eq!(sandbox.everything(), before);
}

#[test]
fn a_later_chunk_is_ambiguous_only_among_matches_after_the_previous_one() {
    let sandbox = Sandbox::with(&[("twin.rs", TWIN)]);
    let patch = "*** Begin Patch\n*** Update File: twin.rs\n fn b() {\n-    x += 1;\n+    x += 2;\n@@\n-    x += 1;\n+    x += 3;\n*** End Patch";

    sandbox.apply(patch).unwrap();

    let expected = "fn a() {\n    x += 1;\n}\nfn b() {\n    x += 2;\n}\nfn c() {\n    x += 3;\n}\n";
    assert_eq!(sandbox.read("twin.rs"), expected);
}

#[test]
fn context_not_found_names_file_chunk_lines_and_nearest_match() {
    let sandbox = Sandbox::with(&[("src/lib.rs", "fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n")]);
    let patch = "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n fn add(a: i32, b: i32) -> i32 {\n-    a + b\n+    a + b + 0\n@@\n fn add(a: i32) {\n-    a - b\n+    a\n*** End Patch";

    let error = sandbox.apply(patch).unwrap_err();

    insta::assert_snapshot!(error, @r"
    cannot apply patch to src/lib.rs: chunk 2 context not found; expected these lines:
        fn add(a: i32) {
            a - b
    nothing similar found; re-read the file and copy the context exactly
    ");
    assert_eq!(
        sandbox.read("src/lib.rs"),
        "fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n"
    );
}

#[test]
fn context_not_found_points_at_the_nearest_lines() {
    let sandbox = Sandbox::with(&[("f.txt", "alpha\nbeta\ngamma\ndelta\n")]);
    let patch = "*** Begin Patch\n*** Update File: f.txt\n gamma\n-DELTA\n+epsilon\n*** End Patch";

    let error = sandbox.apply(patch).unwrap_err();

    insta::assert_snapshot!(error, @r"
    cannot apply patch to f.txt: chunk 1 context not found; expected these lines:
        gamma
        DELTA
    nearest match near line 3; re-read the file and copy the context exactly
    ");
}

#[test]
fn end_of_file_chunk_must_match_at_the_end() {
    let sandbox = Sandbox::with(&[("f.txt", "a\nb\nc\n")]);
    let patch = "*** Begin Patch\n*** Update File: f.txt\n-a\n+z\n*** End of File\n*** End Patch";

    let error = sandbox.apply(patch).unwrap_err();

    assert!(
        matches!(
            error,
            PatchError::ContextNotFound {
                end_of_file: true,
                nearest: Some(1),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.read("f.txt"), "a\nb\nc\n");
}

#[test]
fn header_not_found_is_reported() {
    let sandbox = Sandbox::with(&[("f.txt", "a\n")]);
    let patch = "*** Begin Patch\n*** Update File: f.txt\n@@ fn missing()\n-a\n+b\n*** End Patch";

    let error = sandbox.apply(patch).unwrap_err();

    insta::assert_snapshot!(error, @"cannot apply patch to f.txt: chunk 1 header '@@ fn missing()' not found after line 0; use a line copied from the file, or a bare '@@'");
}

#[test]
fn file_existence_errors() {
    let sandbox = Sandbox::with(&[("here.txt", "x\n"), ("dir/inner.txt", "y\n")]);
    let cases = [
        (
            "*** Update File: nope.txt\n-x\n+y",
            "cannot update nope.txt: the file does not exist; use '*** Add File:' to create it",
        ),
        (
            "*** Delete File: nope.txt",
            "cannot delete nope.txt: the file does not exist; check the path",
        ),
        (
            "*** Delete File: dir",
            "cannot change dir: it is a directory; patches change files, name a file inside it",
        ),
        (
            "*** Add File: here.txt/sub.txt\n+x",
            "cannot create here.txt/sub.txt: a parent of it is a file, not a directory",
        ),
        (
            "*** Delete File: here.txt\n*** Update File: here.txt\n-x\n+y",
            "cannot update here.txt: the file does not exist; use '*** Add File:' to create it",
        ),
    ];
    let before = sandbox.everything();
    for (body, expected) in cases {
        let error = sandbox
            .apply(&format!("*** Begin Patch\n{body}\n*** End Patch"))
            .unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
    assert_eq!(sandbox.everything(), before);
    assert_eq!(sandbox.read("here.txt"), "x\n");
}

#[test]
fn a_binary_file_cannot_be_updated() {
    let sandbox = Sandbox::with(&[]);
    std::fs::write(sandbox.root().join("blob.bin"), [0xff, 0xfe, 0x00]).unwrap();

    let error = sandbox
        .apply("*** Begin Patch\n*** Update File: blob.bin\n-x\n+y\n*** End Patch")
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "cannot apply patch to blob.bin: the file is not valid UTF-8 text"
    );
}

#[test]
fn a_nul_in_a_path_is_refused_before_anything_is_touched() {
    let sandbox = Sandbox::with(&[("a.txt", "a\n")]);
    let before = sandbox.everything();

    let error = sandbox
        .apply("*** Begin Patch\n*** Update File: a.txt\n-a\n+b\n*** Add File: x\0y\n+x\n*** End Patch")
        .unwrap_err();

    assert!(matches!(error, PatchError::InvalidLine { line: 5, .. }), "{error:?}");
    assert_eq!(sandbox.everything(), before);
    assert_eq!(sandbox.read("a.txt"), "a\n");
}

#[test]
fn resolving_a_path_with_a_control_character_is_refused() {
    let sandbox = Sandbox::with(&[]);

    for path in ["x\0y", "dir/\x1b[2Jname", "new\nline"] {
        let error = jig_patch::resolve_in_workspace(&sandbox.root(), std::path::Path::new(path)).unwrap_err();
        assert!(
            matches!(error, PatchError::ControlCharacter { .. }),
            "{path:?}: {error:?}"
        );
    }
    let error = jig_patch::resolve_in_workspace(&sandbox.root(), std::path::Path::new("x\0y")).unwrap_err();
    insta::assert_snapshot!(error, @r#"refusing to touch "x\0y": the path contains the control character '\0'; name the file without control characters"#);
}

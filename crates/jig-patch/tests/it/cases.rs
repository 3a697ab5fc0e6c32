//! Patches that apply: each case seeds files, applies a patch, and checks
//! the whole workspace and the summary afterwards.

use crate::support::{Sandbox, owned};

struct Case {
    name: &'static str,
    before: &'static [(&'static str, &'static str)],
    patch: &'static str,
    after: &'static [(&'static str, &'static str)],
    summary: &'static str,
}

const LIB: &str = "fn one() {\n    1\n}\n\nfn two() {\n    2\n}\n\nfn three() {\n    3\n}\n";

const CASES: &[Case] = &[
    Case {
        name: "add a file in a new directory",
        before: &[],
        patch: "*** Begin Patch\n*** Add File: dir/new.txt\n+line one\n+line two\n*** End Patch",
        after: &[("dir/new.txt", "line one\nline two\n")],
        summary: "A dir/new.txt\n",
    },
    Case {
        name: "add an empty file",
        before: &[],
        patch: "*** Begin Patch\n*** Add File: empty.txt\n*** End Patch",
        after: &[("empty.txt", "")],
        summary: "A empty.txt\n",
    },
    Case {
        name: "update with several chunks, the first without @@",
        before: &[("src/lib.rs", LIB)],
        patch: "*** Begin Patch\n*** Update File: src/lib.rs\n fn one() {\n-    1\n+    10\n@@\n fn three() {\n-    3\n+    30\n*** End Patch",
        after: &[(
            "src/lib.rs",
            "fn one() {\n    10\n}\n\nfn two() {\n    2\n}\n\nfn three() {\n    30\n}\n",
        )],
        summary: "M src/lib.rs\n",
    },
    Case {
        name: "move without edits",
        before: &[("old/name.txt", "same\n")],
        patch: "*** Begin Patch\n*** Update File: old/name.txt\n*** Move to: new/place.txt\n*** End Patch",
        after: &[("new/place.txt", "same\n")],
        summary: "M new/place.txt\n",
    },
    Case {
        name: "move with edits",
        before: &[("a.txt", "keep\nchange\n")],
        patch: "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n keep\n-change\n+changed\n*** End Patch",
        after: &[("b.txt", "keep\nchanged\n")],
        summary: "M b.txt\n",
    },
    Case {
        name: "delete",
        before: &[("gone.txt", "bye\n"), ("stays.txt", "hi\n")],
        patch: "*** Begin Patch\n*** Delete File: gone.txt\n*** End Patch",
        after: &[("stays.txt", "hi\n")],
        summary: "D gone.txt\n",
    },
    Case {
        name: "end of file anchors an otherwise ambiguous chunk",
        before: &[("f.txt", "x\ny\nx\n")],
        patch: "*** Begin Patch\n*** Update File: f.txt\n@@\n x\n+z\n*** End of File\n*** End Patch",
        after: &[("f.txt", "x\ny\nx\nz\n")],
        summary: "M f.txt\n",
    },
    Case {
        name: "@@ header picks between identical blocks",
        before: &[(
            "src/lib.rs",
            "fn first() {\n    return 0;\n}\nfn second() {\n    return 0;\n}\n",
        )],
        patch: "*** Begin Patch\n*** Update File: src/lib.rs\n@@ fn second() {\n-    return 0;\n+    return 2;\n*** End Patch",
        after: &[(
            "src/lib.rs",
            "fn first() {\n    return 0;\n}\nfn second() {\n    return 2;\n}\n",
        )],
        summary: "M src/lib.rs\n",
    },
    Case {
        name: "several @@ headers narrow in steps",
        before: &[(
            "m.py",
            "class A:\n    def f(self):\n        pass\nclass B:\n    def f(self):\n        pass\n",
        )],
        patch: "*** Begin Patch\n*** Update File: m.py\n@@ class B:\n@@     def f(self):\n-        pass\n+        return 1\n*** End Patch",
        after: &[(
            "m.py",
            "class A:\n    def f(self):\n        pass\nclass B:\n    def f(self):\n        return 1\n",
        )],
        summary: "M m.py\n",
    },
    Case {
        name: "pure insertion goes after the header line",
        before: &[("list.txt", "[fruit]\napple\n[veg]\nleek\n")],
        patch: "*** Begin Patch\n*** Update File: list.txt\n@@ [veg]\n+carrot\n*** End Patch",
        after: &[("list.txt", "[fruit]\napple\n[veg]\ncarrot\nleek\n")],
        summary: "M list.txt\n",
    },
    Case {
        name: "pure insertion without header appends",
        before: &[("list.txt", "a\nb\n")],
        patch: "*** Begin Patch\n*** Update File: list.txt\n@@\n+c\n*** End Patch",
        after: &[("list.txt", "a\nb\nc\n")],
        summary: "M list.txt\n",
    },
    Case {
        name: "an empty line inside a chunk is empty context",
        before: &[("p.txt", "a\n\nb\n")],
        patch: "*** Begin Patch\n*** Update File: p.txt\n a\n\n-b\n+B\n*** End Patch",
        after: &[("p.txt", "a\n\nB\n")],
        summary: "M p.txt\n",
    },
    Case {
        name: "indented '***' and '@@' lines are context",
        before: &[("notes.md", "a\n*** note ***\n@@ not a header\nb\n")],
        patch: "*** Begin Patch\n*** Update File: notes.md\n a\n *** note ***\n @@ not a header\n-b\n+c\n*** End Patch",
        after: &[("notes.md", "a\n*** note ***\n@@ not a header\nc\n")],
        summary: "M notes.md\n",
    },
    Case {
        name: "crlf file stays crlf",
        before: &[("win.txt", "one\r\ntwo\r\n")],
        patch: "*** Begin Patch\n*** Update File: win.txt\n one\n-two\n+2\n+3\n*** End Patch",
        after: &[("win.txt", "one\r\n2\r\n3\r\n")],
        summary: "M win.txt\n",
    },
    Case {
        name: "missing final newline stays missing",
        before: &[("n.txt", "a\nb")],
        patch: "*** Begin Patch\n*** Update File: n.txt\n-b\n+c\n*** End Patch",
        after: &[("n.txt", "a\nc")],
        summary: "M n.txt\n",
    },
    Case {
        name: "add then update the same file",
        before: &[],
        patch: "*** Begin Patch\n*** Add File: t.txt\n+a\n*** Update File: t.txt\n-a\n+b\n*** End Patch",
        after: &[("t.txt", "b\n")],
        summary: "A t.txt\nM t.txt\n",
    },
    Case {
        name: "whitespace, blank lines and a heredoc around the markers",
        before: &[("w.txt", "x\n")],
        patch: "\n  apply_patch <<'EOF'\n  *** Begin Patch  \n\n*** Update File:   w.txt  \n\n-x\n+y\n\n   *** End Patch\nEOF\n\n",
        after: &[("w.txt", "y\n")],
        summary: "M w.txt\n",
    },
    Case {
        name: "summary groups added, modified, deleted in patch order",
        before: &[("m1", "1\n"), ("d1", "\n"), ("m2", "2\n")],
        patch: "*** Begin Patch\n*** Update File: m2\n-2\n+two\n*** Delete File: d1\n*** Add File: a2\n+\n*** Update File: m1\n-1\n+one\n*** Add File: a1\n+\n*** End Patch",
        after: &[("a1", "\n"), ("a2", "\n"), ("m1", "one\n"), ("m2", "two\n")],
        summary: "A a2\nA a1\nM m2\nM m1\nD d1\n",
    },
];

#[test]
fn every_case_applies() {
    for case in CASES {
        let sandbox = Sandbox::with(case.before);
        let summary = match sandbox.apply(case.patch) {
            Ok(summary) => summary,
            Err(error) => panic!("{}: {error}", case.name),
        };
        assert_eq!(sandbox.files(), owned(case.after), "{}", case.name);
        let expected = format!("Success. Updated the following files:\n{}", case.summary);
        assert_eq!(summary.to_string(), expected, "{}", case.name);
    }
}

#[test]
fn absolute_path_inside_the_root_is_fine() {
    let sandbox = Sandbox::with(&[("in.txt", "a\n")]);
    let path = sandbox.root().join("in.txt");
    let patch = format!(
        "*** Begin Patch\n*** Update File: {}\n-a\n+b\n*** End Patch",
        path.display()
    );

    let summary = sandbox.apply(&patch).unwrap();

    assert_eq!(sandbox.read("in.txt"), "b\n");
    assert_eq!(summary.modified, vec![std::path::PathBuf::from("in.txt")]);
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_root_is_followed() {
    let sandbox = Sandbox::with(&[("real/target.txt", "a\n")]);
    std::os::unix::fs::symlink(sandbox.root().join("real"), sandbox.root().join("alias")).unwrap();

    sandbox
        .apply("*** Begin Patch\n*** Update File: alias/target.txt\n-a\n+b\n*** End Patch")
        .unwrap();

    assert_eq!(sandbox.read("real/target.txt"), "b\n");
    assert!(
        std::fs::symlink_metadata(sandbox.root().join("alias"))
            .unwrap()
            .is_symlink()
    );
}

#[test]
fn summary_display_is_pinned() {
    let sandbox = Sandbox::with(&[("src/lib.rs", LIB), ("old.txt", "x\n"), ("tmp.log", "\n")]);
    let patch = "*** Begin Patch
*** Add File: docs/notes.md
+# Notes
*** Update File: src/lib.rs
@@ fn two() {
-    2
+    22
*** Update File: old.txt
*** Move to: new.txt
*** Delete File: tmp.log
*** End Patch";

    let summary = sandbox.apply(patch).unwrap();

    insta::assert_snapshot!(summary, @r"
    Success. Updated the following files:
    A docs/notes.md
    M src/lib.rs
    M new.txt
    D tmp.log
    ");
}

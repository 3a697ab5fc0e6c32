//! Context that differs from the file in the ways models get wrong still
//! applies, one tolerance stage at a time, and kept lines keep the file text.

use crate::support::{Sandbox, owned};

struct Fuzzy {
    name: &'static str,
    file: &'static str,
    chunk: &'static str,
    result: &'static str,
}

const FUZZY: &[Fuzzy] = &[
    Fuzzy {
        name: "trailing whitespace in the file",
        file: "let a = 1;   \nlet b = 2;\t\n",
        chunk: " let a = 1;\n-let b = 2;\n+let b = 3;",
        result: "let a = 1;   \nlet b = 3;\n",
    },
    Fuzzy {
        name: "trailing whitespace in the patch",
        file: "let a = 1;\nlet b = 2;\n",
        chunk: " let a = 1;  \n-let b = 2; \n+let b = 3;",
        result: "let a = 1;\nlet b = 3;\n",
    },
    Fuzzy {
        name: "leading whitespace differs",
        file: "fn f() {\n        indented();\n}\n",
        chunk: " fn f() {\n-    indented();\n+    done();",
        result: "fn f() {\n    done();\n}\n",
    },
    Fuzzy {
        name: "unicode dash and curly quotes in the patch",
        file: "say(\"hi\") - 'ok'...\nnext\n",
        chunk: " say(\u{201C}hi\u{201D}) \u{2014} \u{2018}ok\u{2019}\u{2026}\n-next\n+after",
        result: "say(\"hi\") - 'ok'...\nafter\n",
    },
    Fuzzy {
        name: "unicode dash and non-breaking space in the file",
        file: "a\u{00A0}\u{2013} b\nold\n",
        chunk: " a - b\n-old\n+new",
        result: "a\u{00A0}\u{2013} b\nnew\n",
    },
];

#[test]
fn each_tolerance_stage_applies() {
    for case in FUZZY {
        let sandbox = Sandbox::with(&[("f.txt", case.file)]);
        let patch = format!(
            "*** Begin Patch\n*** Update File: f.txt\n@@\n{}\n*** End Patch",
            case.chunk
        );
        if let Err(error) = sandbox.apply(&patch) {
            panic!("{}: {error}", case.name);
        }
        assert_eq!(sandbox.files(), owned(&[("f.txt", case.result)]), "{}", case.name);
    }
}

#[test]
fn an_exact_match_wins_over_an_earlier_fuzzy_one() {
    let sandbox = Sandbox::with(&[("f.txt", "target  \nx\ntarget\nx\n")]);

    sandbox
        .apply("*** Begin Patch\n*** Update File: f.txt\n target\n-x\n+y\n*** End Patch")
        .unwrap();

    assert_eq!(sandbox.read("f.txt"), "target  \nx\ntarget\ny\n");
}

#[test]
fn a_header_line_may_match_fuzzily_or_by_containment() {
    let sandbox = Sandbox::with(&[("f.rs", "fn a() {\n    0\n}\npub fn b(x: u8) -> u8 {\n    0\n}\n")]);

    sandbox
        .apply("*** Begin Patch\n*** Update File: f.rs\n@@ fn b(x: u8)\n-    0\n+    x\n*** End Patch")
        .unwrap();

    assert_eq!(
        sandbox.read("f.rs"),
        "fn a() {\n    0\n}\npub fn b(x: u8) -> u8 {\n    x\n}\n"
    );
}

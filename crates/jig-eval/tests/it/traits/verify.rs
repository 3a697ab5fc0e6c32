//! `verified_after_last_edit` counts the project's tooling and runs of the
//! project's code after the last edit, and says which it saw; reads and
//! listings after the edit do not count.

use super::{GENERIC, PATCH, TraitName, TraitOptions, assert_trait, grade, rollout};

/// The calc.py patch (plus `extra_patch` lines), then `command` as a
/// shell call (a TOML value), then a closing message.
fn patch_then(extra_patch: &str, command: &str) -> String {
    let patch = PATCH.replace("*** End Patch", &format!("{extra_patch}*** End Patch"));
    format!(
        r#"
[[response]]
text = "Reading, fixing, then trying it."
[[response.tool_calls]]
name = "read_file"
arguments = {{ path = "calc.py" }}

[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = {{ input = """{patch}""" }}
[response.expect]
last_status = "ok"

[[response]]
[[response.tool_calls]]
name = "shell"
arguments = {{ command = {command} }}

[[response]]
text = "Done."
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_the_project_code_or_its_build_after_the_edit_verifies_it() {
    let makefile = "*** Add File: Makefile\n+all:\n+\tpython3 -c 'import calc; assert calc.add(2, 3) == 5'\n";
    for (extra, command, expected) in [
        (
            "",
            r#""python3 -c 'import calc; assert calc.add(2, 3) == 5; print(\"ok\")'""#,
            "python3 -c ran the project's code after the last edit (apply_patch on calc.py, record",
        ),
        (
            "*** Add File: main.py\n+import calc\n+print(calc.add(2, 3))\n",
            r#"["python3", "main.py", "--check"]"#,
            "python3 main.py ran the project's code after the last edit (apply_patch on main.py, record",
        ),
        (
            makefile,
            r#""make""#,
            "make ran after the last edit (apply_patch on Makefile, record",
        ),
    ] {
        let records = rollout(GENERIC, &patch_then(extra, command)).await;
        let scores = grade(&records, &TraitOptions::default());
        assert_trait(&scores, TraitName::VerifiedAfterLastEdit, true, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_listings_after_the_edit_do_not_verify_it() {
    let script = patch_then("", r#""cat calc.py && ls -la && git status --short; git diff""#);
    let scores = grade(&rollout(GENERIC, &script).await, &TraitOptions::default());
    assert_trait(
        &scores,
        TraitName::VerifiedAfterLastEdit,
        false,
        "no test, build, lint or run of the project's code after the last edit (apply_patch on calc.py, record",
    );
}

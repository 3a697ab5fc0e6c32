//! `read_before_edit` file by file: a file counts as read only when a call
//! before its first edit showed its content — a read, or a search whose
//! output holds its lines. A broad search or a listing does not read every
//! file, and a file the edit creates needs no read.

use super::{GENERIC, PATCH, TraitName, TraitOptions, assert_trait, grade, rollout, trait_of};

/// A script of `calls` (TOML `[[response.tool_calls]]` tables), then the
/// patch of calc.py, then a closing message.
fn script(calls: &str, patch: &str) -> String {
    format!(
        r#"
[[response]]
text = "Looking around first."
{calls}

[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = {{ input = '''{patch}''' }}
[response.expect]
last_status = "ok"

[[response]]
text = "Done."
"#
    )
}

const SEARCH_NOTES: &str = r#"
[[response.tool_calls]]
name = "search"
arguments = { pattern = "should" }
"#;

const LIST_ROOT: &str = r#"
[[response.tool_calls]]
name = "list_dir"
arguments = { path = "." }
"#;

/// The calc.py patch, also updating tests/check.sh.
fn patch_two_files() -> String {
    PATCH.replace(
        "*** End Patch",
        "*** Update File: tests/check.sh\n@@\n-grep -q 'a + b' calc.py && echo ok\n+grep -q 'a + b' calc.py && echo fixed\n*** End Patch",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broad_search_or_a_listing_is_not_a_read_of_every_file() {
    let records = rollout(GENERIC, &script(SEARCH_NOTES, PATCH)).await;
    let scores = grade(&records, &TraitOptions::default());
    assert_trait(
        &scores,
        TraitName::ReadBeforeEdit,
        false,
        "apply_patch on calc.py before any read of it (the search at record",
    );
    assert_trait(&scores, TraitName::ReadBeforeEdit, false, "showed none of its lines)");

    let records = rollout(GENERIC, &script(LIST_ROOT, PATCH)).await;
    let scores = grade(&records, &TraitOptions::default());
    assert_trait(&scores, TraitName::ReadBeforeEdit, false, "showed names, not content)");

    // A search that shows one file's lines reads that file, not its neighbours.
    let search = r#"
[[response.tool_calls]]
name = "search"
arguments = { pattern = "a - b" }
"#;
    let records = rollout(GENERIC, &script(search, &patch_two_files())).await;
    let scores = grade(&records, &TraitOptions::default());
    assert_trait(
        &scores,
        TraitName::ReadBeforeEdit,
        false,
        "apply_patch on tests/check.sh before any read of it",
    );
    assert_trait(
        &scores,
        TraitName::ReadBeforeEdit,
        false,
        "apply_patch on calc.py after reading it",
    );
    assert_eq!(trait_of(&scores, TraitName::ReadBeforeEdit).score, 0.5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_shows_the_file_reads_it() {
    let search = r#"
[[response.tool_calls]]
name = "search"
arguments = { pattern = "def add" }
[[response.tool_calls]]
name = "list_dir"
arguments = { path = "." }
"#;
    let records = rollout(GENERIC, &script(search, PATCH)).await;
    let scores = grade(&records, &TraitOptions::default());
    assert_trait(
        &scores,
        TraitName::ReadBeforeEdit,
        true,
        "apply_patch on calc.py after reading it (search showed its lines, record",
    );

    // Through the shell: grep's output names both files, each with a line.
    let grep = r#"
[[response.tool_calls]]
name = "shell"
arguments = { command = "grep -rn 'a' ." }
"#;
    let records = rollout(GENERIC, &script(grep, &patch_two_files())).await;
    let scores = grade(&records, &TraitOptions::default());
    assert_trait(
        &scores,
        TraitName::ReadBeforeEdit,
        true,
        "apply_patch on tests/check.sh after reading it (shell search showed its lines",
    );
    assert_eq!(trait_of(&scores, TraitName::ReadBeforeEdit).score, 1.0);

    // A shell read of a glob reads the files it matches; a new file needs none.
    let cat = r#"
[[response.tool_calls]]
name = "shell"
arguments = { command = "cat *.py" }
"#;
    let patch = PATCH.replace(
        "*** End Patch",
        "*** Add File: test_calc.py\n+import calc\n*** End Patch",
    );
    let records = rollout(GENERIC, &script(cat, &patch)).await;
    let scores = grade(&records, &TraitOptions::default());
    assert_trait(
        &scores,
        TraitName::ReadBeforeEdit,
        true,
        "apply_patch on calc.py after reading it (shell read, record",
    );
    let read = trait_of(&scores, TraitName::ReadBeforeEdit);
    assert_eq!(read.evidence.len(), 1, "the created file is not judged: {read:#?}");
}

//! The file-level behaviours of Codex's own `apply_patch` (its
//! `codex-rs/apply-patch` scenarios), each checked here, and the two places
//! jig deliberately differs: a failing patch changes nothing, and paths stay
//! in the workspace.

use std::fs;

use jig_patch::PatchError;

use crate::support::{Sandbox, owned};

fn patch(body: &str) -> String {
    format!("*** Begin Patch\n{body}\n*** End Patch")
}

#[test]
fn add_over_an_existing_file_replaces_it() {
    let sandbox = Sandbox::with(&[("duplicate.txt", "old content\n")]);

    let summary = sandbox
        .apply(&patch("*** Add File: duplicate.txt\n+new content"))
        .unwrap();

    assert_eq!(
        summary.to_string(),
        "Success. Updated the following files:\nA duplicate.txt\n"
    );
    assert_eq!(sandbox.files(), owned(&[("duplicate.txt", "new content\n")]));
}

#[test]
fn adding_one_path_twice_keeps_the_second() {
    let sandbox = Sandbox::with(&[]);

    sandbox
        .apply(&patch(
            "*** Add File: twice.txt\n+first\n*** Add File: twice.txt\n+second",
        ))
        .unwrap();

    assert_eq!(sandbox.files(), owned(&[("twice.txt", "second\n")]));
}

#[test]
fn move_onto_an_existing_file_replaces_the_destination() {
    let sandbox = Sandbox::with(&[
        ("old/name.txt", "from\n"),
        ("old/other.txt", "untouched\n"),
        ("renamed/dir/name.txt", "existing\n"),
    ]);

    let summary = sandbox
        .apply(&patch(
            "*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n@@\n-from\n+new",
        ))
        .unwrap();

    assert_eq!(
        summary.to_string(),
        "Success. Updated the following files:\nM renamed/dir/name.txt\n"
    );
    assert_eq!(
        sandbox.files(),
        owned(&[("old/other.txt", "untouched\n"), ("renamed/dir/name.txt", "new\n")])
    );
}

#[test]
fn a_pure_move_onto_a_file_added_earlier_replaces_it() {
    let sandbox = Sandbox::with(&[("a.txt", "a\n")]);

    sandbox
        .apply(&patch(
            "*** Add File: b.txt\n+placeholder\n*** Update File: a.txt\n*** Move to: b.txt",
        ))
        .unwrap();

    assert_eq!(sandbox.files(), owned(&[("b.txt", "a\n")]));
}

/// Codex writes the destination and then removes the source, which loses
/// the file when both are the same; jig keeps it, updated.
#[test]
fn moving_a_file_onto_itself_keeps_it() {
    let sandbox = Sandbox::with(&[("same.txt", "x\n")]);

    sandbox
        .apply(&patch("*** Update File: same.txt\n*** Move to: ./same.txt\n@@\n-x\n+y"))
        .unwrap();

    assert_eq!(sandbox.files(), owned(&[("same.txt", "y\n")]));
}

#[cfg(unix)]
#[test]
fn a_replaced_file_keeps_its_permissions_and_a_moved_one_brings_its_own() {
    use std::os::unix::fs::PermissionsExt as _;
    let sandbox = Sandbox::with(&[("run.sh", "old\n"), ("from.sh", "from\n"), ("to.sh", "to\n")]);
    let mode = |name: &str| fs::metadata(sandbox.root().join(name)).unwrap().permissions().mode() & 0o777;
    let set = |name: &str, mode: u32| {
        fs::set_permissions(sandbox.root().join(name), fs::Permissions::from_mode(mode)).unwrap();
    };
    set("run.sh", 0o750);
    set("from.sh", 0o700);
    set("to.sh", 0o644);

    sandbox
        .apply(&patch(
            "*** Add File: run.sh\n+new\n*** Update File: from.sh\n*** Move to: to.sh",
        ))
        .unwrap();

    assert_eq!(sandbox.read("run.sh"), "new\n");
    assert_eq!(mode("run.sh"), 0o750);
    assert_eq!(sandbox.read("to.sh"), "from\n");
    assert_eq!(mode("to.sh"), 0o700);
}

#[test]
fn what_codex_refuses_jig_refuses() {
    let sandbox = Sandbox::with(&[("here.txt", "x\n"), ("dir/foo.txt", "y\n")]);
    let cases = [
        (
            "*** Delete File: missing.txt",
            "cannot delete missing.txt: the file does not exist; check the path",
        ),
        (
            "*** Delete File: dir",
            "cannot change dir: it is a directory; patches change files, name a file inside it",
        ),
        (
            "*** Update File: missing.txt\n@@\n-old\n+new",
            "cannot update missing.txt: the file does not exist; use '*** Add File:' to create it",
        ),
        (
            "*** Update File: here.txt\n*** Move to: dir",
            "cannot change dir: it is a directory; patches change files, name a file inside it",
        ),
        (
            "*** Add File: dir\n+x",
            "cannot change dir: it is a directory; patches change files, name a file inside it",
        ),
    ];
    let before = sandbox.everything();
    for (body, expected) in cases {
        let error = sandbox.apply(&patch(body)).unwrap_err();
        assert_eq!(error.to_string(), expected, "{body}");
    }
    assert_eq!(sandbox.everything(), before);
    assert_eq!(sandbox.files(), owned(&[("dir/foo.txt", "y\n"), ("here.txt", "x\n")]));
}

/// Codex keeps the files written before a failing section; jig keeps none.
#[test]
fn a_failure_after_a_replacement_changes_nothing() {
    let seed = [("a.txt", "a\n"), ("b.txt", "b\n"), ("dest.txt", "dest\n")];
    let sandbox = Sandbox::with(&seed);
    let before = sandbox.everything();

    let error = sandbox
        .apply(&patch(
            "*** Add File: created.txt\n+hello\n*** Add File: a.txt\n+replaced\n*** Update File: b.txt\n*** Move to: dest.txt\n*** Update File: missing.txt\n@@\n-old\n+new",
        ))
        .unwrap_err();

    assert!(matches!(error, PatchError::UpdateMissing { .. }), "{error:?}");
    assert_eq!(sandbox.files(), owned(&seed));
    assert_eq!(sandbox.everything(), before);
}

/// A write that fails on disk, after the replacements were written, rolls
/// them back: the original files come back. The last file's name is legal
/// but leaves no room for the temporary name beside it, so only writing
/// it fails.
#[test]
fn a_failing_write_after_a_replacement_restores_the_replaced_files() {
    let seed = [("a.txt", "a\n"), ("b.txt", "b\n"), ("dest.txt", "dest\n")];
    let sandbox = Sandbox::with(&seed);
    let before = sandbox.everything();
    let long_name = "n".repeat(250);

    let error = sandbox
        .apply(&patch(&format!(
            "*** Add File: a.txt\n+replaced\n*** Update File: b.txt\n*** Move to: dest.txt\n*** Add File: {long_name}\n+x"
        )))
        .unwrap_err();

    assert!(matches!(error, PatchError::Io { action: "write", .. }), "{error:?}");
    assert_eq!(sandbox.files(), owned(&seed));
    assert_eq!(sandbox.everything(), before);
}

#[cfg(unix)]
#[test]
fn replacing_stays_inside_the_workspace() {
    use std::os::unix::fs::symlink;
    let sandbox = Sandbox::with(&[("inside.txt", "in\n")]);
    fs::write(sandbox.outside().join("secret.txt"), "secret\n").unwrap();
    symlink(sandbox.outside().join("secret.txt"), sandbox.root().join("link.txt")).unwrap();
    let outside = sandbox.outside().join("secret.txt").display().to_string();
    let before = sandbox.everything();

    for body in [
        "*** Add File: link.txt\n+pwned".to_owned(),
        "*** Add File: ../outside/secret.txt\n+pwned".to_owned(),
        format!("*** Add File: {outside}\n+pwned"),
        "*** Update File: inside.txt\n*** Move to: link.txt".to_owned(),
        "*** Update File: inside.txt\n*** Move to: ../outside/secret.txt".to_owned(),
    ] {
        let error = sandbox.apply(&patch(&body)).unwrap_err();
        assert!(
            matches!(error, PatchError::OutsideWorkspace { .. }),
            "{body}: {error:?}"
        );
    }

    assert_eq!(
        fs::read_to_string(sandbox.outside().join("secret.txt")).unwrap(),
        "secret\n"
    );
    assert_eq!(sandbox.everything(), before);
}

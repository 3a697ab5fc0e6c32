//! Paths that would leave the workspace are refused, naming the path, and
//! nothing is written anywhere.

use std::fs;
use std::os::unix::fs::symlink;

use jig_patch::PatchError;

use crate::support::Sandbox;

/// Applies `body` and expects it refused as outside the workspace, with the
/// whole sandbox (root and outside) unchanged.
fn assert_refused(sandbox: &Sandbox, body: &str, path: &str) {
    let before = sandbox.everything();
    let outside_before = fs::read_to_string(sandbox.outside().join("secret.txt")).ok();

    let error = sandbox
        .apply(&format!("*** Begin Patch\n{body}\n*** End Patch"))
        .unwrap_err();

    assert!(
        matches!(&error, PatchError::OutsideWorkspace { path: shown } if shown == path),
        "{body}: {error:?}"
    );
    assert_eq!(sandbox.everything(), before, "{body}");
    let outside_after = fs::read_to_string(sandbox.outside().join("secret.txt")).ok();
    assert_eq!(outside_after, outside_before, "{body}");
}

fn sandbox_with_links() -> Sandbox {
    let sandbox = Sandbox::with(&[("inside.txt", "in\n")]);
    fs::write(sandbox.outside().join("secret.txt"), "secret\n").unwrap();
    symlink(sandbox.outside(), sandbox.root().join("linkdir")).unwrap();
    symlink(
        sandbox.outside().join("secret.txt"),
        sandbox.root().join("linkfile.txt"),
    )
    .unwrap();
    sandbox
}

#[test]
fn escapes_are_refused() {
    let sandbox = sandbox_with_links();
    let outside = sandbox.outside().join("new.txt").display().to_string();
    let cases = [
        // Context that cannot match, so even a broken check could not write.
        (
            "*** Update File: /etc/passwd\n-no such line in passwd\n+x".to_owned(),
            "/etc/passwd".to_owned(),
        ),
        (format!("*** Add File: {outside}\n+x"), outside.clone()),
        ("*** Add File: ../x.txt\n+x".to_owned(), "../x.txt".to_owned()),
        ("*** Add File: a/../../x.txt\n+x".to_owned(), "a/../../x.txt".to_owned()),
        (
            "*** Add File: ../outside/secret2.txt\n+x".to_owned(),
            "../outside/secret2.txt".to_owned(),
        ),
        (
            "*** Add File: linkdir/new.txt\n+x".to_owned(),
            "linkdir/new.txt".to_owned(),
        ),
        (
            "*** Add File: linkdir/deeper/new.txt\n+x".to_owned(),
            "linkdir/deeper/new.txt".to_owned(),
        ),
        (
            "*** Update File: linkdir/secret.txt\n-secret\n+pwned".to_owned(),
            "linkdir/secret.txt".to_owned(),
        ),
        (
            "*** Update File: linkfile.txt\n-secret\n+pwned".to_owned(),
            "linkfile.txt".to_owned(),
        ),
        ("*** Delete File: linkfile.txt".to_owned(), "linkfile.txt".to_owned()),
        (
            "*** Update File: inside.txt\n*** Move to: ../moved.txt".to_owned(),
            "../moved.txt".to_owned(),
        ),
        (
            "*** Update File: inside.txt\n*** Move to: linkdir/moved.txt".to_owned(),
            "linkdir/moved.txt".to_owned(),
        ),
    ];
    for (body, path) in &cases {
        assert_refused(&sandbox, body, path);
    }
    assert_eq!(sandbox.read("inside.txt"), "in\n");
}

#[test]
fn an_escape_late_in_the_patch_stops_the_whole_patch() {
    let sandbox = sandbox_with_links();
    let body = "*** Update File: inside.txt\n-in\n+changed\n*** Add File: linkdir/new.txt\n+x";

    assert_refused(&sandbox, body, "linkdir/new.txt");
    assert_eq!(sandbox.read("inside.txt"), "in\n");
}

#[test]
fn refusal_message_names_the_path() {
    let sandbox = Sandbox::with(&[]);

    let error = sandbox
        .apply("*** Begin Patch\n*** Add File: ../x\n+x\n*** End Patch")
        .unwrap_err();

    insta::assert_snapshot!(error, @"refusing to touch ../x: it is outside the workspace; use a path relative to the workspace root");
}

#[test]
fn a_dangling_symlink_is_refused() {
    let sandbox = Sandbox::with(&[]);
    symlink(sandbox.outside().join("nowhere"), sandbox.root().join("dangling")).unwrap();

    for body in ["*** Add File: dangling\n+x", "*** Add File: dangling/x.txt\n+x"] {
        let error = sandbox
            .apply(&format!("*** Begin Patch\n{body}\n*** End Patch"))
            .unwrap_err();
        assert!(matches!(error, PatchError::BrokenSymlink { .. }), "{body}: {error:?}");
    }
    assert!(!sandbox.outside().join("nowhere").exists());
}

#[test]
fn the_root_itself_is_not_a_file() {
    let sandbox = Sandbox::with(&[]);

    let error = sandbox
        .apply("*** Begin Patch\n*** Add File: a/..\n+x\n*** End Patch")
        .unwrap_err();

    assert!(matches!(error, PatchError::IsDirectory { .. }), "{error:?}");
}

//! `check_write`, `explain_denial` and `wrap_command` without a helper.

use std::path::Path;

use jig_sandbox::{
    HELPER_SUBCOMMAND, SandboxError, SandboxMode, SandboxPolicy, check_write, explain_denial, wrap_command,
};

use crate::support::Fixture;

#[test]
fn check_write_allows_the_workspace_and_missing_children() {
    let fx = Fixture::new();
    let policy = fx.policy();
    assert_eq!(check_write(&policy, &fx.ws.join("new/dir/file.rs")), Ok(()));
    assert_eq!(check_write(&policy, Path::new("relative/file.rs")), Ok(()));
    assert_eq!(check_write(&policy, Path::new("/tmp/jig-scratch")), Ok(()));
}

#[test]
fn check_write_refuses_every_escape() {
    let fx = Fixture::new();
    let policy = fx.policy();
    std::os::unix::fs::symlink(&fx.outside, fx.ws.join("link")).expect("symlink");
    std::os::unix::fs::symlink(fx.outside.join("nowhere"), fx.ws.join("dangling")).expect("symlink");
    let outside_cases = [
        fx.outside.join("victim"),
        fx.ws.join("../outside/victim"),
        fx.ws.join("link/victim"),
        fx.ws.join("link/new-file"),
        Path::new("/proc/self/root").join(fx.outside.strip_prefix("/").expect("abs")),
        Path::new("/etc/passwd").to_path_buf(),
    ];
    for path in outside_cases {
        let err = check_write(&policy, &path).expect_err(&path.display().to_string());
        assert!(matches!(err, SandboxError::OutsideWritableRoots { .. }), "{err}");
        assert!(err.to_string().contains("outside the writable roots"), "{err}");
    }
    let climbs = fx.ws.join("missing/../../outside/victim");
    assert!(matches!(
        check_write(&policy, &climbs),
        Err(SandboxError::DotDotInMissingTail { .. })
    ));
    assert!(check_write(&policy, &fx.ws.join("dangling")).is_err());
}

#[test]
fn check_write_by_mode() {
    let fx = Fixture::new();
    let read_only = fx.policy().with_mode(SandboxMode::ReadOnly);
    let err = check_write(&read_only, &fx.ws.join("f")).expect_err("read-only");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot write {}/f: the sandbox is read-only; ask the user for workspace-write access if the task needs changes",
            fx.ws.display()
        )
    );
    let danger = fx.policy().with_mode(SandboxMode::DangerFullAccess);
    assert_eq!(check_write(&danger, &fx.outside.join("victim")), Ok(()));
}

#[test]
fn extra_writable_roots_are_honoured() {
    let fx = Fixture::new();
    let mut policy = fx.policy();
    policy.writable_roots.push(fx.outside.clone());
    assert_eq!(check_write(&policy, &fx.outside.join("victim")), Ok(()));
}

#[test]
fn explain_denial_only_speaks_up_for_sandbox_shaped_failures() {
    let policy = SandboxPolicy::workspace_write("/nonexistent-ws");
    assert_eq!(explain_denial("error: expected `;`", Some(101), &policy), None);
    assert_eq!(explain_denial("", Some(0), &policy), None);
    let note = explain_denial("curl: (7) Network is unreachable", Some(7), &policy).expect("net");
    assert!(note.contains("Network access is blocked"), "{note}");
    let mut open = policy.clone();
    open.network = true;
    assert_eq!(explain_denial("Network is unreachable", Some(7), &open), None);
    let note = explain_denial("touch: cannot touch '/etc/x': Permission denied", Some(1), &policy).expect("fs");
    assert!(note.starts_with("note: this command ran in jig's workspace-write sandbox"));
    assert!(note.contains("write only under"), "{note}");
    assert!(note.contains("ask the user for an escalation"), "{note}");
}

#[test]
fn wrap_command_round_trips_the_policy() {
    let policy = SandboxPolicy::workspace_write("/ws");
    let argv = wrap_command(Path::new("/bin/jig"), &policy, &["ls".into(), "-l".into()]);
    assert_eq!(argv[0], "/bin/jig");
    assert_eq!(argv[1], HELPER_SUBCOMMAND);
    assert_eq!(&argv[3..], ["--", "ls", "-l"]);
    let back: SandboxPolicy = serde_json::from_str(&argv[2]).expect("json");
    assert_eq!(back, policy);
    let minimal: SandboxPolicy = serde_json::from_str(r#"{"workspace":"/ws"}"#).expect("json");
    assert_eq!(minimal, policy);
}

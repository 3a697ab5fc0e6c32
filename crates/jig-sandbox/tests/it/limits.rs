//! Resource limits: a bounded fork bomb and an oversized file.

use jig_sandbox::Limits;

use crate::support::{Fixture, require_landlock, run, run_as};

/// The kernel never applies `RLIMIT_NPROC` to processes whose real uid is
/// host root (`user == INIT_USER` in `copy_process`), so under root the case
/// runs as `nobody`, which is what a real user's jig looks like.
const NOBODY: u32 = 65534;

/// Forks children that sleep until the helper kills them, so no fork can
/// succeed once the limit is reached and nothing depends on timing (bash
/// would retry a failed fork with a back-off that a child's exit can win).
/// Prints how many forks succeeded and exits 3 at the first failure.
const FORK_BOMB: &str = r#"
import os, sys, time
for i in range(40):
    try:
        pid = os.fork()
    except OSError as e:
        print("forked", i, "then failed:", e.strerror, file=sys.stderr)
        sys.exit(3)
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
print("all 40 forked")
"#;

#[test]
fn fork_bomb_is_bounded_by_the_process_limit() {
    require_landlock!();
    let fx = Fixture::new();
    let as_uid = nix::unistd::geteuid().is_root().then_some(NOBODY);
    if as_uid.is_some() {
        make_world_writable(&fx.ws);
    }
    std::fs::write(fx.ws.join("bomb.py"), FORK_BOMB).expect("bomb.py");
    let policy = fx.policy().with_limits(Limits {
        max_processes: Some(10),
        ..Limits::default()
    });
    // The limit counts only this sandbox's processes: the helper's private
    // user namespace gives it its own count of the uid's processes.
    let out = run_as(&policy, &fx.ws, "exec python3 bomb.py", as_uid);
    assert_eq!(out.code, Some(3), "stdout {} stderr {}", out.stdout, out.stderr);
    let forked: usize = out
        .stderr
        .strip_prefix("forked ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected stderr: {}", out.stderr));
    // The python process and its children: at most 10.
    assert!(forked < 10, "{forked} forks succeeded under a limit of 10");
    assert!(
        out.stderr.contains("then failed: Resource temporarily unavailable"),
        "{}",
        out.stderr
    );
    let note = jig_sandbox::explain_denial(&out.stderr, out.code, &policy).expect("note");
    assert!(note.contains("10 processes"), "{note}");
    fx.assert_outside_untouched();
}

#[test]
fn huge_file_is_cut_by_the_file_size_limit() {
    require_landlock!();
    let fx = Fixture::new();
    let policy = fx.policy().with_limits(Limits {
        max_file_size_bytes: Some(1 << 20),
        ..Limits::default()
    });
    let out = run(&policy, &fx.ws, "head -c 10M /dev/zero > big; echo \"status=$?\"");
    // 153 = 128 + SIGXFSZ.
    assert!(
        out.stdout.contains("status=153"),
        "stdout {} stderr {}",
        out.stdout,
        out.stderr
    );
    assert!(out.stderr.contains("File size limit exceeded"), "{}", out.stderr);
    let size = std::fs::metadata(fx.ws.join("big")).expect("big").len();
    assert_eq!(size, 1 << 20);
    let note = jig_sandbox::explain_denial(&out.stderr, Some(153), &policy).expect("note");
    assert!(note.contains("1048576 bytes"), "{note}");
    fx.assert_outside_untouched();
}

/// Lets `nobody` reach and write the workspace (the temp root is 0700).
fn make_world_writable(ws: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let parent = ws.parent().expect("temp root");
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(ws, std::fs::Permissions::from_mode(0o777)).expect("chmod");
}

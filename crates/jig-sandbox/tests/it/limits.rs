//! Resource limits: a bounded fork bomb and an oversized file.

use jig_sandbox::Limits;

use crate::support::{Fixture, require_landlock, run, run_as};

/// The kernel never applies `RLIMIT_NPROC` to processes whose real uid is
/// host root (`user == INIT_USER` in `copy_process`), so under root the case
/// runs as `nobody`, which is what a real user's jig looks like.
const NOBODY: u32 = 65534;

#[test]
fn fork_bomb_is_bounded_by_the_process_limit() {
    require_landlock!();
    let fx = Fixture::new();
    let as_uid = nix::unistd::geteuid().is_root().then_some(NOBODY);
    if as_uid.is_some() {
        make_world_writable(&fx.ws);
    }
    let policy = fx.policy().with_limits(Limits {
        max_processes: Some(10),
        ..Limits::default()
    });
    // Bounded: at most 40 children that each live three seconds (long enough
    // to overlap even on a loaded machine). With room for
    // 10 processes bash's fork hits EAGAIN; bash retries, and gives up when
    // a child's exit interrupts its back-off sleep. Either way the run ends.
    let script = "for i in $(seq 1 40); do sleep 3 & done; wait";
    let out = run_as(&policy, &fx.ws, script, as_uid);
    assert!(
        out.stderr.contains("fork: retry: Resource temporarily unavailable"),
        "the process limit never bit: code {:?}, stderr {}",
        out.code,
        out.stderr
    );
    let note = jig_sandbox::explain_denial(&out.stderr, out.code, &policy).expect("note");
    assert!(note.contains("10 processes"), "{note}");
    // `None` would mean the fixture's 120 s guard had to kill it.
    assert!(out.code.is_some_and(|c| c != 0), "code {:?}", out.code);
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

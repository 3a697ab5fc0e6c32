//! Positive cases: what the sandbox must keep working.

use std::io::Read;
use std::net::TcpListener;

use jig_sandbox::{EXIT_SETUP_FAILED, SandboxMode};

use crate::support::{Fixture, require_landlock, run};

#[test]
fn workspace_and_tmp_writes_work() {
    require_landlock!();
    let fx = Fixture::new();
    let tmp_file = tempfile::NamedTempFile::new_in("/tmp").expect("tmp file");
    let script = format!(
        "set -e; mkdir -p a/b; echo one > a/b/f; mv a/b/f a/g; rm -r a/b; \
         echo tmp > {tmp}; echo discard > /dev/null; cat a/g",
        tmp = tmp_file.path().display()
    );
    let out = run(&fx.policy(), &fx.ws, &script);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "one\n");
    assert_eq!(std::fs::read_to_string(tmp_file.path()).expect("tmp"), "tmp\n");
    fx.assert_outside_untouched();
}

#[test]
fn reading_outside_the_workspace_works() {
    require_landlock!();
    let fx = Fixture::new();
    let script = format!("cat /etc/hostname >/dev/null && cat {}/victim", fx.outside.display());
    let out = run(&fx.policy(), &fx.ws, &script);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, crate::support::VICTIM_TEXT);
}

#[test]
fn files_keep_their_owner() {
    require_landlock!();
    let fx = Fixture::new();
    let out = run(&fx.policy(), &fx.ws, "id -u; touch mine; stat -c %u mine");
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let uid = nix::unistd::getuid().as_raw();
    assert_eq!(out.stdout, format!("{uid}\n{uid}\n"));
}

#[test]
fn danger_full_access_allows_everything() {
    let fx = Fixture::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    let policy = fx.policy().with_mode(SandboxMode::DangerFullAccess);
    let script = format!(
        "echo changed > {o}/victim && exec 3<>/dev/tcp/127.0.0.1/{port} && echo hello >&3",
        o = fx.outside.display()
    );
    let out = run(&policy, &fx.ws, &script);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let (mut conn, _) = listener.accept().expect("accept");
    let mut got = String::new();
    conn.read_to_string(&mut got).expect("read");
    assert_eq!(got, "hello\n");
    let victim = std::fs::read_to_string(fx.outside.join("victim")).expect("victim");
    assert_eq!(victim, "changed\n");
    assert_eq!(jig_sandbox::explain_denial("Permission denied", Some(1), &policy), None);
}

#[test]
fn network_true_allows_loopback_in_workspace_write() {
    require_landlock!();
    let fx = Fixture::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    let mut policy = fx.policy();
    policy.network = true;
    let out = run(&policy, &fx.ws, &format!("exec 3<>/dev/tcp/127.0.0.1/{port}"));
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    listener.accept().expect("accept");
}

#[test]
fn a_bad_policy_fails_closed_without_running_anything() {
    let exe = env!("CARGO_BIN_EXE_jig-sandbox-exec");
    let out = std::process::Command::new(exe)
        .args([jig_sandbox::HELPER_SUBCOMMAND, "{not json", "--", "touch", "/tmp/x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(EXIT_SETUP_FAILED));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("jig sandbox: error: invalid sandbox policy"),
        "{stderr}"
    );
}

#[test]
fn a_missing_program_exits_127() {
    let fx = Fixture::new();
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_jig-sandbox-exec"));
    let argv = jig_sandbox::wrap_command(exe, &fx.policy(), &["no-such-program-jig".into()]);
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(jig_sandbox::EXIT_NOT_FOUND));
}

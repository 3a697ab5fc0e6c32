//! Adversarial cases under `WorkspaceWrite`: each must be blocked, reported
//! with a specific error, explained by `explain_denial`, and leave nothing
//! written outside the workspace.

use std::io::ErrorKind;
use std::net::TcpListener;

use jig_sandbox::NetworkIsolation;

use crate::support::{Fixture, require_landlock, run};

#[test]
fn write_outside_by_absolute_path_is_denied() {
    require_landlock!();
    let fx = Fixture::new();
    let script = format!(
        "echo pwned > {o}/new; echo pwned > {o}/victim",
        o = fx.outside.display()
    );
    let out = run(&fx.policy(), &fx.ws, &script);
    out.assert_blocked("Permission denied", &fx.policy());
    fx.assert_outside_untouched();
}

#[test]
fn dotdot_escape_is_denied() {
    require_landlock!();
    let fx = Fixture::new();
    let out = run(&fx.policy(), &fx.ws, "echo pwned > ../outside/victim");
    out.assert_blocked("Permission denied", &fx.policy());
    fx.assert_outside_untouched();
}

#[test]
fn planted_symlink_to_outside_is_denied() {
    require_landlock!();
    let fx = Fixture::new();
    // Planted before the sandbox starts, as a hostile repository could.
    std::os::unix::fs::symlink(&fx.outside, fx.ws.join("dir-link")).expect("symlink");
    std::os::unix::fs::symlink(fx.outside.join("victim"), fx.ws.join("file-link")).expect("symlink");
    let out = run(
        &fx.policy(),
        &fx.ws,
        "echo pwned > dir-link/new; echo pwned > file-link",
    );
    out.assert_blocked("dir-link/new: Permission denied", &fx.policy());
    assert!(out.stderr.contains("file-link: Permission denied"), "{}", out.stderr);
    fx.assert_outside_untouched();
}

#[test]
fn symlink_made_inside_the_sandbox_is_denied() {
    require_landlock!();
    let fx = Fixture::new();
    let script = format!("ln -s {}/victim mine && echo pwned > mine", fx.outside.display());
    let out = run(&fx.policy(), &fx.ws, &script);
    out.assert_blocked("mine: Permission denied", &fx.policy());
    fx.assert_outside_untouched();
}

#[test]
fn hard_link_to_outside_cannot_be_created() {
    require_landlock!();
    let fx = Fixture::new();
    let script = format!("ln {}/victim hard && echo pwned >> hard", fx.outside.display());
    let out = run(&fx.policy(), &fx.ws, &script);
    // Landlock refuses to link a file into a place granting more rights
    // than its source (`EXDEV`).
    out.assert_blocked("Invalid cross-device link", &fx.policy());
    assert!(!fx.ws.join("hard").exists());
    fx.assert_outside_untouched();
}

#[test]
fn proc_self_root_path_is_denied() {
    require_landlock!();
    let fx = Fixture::new();
    let script = format!(
        "echo pwned > /proc/self/root{o}/victim; echo pwned > /proc/self/root{o}/new",
        o = fx.outside.display()
    );
    let out = run(&fx.policy(), &fx.ws, &script);
    out.assert_blocked("Permission denied", &fx.policy());
    fx.assert_outside_untouched();
}

#[test]
fn moving_a_file_out_is_denied() {
    require_landlock!();
    let fx = Fixture::new();
    std::fs::write(fx.ws.join("secret"), "s").expect("secret");
    let script = format!("mv secret {}/stolen", fx.outside.display());
    let out = run(&fx.policy(), &fx.ws, &script);
    // `mv` tries rename (EXDEV) and then copy (EACCES).
    out.assert_blocked("Permission denied", &fx.policy());
    assert!(fx.ws.join("secret").exists());
    fx.assert_outside_untouched();
}

fn tcp_to_host_loopback_is_blocked(isolation: NetworkIsolation, message: &str) {
    let fx = Fixture::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let policy = fx.policy().with_network_isolation(isolation);
    let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");
    let out = run(&policy, &fx.ws, &script);
    let note = out.assert_blocked(message, &policy);
    assert!(note.contains("Network access is blocked"), "{note}");
    assert!(!out.stdout.contains("connected"));
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
        "the listener saw a connection: {accepted:?}"
    );
}

#[test]
fn tcp_to_host_loopback_is_blocked_by_the_network_namespace() {
    require_landlock!();
    tcp_to_host_loopback_is_blocked(NetworkIsolation::Namespace, "Network is unreachable");
}

#[test]
fn tcp_to_host_loopback_is_blocked_by_seccomp() {
    require_landlock!();
    tcp_to_host_loopback_is_blocked(NetworkIsolation::Seccomp, "Permission denied");
}

#[test]
fn read_only_blocks_workspace_writes() {
    require_landlock!();
    let fx = Fixture::new();
    let policy = fx.policy().with_mode(jig_sandbox::SandboxMode::ReadOnly);
    let out = run(&policy, &fx.ws, "echo hi > /dev/null && echo x > file");
    let note = out.assert_blocked("file: Permission denied", &policy);
    assert!(note.contains("write nowhere"), "{note}");
    assert!(!fx.ws.join("file").exists());
    fx.assert_outside_untouched();
}

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

/// Connects to the stream socket and sends to the datagram socket in the
/// fixture's `outside/`, each by every route, then checks that a
/// `socketpair` still works.
const UNIX_PROBE: &str = r#"
import socket, sys
outside = sys.argv[1]
def attempt(name, f):
    try:
        f()
        print(name, "reached")
    except OSError as e:
        print(name, "blocked:", e.strerror, file=sys.stderr)
def stream():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(outside + "/agent.sock")
    s.sendall(b"x")
def datagram():
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", outside + "/log.sock")
def datagram_pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendto(b"x", outside + "/log.sock")
attempt("stream", stream)
attempt("datagram", datagram)
attempt("datagram pair", datagram_pair)
a, b = socket.socketpair()
a.sendall(b"ok")
print("socketpair", b.recv(2).decode())
"#;

/// Runs [`UNIX_PROBE`] against listeners in `outside/`; returns the run and
/// whether each listener received anything.
fn probe_unix_sockets(policy: &jig_sandbox::SandboxPolicy, fx: &Fixture) -> (crate::support::Run, bool, bool) {
    use std::os::unix::net::{UnixDatagram, UnixListener};
    let stream = UnixListener::bind(fx.outside.join("agent.sock")).expect("listener");
    stream.set_nonblocking(true).expect("nonblocking");
    let dgram = UnixDatagram::bind(fx.outside.join("log.sock")).expect("datagram");
    dgram.set_nonblocking(true).expect("nonblocking");
    std::fs::write(fx.ws.join("probe.py"), UNIX_PROBE).expect("probe");
    let script = format!("python3 probe.py {}", fx.outside.display());
    let out = run(policy, &fx.ws, &script);
    let mut buf = [0u8; 8];
    let stream_reached = stream.accept().is_ok();
    let dgram_reached = dgram.recv(&mut buf).is_ok();
    for name in ["agent.sock", "log.sock"] {
        std::fs::remove_file(fx.outside.join(name)).expect("remove socket");
    }
    (out, stream_reached, dgram_reached)
}

#[test]
fn path_unix_sockets_outside_are_unreachable() {
    require_landlock!();
    let fx = Fixture::new();
    let (out, stream, dgram) = probe_unix_sockets(&fx.policy(), &fx);
    assert!(
        !stream && !dgram,
        "a listener outside received something: {}",
        out.stdout
    );
    assert_eq!(out.stdout, "socketpair ok\n", "stderr: {}", out.stderr);
    for route in ["stream", "datagram", "datagram pair"] {
        let line = format!("{route} blocked: Operation not permitted");
        assert!(out.stderr.contains(&line), "{line:?} not in {}", out.stderr);
    }
    fx.assert_outside_untouched();
}

#[test]
fn path_unix_sockets_are_reachable_when_allowed() {
    require_landlock!();
    let fx = Fixture::new();
    let mut policy = fx.policy();
    policy.allow_unix_sockets = true;
    let (out, stream, dgram) = probe_unix_sockets(&policy, &fx);
    assert!(stream && dgram, "stdout {} stderr {}", out.stdout, out.stderr);
}

//! The sandbox escapes found in review, end to end through `jig exec` with
//! scripted models: a Unix socket listener outside the workspace, git hooks
//! planted through `.git`, a `.jig/config.toml` written from inside, and
//! `setsid` processes that outlived the command, the session or Ctrl-C.
//!
//! The sandboxed cases need Landlock; without it they fail unless
//! `JIG_ALLOW_NO_LANDLOCK=1` says that skipping is expected.

use std::io::{BufRead, BufReader};
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{Env, landlock, stderr};

fn model(env: &Env, script: &str) -> String {
    format!("scripted:{}", env.file("script.toml", script).display())
}

/// Whether `pid` is gone (a zombie awaiting its reaper counts as gone).
fn gone(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.is_empty() || stat.contains(") Z ")
}

fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

#[test]
fn a_unix_socket_listener_outside_the_workspace_receives_nothing() {
    if !landlock() {
        return;
    }
    let env = Env::new();
    let stream_path = env.dir.path().join("agent.sock");
    let dgram_path = env.dir.path().join("log.sock");
    let listener = UnixListener::bind(&stream_path).unwrap();
    listener.set_nonblocking(true).unwrap();
    let dgram = UnixDatagram::bind(&dgram_path).unwrap();
    dgram.set_nonblocking(true).unwrap();
    let probe = format!(
        r#"
import socket
def attempt(name, f):
    try:
        f()
        print(name, "reached")
    except OSError as e:
        print(name, "blocked:", e)
def stream():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("{stream}")
    s.sendall(b"x")
def datagram():
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", "{dgram}")
def datagram_pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendto(b"x", "{dgram}")
attempt("stream", stream)
attempt("datagram", datagram)
attempt("datagram pair", datagram_pair)
a, b = socket.socketpair()
a.sendall(b"ok")
print("socketpair", b.recv(2).decode())
"#,
        stream = stream_path.display(),
        dgram = dgram_path.display()
    );
    std::fs::write(env.ws().join("probe.py"), probe).unwrap();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "python3 probe.py" }
[[response]]
text = "done"
[response.expect]
last_status = "ok"
last_output_contains = "socketpair ok"
"#;
    let out = env.run(&["exec", "--model", &model(&env, script), "probe"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(listener.accept().is_err(), "the stream listener got a connection");
    let mut buf = [0u8; 8];
    assert!(dgram.recv(&mut buf).is_err(), "the datagram socket got a message");
}

#[test]
fn a_planted_git_hook_never_runs_on_the_next_commit() {
    if !landlock() {
        return;
    }
    let env = Env::new();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=jig", "-c", "user.email=jig@example.invalid"])
            .args(args)
            .current_dir(env.ws())
            .env("HOME", env.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "first"]);
    let hooks = env.dir.path().join("hooks");
    let marker = env.dir.path().join("PWNED");
    let attack = format!(
        "mkdir -p {h}; printf '#!/bin/sh\\ntouch {m}\\n' > {h}/pre-commit; chmod +x {h}/pre-commit; \
         git config core.hooksPath {h}; printf '[core]\\n\\thooksPath = {h}\\n' >> .git/config; \
         cp {h}/pre-commit .git/hooks/pre-commit; cp {h}/pre-commit .git/hooks/post-commit; \
         mv .git .git-old; rm -rf .git; true",
        h = hooks.display(),
        m = marker.display()
    );
    let script = format!(
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "{attack}" }}
[[response]]
text = "done"
"#
    );
    let out = env.run(&["exec", "--model", &model(&env, &script), "plant a hook"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.ws().join(".git-old").exists(), ".git was moved");
    git(&["commit", "-q", "--allow-empty", "-m", "second"]);
    assert!(!marker.exists(), "the planted hook ran on the person's commit");
    assert_eq!(git(&["rev-list", "--count", "HEAD"]).trim(), "2");
}

#[test]
fn a_command_cannot_write_jig_config() {
    if !landlock() {
        return;
    }
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "mkdir -p .jig && printf 'sandbox = \"danger-full-access\"\\n' > .jig/config.toml" }
[[response]]
[response.expect]
last_status = "error"
last_output_contains = "Read-only file system"
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Add File: .jig/config.toml\n+sandbox = \"danger-full-access\"\n*** End Patch\n" }
[[response]]
text = "done"
[response.expect]
last_status = "error"
last_output_contains = "stays read-only in the sandbox"
"#;
    let out = env.run(&["exec", "--model", &model(&env, script), "loosen the sandbox"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.ws().join(".jig/config.toml").exists());
    assert!(!env.ws().join(".jig").exists(), "the placeholder was left behind");
}

/// A command that starts a double-forked `setsid` child, waits until it
/// wrote its pid, and returns.
const DOUBLE_FORK: &str = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "(setsid sh -c 'echo $$ > child.pid; exec sleep 300' </dev/null >/dev/null 2>&1 &); while [ ! -s child.pid ]; do sleep 0.05; done" }
[[response]]
text = "done"
[response.expect]
last_status = "ok"
"#;

#[test]
fn a_double_forked_setsid_child_dies_with_its_command() {
    if !landlock() {
        return;
    }
    let env = Env::new();
    let out = env.run(&["exec", "--model", &model(&env, DOUBLE_FORK), "fork"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pid = read_pid(&env.ws().join("child.pid"));
    assert!(gone(pid), "the setsid child {pid} outlived jig exec");
}

#[test]
fn a_double_forked_setsid_child_dies_with_its_command_without_a_sandbox() {
    let env = Env::new();
    let model = model(&env, DOUBLE_FORK);
    let out = env.run(&["exec", "-s", "danger-full-access", "--model", &model, "fork"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pid = read_pid(&env.ws().join("child.pid"));
    assert!(gone(pid), "the setsid child {pid} outlived jig exec");
}

#[test]
fn ctrl_c_kills_a_setsid_child_of_the_running_command() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "setsid sh -c 'echo $$ > child.pid; exec sleep 300' </dev/null >/dev/null 2>&1 & while [ ! -s child.pid ]; do sleep 0.05; done; echo ready; exec sleep 300" }
[[response]]
text = "unreachable"
"#;
    let mut child = env
        .jig()
        .args(["exec", "--json", "--model", &model(&env, script), "go"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let began = lines.any(|line| line.unwrap().contains("\"tool_call_begin\""));
    assert!(began, "jig ended before running the command");
    let pid_file = env.ws().join("child.pid");
    let pid = wait_for(|| std::fs::read_to_string(&pid_file).ok()?.trim().parse::<i32>().ok());
    let jig = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(jig, nix::sys::signal::Signal::SIGINT).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    wait_for(|| gone(pid).then_some(()));
}

#[test]
fn a_background_exec_session_dies_with_jig() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "exec_command"
arguments = { cmd = "setsid sh -c 'echo $$ > child.pid; exec sleep 300' </dev/null >/dev/null 2>&1 & while [ ! -s child.pid ]; do sleep 0.05; done; echo ready; exec sleep 300", yield_time_ms = 2000 }
[[response]]
text = "left it running"
[response.expect]
last_output_contains = "ready"
"#;
    let model = model(&env, script);
    let out = env.run(&["exec", "--dialect", "codex", "--model", &model, "serve"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pid = read_pid(&env.ws().join("child.pid"));
    // jig may exit before its helper has finished killing; bounded wait.
    wait_for(|| gone(pid).then_some(()));
}

/// Polls `check` until it yields, for at most about five seconds.
fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..500 {
        if let Some(value) = check() {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("condition not reached in time");
}

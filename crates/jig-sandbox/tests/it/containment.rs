//! The helper owns every process a command starts: double-forked and
//! `setsid` ones die when the command ends, when jig sends SIGTERM and when
//! jig dies, in every mode.

use std::path::Path;
use std::process::{Command, Stdio};

use jig_sandbox::{SandboxMode, SandboxPolicy};

use crate::support::{Fixture, require_landlock, run};

/// Starts a double-forked `setsid` child that writes its pid to `child.pid`
/// and sleeps, waits for the pid, and returns.
pub(crate) const DOUBLE_FORK: &str = "(setsid sh -c 'echo $$ > child.pid; exec sleep 300' </dev/null >/dev/null 2>&1 &); while [ ! -s child.pid ]; do sleep 0.05; done";

pub(crate) fn child_pid(ws: &Path) -> i32 {
    let text = std::fs::read_to_string(ws.join("child.pid")).expect("child.pid");
    text.trim().parse().expect("pid")
}

/// Whether `pid` is gone (a zombie awaiting its reaper counts as gone).
pub(crate) fn gone(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.is_empty() || stat.contains(") Z ")
}

fn double_fork_dies_with_the_command(policy: &SandboxPolicy, ws: &Path) {
    let out = run(policy, ws, DOUBLE_FORK);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let pid = child_pid(ws);
    assert!(gone(pid), "the setsid child {pid} outlived the command");
}

#[test]
fn a_double_forked_setsid_child_dies_with_the_command() {
    require_landlock!();
    let fx = Fixture::new();
    double_fork_dies_with_the_command(&fx.policy(), &fx.ws);
}

#[test]
fn a_double_forked_setsid_child_dies_with_the_command_without_a_sandbox() {
    let fx = Fixture::new();
    double_fork_dies_with_the_command(&fx.policy().with_mode(SandboxMode::DangerFullAccess), &fx.ws);
}

/// Starts the helper on `script` and returns it once `child.pid` exists.
fn start(policy: &SandboxPolicy, ws: &Path, script: &str) -> std::process::Child {
    let exe = Path::new(env!("CARGO_BIN_EXE_jig-sandbox-exec"));
    let argv = jig_sandbox::wrap_command(exe, policy, &["bash".into(), "-c".into(), script.into()]);
    Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(ws)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn helper")
}

#[test]
fn sigterm_to_the_helper_kills_every_descendant() {
    require_landlock!();
    let fx = Fixture::new();
    let script = format!("{DOUBLE_FORK}; echo ready; exec sleep 300");
    let mut helper = start(&fx.policy(), &fx.ws, &script);
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(helper.stdout.take().expect("stdout")),
        &mut ready,
    )
    .expect("read");
    assert_eq!(ready, "ready\n");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(helper.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("kill");
    let status = helper.wait().expect("wait");
    // The program was killed, and the helper reports it as such.
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
    let child = child_pid(&fx.ws);
    assert!(gone(child), "the setsid child {child} outlived the cancel");
}

#[test]
fn the_helper_kills_every_descendant_when_its_parent_dies() {
    let fx = Fixture::new();
    let exe = Path::new(env!("CARGO_BIN_EXE_jig-sandbox-exec"));
    let policy = fx.policy().with_mode(SandboxMode::DangerFullAccess);
    let script = format!("{DOUBLE_FORK}; exec sleep 300");
    let argv = jig_sandbox::wrap_command(exe, &policy, &["bash".into(), "-c".into(), script]);
    let quoted: Vec<String> = argv.iter().map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect();
    // A parent that starts the helper, waits for the child, and dies.
    let parent = format!(
        "{} & while [ ! -s child.pid ]; do sleep 0.05; done; kill -9 $$",
        quoted.join(" ")
    );
    let status = Command::new("bash")
        .args(["-c", &parent])
        .current_dir(&fx.ws)
        .stdin(Stdio::null())
        .status()
        .expect("parent");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
    let child = child_pid(&fx.ws);
    // The helper acts on the parent-death signal on its own time.
    for _ in 0..500 {
        if gone(child) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the setsid child {child} outlived the helper's parent");
}

#[test]
fn a_program_killed_by_a_signal_is_reported_as_such() {
    let fx = Fixture::new();
    let policy = fx.policy().with_mode(SandboxMode::DangerFullAccess);
    let out = run(&policy, &fx.ws, "kill -TERM $$");
    assert_eq!(out.code, None, "stderr: {}", out.stderr);
}

/// Stage two is forked by the supervisor, never started on its own: the
/// old `--exec` entry, which ran a command with no supervisor owning its
/// tree, is refused before anything runs.
#[test]
fn the_confined_stage_cannot_be_entered_without_the_supervisor() {
    let fx = Fixture::new();
    let policy = fx.policy().with_mode(SandboxMode::DangerFullAccess);
    let exe = Path::new(env!("CARGO_BIN_EXE_jig-sandbox-exec"));
    let mut argv = jig_sandbox::wrap_command(exe, &policy, &["bash".into(), "-c".into(), "echo ran".into()]);
    let separator = argv.iter().position(|a| a == "--").expect("separator");
    argv[separator] = "--exec".into();
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(&fx.ws)
        .stdin(Stdio::null())
        .output()
        .expect("run helper");
    assert_eq!(out.status.code(), Some(jig_sandbox::EXIT_SETUP_FAILED));
    assert!(
        out.stdout.is_empty(),
        "it ran: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected `--`"));
}

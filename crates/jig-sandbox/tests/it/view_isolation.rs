//! Views: the network switch, jig's own sandbox nested inside a view, the
//! supervisor killing the tree, and a view entered by an unprivileged user.

use std::io::BufRead;
use std::net::TcpListener;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};

use jig_sandbox::{Bind, HELPER_SUBCOMMAND, SandboxPolicy, View, wrap_in_view};

use crate::containment::{DOUBLE_FORK, child_pid, gone};
use crate::support::{Fixture, require_landlock};
use crate::view::{EXE, bash, require_views, run_view, start_view, view};

/// Connects to the test's own listener on the host's 127.0.0.1.
fn connect_script(listener: &TcpListener) -> String {
    let port = listener.local_addr().unwrap().port();
    format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected")
}

#[test]
fn an_isolated_network_cannot_reach_the_hosts_loopback() {
    require_views!();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut v = view(Vec::new(), "/");
    v.isolate_network = true;
    let out = bash(&v, &connect_script(&listener));
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stdout, "");
    // The view's own loopback is up and empty: refused, not unreachable.
    assert!(out.stderr.contains("Connection refused"), "{}", out.stderr);
}

#[test]
fn the_hosts_network_is_kept_when_not_isolated() {
    require_views!();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let out = bash(&view(Vec::new(), "/"), &connect_script(&listener));
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "connected\n");
}

/// Tasks start local servers and test them over 127.0.0.1.
#[test]
fn an_isolated_view_can_serve_on_its_own_loopback() {
    require_views!();
    let mut v = view(Vec::new(), "/");
    v.isolate_network = true;
    let script = "import socket\n\
        s = socket.create_server(('127.0.0.1', 0))\n\
        c = socket.create_connection(s.getsockname())\n\
        a, _ = s.accept(); c.sendall(b'ping'); print(a.recv(4).decode())";
    let out = run_view(&v, &["python3", "-c", script]);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "ping\n");
}

/// jig's own sandbox, run by the agent inside a view: its namespaces,
/// mounts, Landlock and seccomp all still work, so it may write its
/// workspace (`/app`) and nothing else, not even another writable bind.
#[test]
fn jigs_sandbox_works_nested_inside_a_view() {
    require_landlock!();
    require_views!();
    let fx = Fixture::new();
    let v = View {
        binds: vec![
            Bind::writable(&fx.ws, "/app"),
            Bind::writable(&fx.outside, "/out"),
            // The helper binary, wherever the target directory lives.
            Bind::read_only(EXE, "/jig/jig-sandbox-exec"),
        ],
        workdir: "/app".into(),
        isolate_network: true,
    };
    let policy = serde_json::to_string(&SandboxPolicy::workspace_write("/app")).unwrap();
    let script = "touch /app/x && echo made; echo pwned > /out/victim; touch /out/y";
    let argv = [
        "/jig/jig-sandbox-exec",
        HELPER_SUBCOMMAND,
        &policy,
        "--",
        "bash",
        "-c",
        script,
    ];
    let out = run_view(&v, &argv);
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stdout, "made\n", "stderr: {}", out.stderr);
    assert_eq!(out.stderr.matches("Permission denied").count(), 2, "{}", out.stderr);
    assert!(fx.ws.join("x").is_file());
    fx.assert_outside_untouched();
    let left: Vec<_> = std::fs::read_dir(&fx.ws)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["x"], "the nested sandbox left its placeholders behind");
}

#[test]
fn sigterm_to_the_view_helper_kills_every_descendant() {
    require_views!();
    let fx = Fixture::new();
    let script = format!("{DOUBLE_FORK}; echo ready; exec sleep 300");
    let mut helper = start_view(
        &view(vec![Bind::writable(&fx.ws, "/app")], "/app"),
        &["bash", "-c", &script],
    );
    let mut ready = String::new();
    std::io::BufReader::new(helper.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready, "ready\n");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(helper.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = helper.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "the program was not killed");
    // No pid namespace: the pid written inside is the host's.
    let child = child_pid(&fx.ws);
    assert!(gone(child), "the setsid child {child} outlived the cancel");
}

/// jig usually runs as an ordinary user: the view maps it to root inside,
/// and what it writes is the user's on the host.
#[test]
fn an_unprivileged_user_gets_the_same_view() {
    require_views!();
    if !nix::unistd::geteuid().is_root() {
        // The other tests already ran as an ordinary user.
        return;
    }
    const NOBODY: u32 = 65534;
    let fx = Fixture::new();
    make_world_writable(&fx.ws);
    let v = view(vec![Bind::writable(&fx.ws, "/app")], "/app");
    let argv: Vec<std::ffi::OsString> = ["bash", "-c", "id -u; touch /app/mine; touch /usr/x"]
        .iter()
        .map(Into::into)
        .collect();
    let wrapped = wrap_in_view(Path::new(EXE), &v, &argv).unwrap();
    let out = Command::new(&wrapped[0])
        .args(&wrapped[1..])
        .uid(NOBODY)
        .gid(NOBODY)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n", "stderr: {stderr}");
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(fx.ws.join("mine")).unwrap());
    assert_eq!(owner, NOBODY);
}

/// Lets `nobody` reach and write the workspace (the temp root is 0700).
fn make_world_writable(ws: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let parent = ws.parent().unwrap();
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(ws, std::fs::Permissions::from_mode(0o777)).unwrap();
}

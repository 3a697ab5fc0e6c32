//! Private filesystem views for eval samples: a process tree sees the task's
//! files at fixed paths (`/app`, `/tests`, `/logs/verifier`, …) over a
//! read-only copy of the host's `/`, the way a Harbor / Terminal-Bench task
//! expects its Docker container, with no container engine and no root.
//!
//! jig runs `jig __sandbox-view <view-json> -- PROGRAM ARGS...` (see
//! [`wrap_in_view`] and [`view_main`]). Stage one is the helper's supervisor
//! (see `supervisor`): it owns the whole tree and kills it when the program
//! ends, is cancelled or jig dies. Stage two enters a private user and mount
//! namespace (and, if asked, a network namespace), mapped so that it is uid
//! and gid 0 inside (task scripts expect root; on the host it stays the
//! caller's uid), builds the view (see `view_fs`), and `execvp`s the
//! program with the environment the caller gave the helper.
//!
//! Inside: every top-level entry of the host's `/` at its own path, bound
//! recursively and read-only, except `/proc` and `/dev`, bound as they are
//! (no pid namespace, so a new procfs cannot be mounted; `/proc/sys`,
//! `/proc/sysrq-trigger`, `/proc/irq`, `/proc/bus` and `/proc/fs` are made
//! read-only as Docker does, and `/dev/shm` is a private tmpfs), `/sys`
//! (read-only), `/tmp` (a private tmpfs), and the top-level names that a
//! [`Bind`] targets exactly, or that the host lacks, which are directories
//! on the view's own read-only tmpfs root. With `isolate_network` the
//! program gets a private network namespace whose only interface is a
//! loopback that is up (as in `docker run --network none`): it can serve and
//! connect on its own 127.0.0.1, never the host's.
//!
//! Why hand-written rather than bubblewrap: bubblewrap is not installed on
//! the machines jig runs on and would be a new runtime dependency, while jig
//! already re-executes itself as a single-threaded helper with namespaces
//! and a supervisor; the view is that helper's stage two with other mounts.
//! Neither Landlock nor seccomp is applied here: the view itself is the
//! confinement, and jig's own sandbox (`__sandbox-exec`, whose mounts
//! Landlock would forbid) must still work nested inside a view.
//!
//! Invariants: the host's `/` is never written, not even to make a mount
//! point (mount points are made only on the view's own tmpfs); inside, the
//! only writable places are the writable binds, the private `/tmp` and
//! `/dev/shm`, and what `/dev` and `/proc` expose as they are. Every step
//! either succeeds or the helper exits with [`EXIT_SETUP_FAILED`] and one
//! `jig sandbox: error:` line before anything runs. Like the sandbox helper,
//! this must be entered while the process is single-threaded.
//!
//! What a view is not: a boundary against a hostile program. It keeps the
//! host's files from being changed by accident; path Unix sockets under the
//! host's directories stay connectable, and when jig itself runs as root,
//! uid 0 inside is the host's root to the device nodes in `/dev`.

use std::collections::HashSet;
use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::sched::{CloneFlags, unshare};
use nix::unistd::{getgid, getuid};
use serde::{Deserialize, Serialize};

use crate::helper::{EXIT_SETUP_FAILED, HelperError, exec, report, unblock_signals};
use crate::{supervisor, view_fs};

/// The subcommand that puts the `jig` binary into view mode.
pub const VIEW_SUBCOMMAND: &str = "__sandbox-view";

/// One host directory or file shown inside a view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bind {
    /// The directory or file on the host; absolute.
    pub source: PathBuf,
    /// Where it appears inside the view; absolute, not `/`.
    pub target: PathBuf,
    /// Whether the view may change it (and so the host's `source`).
    pub writable: bool,
}

impl Bind {
    /// `source` shown read-only at `target`.
    pub fn read_only(source: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        Bind {
            source: source.into(),
            target: target.into(),
            writable: false,
        }
    }

    /// `source` shown writable at `target`.
    pub fn writable(source: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        Bind {
            source: source.into(),
            target: target.into(),
            writable: true,
        }
    }
}

/// A private filesystem view for one process tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// What is shown where, beyond the read-only host. A missing target and
    /// its missing parents are made on the view's tmpfs: new top-level names
    /// (`/app`, `/logs/verifier`) and anything under `/tmp` work; a target
    /// that must be made inside a host directory (`/usr/new`) or inside
    /// another bind is a setup error, since that would write to the host. A
    /// target that exists already (`/etc/hosts`) is mounted over.
    pub binds: Vec<Bind>,
    /// Working directory inside the view (must be a bind target or under one,
    /// or an existing host dir).
    pub workdir: PathBuf,
    /// true: a private network namespace with only a loopback, which is up;
    /// false: the host's network.
    pub isolate_network: bool,
}

impl View {
    /// Checks what can be checked without the kernel: absolute paths, no
    /// `..`, no bind at `/`, no two binds at one target.
    fn validate(&self) -> Result<(), HelperError> {
        let mut targets = HashSet::new();
        for bind in &self.binds {
            if !bind.source.is_absolute() {
                return Err(invalid(format!(
                    "bind source {} is not an absolute path",
                    bind.source.display()
                )));
            }
            if !is_plain_absolute(&bind.target) || bind.target == Path::new("/") {
                return Err(invalid(format!(
                    "bind target {} must be an absolute path below `/` without `.` or `..`",
                    bind.target.display()
                )));
            }
            if !targets.insert(bind.target.components().collect::<PathBuf>()) {
                return Err(invalid(format!(
                    "two binds target {}; give each target once",
                    bind.target.display()
                )));
            }
        }
        if !self.workdir.is_absolute() {
            return Err(invalid(format!(
                "workdir {} is not an absolute path",
                self.workdir.display()
            )));
        }
        Ok(())
    }
}

fn is_plain_absolute(path: &Path) -> bool {
    let mut components = path.components();
    components.next() == Some(Component::RootDir) && components.all(|c| matches!(c, Component::Normal(_)))
}

fn invalid(reason: String) -> HelperError {
    HelperError::InvalidView(reason)
}

/// The argv that runs `argv` inside `view` through the helper binary
/// `helper` (jig's own executable):
/// `[helper, VIEW_SUBCOMMAND, <view-json>, "--", argv...]`.
///
/// Fails when the view is malformed (see [`View`]), `argv` is empty, or an
/// argument or path is not UTF-8 (the helper reads its arguments as UTF-8).
pub fn wrap_in_view(helper: &Path, view: &View, argv: &[OsString]) -> Result<Vec<OsString>, HelperError> {
    view.validate()?;
    if argv.is_empty() {
        return Err(invalid("no program to run in the view".to_string()));
    }
    if let Some(bad) = argv.iter().find(|a| a.to_str().is_none()) {
        return Err(invalid(format!(
            "argument {} is not valid UTF-8; the helper takes UTF-8 arguments",
            bad.to_string_lossy()
        )));
    }
    // Paths serialise as JSON strings, which fails only for non-UTF-8 ones.
    let json =
        serde_json::to_string(view).map_err(|e| invalid(format!("a path in the view is not valid UTF-8 ({e})")))?;
    let mut wrapped = vec![
        helper.as_os_str().to_os_string(),
        OsString::from(VIEW_SUBCOMMAND),
        OsString::from(json),
        OsString::from("--"),
    ];
    wrapped.extend(argv.iter().cloned());
    Ok(wrapped)
}

/// Runs the view helper. `args` are the arguments after [`VIEW_SUBCOMMAND`]:
/// `<view-json> -- PROGRAM ARGS...`. Returns the exit code to use: the
/// program's, `128 + N` (or death by the same signal) when it was killed by
/// signal N, [`EXIT_SETUP_FAILED`] when the view could not be built (nothing
/// ran), [`crate::EXIT_NOT_FOUND`] / [`crate::EXIT_EXEC_FAILED`] when the
/// program could not be started.
pub fn view_main(args: &[String]) -> i32 {
    let (view, program) = match parse_args(args) {
        Ok(parsed) => parsed,
        Err(e) => return report(&e, EXIT_SETUP_FAILED),
    };
    supervisor::supervise_stage(|| Ok(()), || enter_and_exec(&view, program))
        .unwrap_or_else(|e| report(&e, EXIT_SETUP_FAILED))
}

fn parse_args(args: &[String]) -> Result<(View, &[String]), HelperError> {
    let [json, sep, program @ ..] = args else {
        return Err(HelperError::ViewUsage("missing arguments".to_string()));
    };
    if sep != "--" {
        return Err(HelperError::ViewUsage(format!("expected `--`, found `{sep}`")));
    }
    if program.is_empty() {
        return Err(HelperError::ViewUsage("no program after `--`".to_string()));
    }
    let view: View = serde_json::from_str(json).map_err(|e| invalid(format!("the view JSON does not parse: {e}")))?;
    view.validate()?;
    Ok((view, program))
}

/// Stage two: enters the view and becomes `program`. Returns only on
/// failure, with the exit code to use.
fn enter_and_exec(view: &View, program: &[String]) -> i32 {
    match unblock_signals().and_then(|()| enter(view)) {
        Ok(()) => exec(program),
        Err(e) => report(&e, EXIT_SETUP_FAILED),
    }
}

fn enter(view: &View) -> Result<(), HelperError> {
    // Sources are resolved on the host before any mount can hide them.
    let binds = view_fs::resolve(&view.binds)?;
    enter_namespaces(view.isolate_network)?;
    if view.isolate_network {
        loopback_up()?;
    }
    view_fs::build(&binds, &view.workdir)
}

/// A private user and mount namespace (and network namespace if asked),
/// with this process as uid and gid 0 inside.
fn enter_namespaces(isolate_network: bool) -> Result<(), HelperError> {
    let uid = getuid();
    let gid = getgid();
    let mut flags = CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS;
    if isolate_network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    unshare(flags).map_err(|e| HelperError::ViewSetup {
        step: "namespaces",
        reason: format!(
            "the kernel refused a private user namespace ({e}); views need unprivileged user namespaces \
             (see the sysctls user.max_user_namespaces and kernel.unprivileged_userns_clone)"
        ),
    })?;
    let write = |file: &str, contents: String| {
        std::fs::write(file, contents).map_err(|e| HelperError::ViewSetup {
            step: "user namespace id map",
            reason: format!("cannot write {file}: {e}"),
        })
    };
    // `setgroups` must be denied before an unprivileged `gid_map` write.
    write("/proc/self/setgroups", "deny".to_string())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))
}

/// Brings up `lo` in the fresh network namespace (it starts down), as
/// `ip link set lo up` does: read the flags, set `IFF_UP`.
#[allow(unsafe_code)]
fn loopback_up() -> Result<(), HelperError> {
    let err = |e: Errno| HelperError::ViewSetup {
        step: "loopback",
        reason: format!("cannot bring up the loopback interface: {e}"),
    };
    // Any inet socket is a handle for the interface ioctls; binding to the
    // wildcard address needs no interface to be up.
    let socket = std::net::UdpSocket::bind(("0.0.0.0", 0)).map_err(|e| HelperError::ViewSetup {
        step: "loopback",
        reason: format!("cannot open a socket to configure the loopback interface: {e}"),
    })?;
    let mut name = [0 as libc::c_char; libc::IFNAMSIZ];
    for (slot, byte) in name.iter_mut().zip(b"lo") {
        *slot = *byte as libc::c_char;
    }
    let mut request = libc::ifreq {
        ifr_name: name,
        ifr_ifru: libc::__c_anonymous_ifr_ifru { ifru_flags: 0 },
    };
    // SAFETY: `request` is a valid, initialised `ifreq` that outlives the
    // call; SIOCGIFFLAGS writes only its `ifru_flags`.
    Errno::result(unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) }).map_err(err)?;
    // SAFETY: the union was initialised through `ifru_flags`, and the
    // successful SIOCGIFFLAGS above wrote that same field.
    let flags = unsafe { request.ifr_ifru.ifru_flags };
    // IFF_UP is 1: it fits a c_short.
    request.ifr_ifru.ifru_flags = flags | libc::IFF_UP as libc::c_short;
    // SAFETY: as above; SIOCSIFFLAGS only reads `request`.
    Errno::result(unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request) }).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    fn view(binds: Vec<Bind>) -> View {
        View {
            binds,
            workdir: PathBuf::from("/app"),
            isolate_network: true,
        }
    }

    #[test]
    fn wrap_in_view_builds_the_helper_argv_and_the_json_round_trips() {
        let v = view(vec![
            Bind::writable("/host/app", "/app"),
            Bind::read_only("/host/t", "/tests"),
        ]);
        let argv = wrap_in_view(Path::new("/bin/jig"), &v, &["bash".into(), "-c".into(), "true".into()]).unwrap();
        assert_eq!(argv[0], "/bin/jig");
        assert_eq!(argv[1], VIEW_SUBCOMMAND);
        assert_eq!(&argv[3..], ["--", "bash", "-c", "true"]);
        let args: Vec<String> = argv[2..].iter().map(|a| a.to_str().unwrap().to_string()).collect();
        let (parsed, program) = parse_args(&args).unwrap();
        assert_eq!(parsed, v);
        assert_eq!(program, ["bash", "-c", "true"]);
    }

    #[test]
    fn malformed_views_are_refused_with_the_reason() {
        let cases = [
            (
                view(vec![Bind::writable("rel", "/app")]),
                "bind source rel is not an absolute path",
            ),
            (
                view(vec![Bind::writable("/a", "app")]),
                "bind target app must be an absolute path",
            ),
            (view(vec![Bind::writable("/a", "/")]), "bind target / must be"),
            (
                view(vec![Bind::writable("/a", "/app/../etc")]),
                "bind target /app/../etc",
            ),
            (
                view(vec![Bind::writable("/a", "/app"), Bind::read_only("/b", "/app/")]),
                "two binds target /app/",
            ),
        ];
        for (v, needle) in cases {
            let err = wrap_in_view(Path::new("/bin/jig"), &v, &["true".into()]).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
        let not_utf8 = std::ffi::OsStr::from_bytes(b"/a\xff");
        let err = wrap_in_view(
            Path::new("/bin/jig"),
            &view(vec![Bind::writable(not_utf8, "/app")]),
            &["true".into()],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("a path in the view is not valid UTF-8"),
            "{err}"
        );
        let err = wrap_in_view(Path::new("/bin/jig"), &view(Vec::new()), &[not_utf8.into()]).unwrap_err();
        assert!(err.to_string().contains("is not valid UTF-8"), "{err}");
        let err = wrap_in_view(Path::new("/bin/jig"), &view(Vec::new()), &[]).unwrap_err();
        assert_eq!(err.to_string(), "invalid view: no program to run in the view");
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        let err = parse_args(&["{}".to_string()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "usage: jig __sandbox-view <view-json> -- PROGRAM [ARGS...] (missing arguments)"
        );
        let err = parse_args(&["{}".into(), "--".into(), "true".into()]).unwrap_err();
        assert!(err.to_string().contains("the view JSON does not parse"), "{err}");
    }
}

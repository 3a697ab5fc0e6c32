//! The re-exec helper: `jig __sandbox-exec <policy-json> -- PROGRAM ARGS...`.
//!
//! jig never sandboxes itself. It runs each command through its own binary
//! in helper mode, in two stages. Stage one (see `supervisor`) stays
//! unconfined, owns every process the command starts and kills them all when
//! the command ends; it forks stage two, which restricts *itself* and then
//! `execvp`s the program, which inherits every restriction (rlimits,
//! namespaces, mounts, Landlock, seccomp all survive `exec`). So jig itself
//! stays unrestricted and needs no `pre_exec` hook in its threaded runtime.
//! Stage two is a fork, not a second exec of jig: the helper is
//! single-threaded, so the fork is sound, and it saves one start of the
//! whole `jig` binary per command (measured by `jig bench loop`). Both stages
//! run in every mode, `DangerFullAccess` included, so that no mode leaves
//! processes behind.
//!
//! Order in stage two, and why: rlimits for file size and CPU; the private
//! namespaces (before Landlock, because the id-map writes under `/proc` and
//! the mounts would be denied after it); the read-only binds of the
//! protected paths (`.git`, `.jig`); `RLIMIT_NPROC`, only once inside the
//! private user namespace (set before, it would also cap the host-wide count
//! of the uid); Landlock (which also sets `no_new_privs`); the seccomp
//! filters (which need `no_new_privs`); `execvp`.
//!
//! Invariants: in a restricted mode every step either succeeds or the helper
//! exits with [`EXIT_SETUP_FAILED`] before running anything (fail closed).
//! The helper must be entered while the process is single-threaded, before
//! any async runtime starts: `unshare(CLONE_NEWUSER)` refuses threaded
//! callers and Landlock restricts only the calling thread.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use nix::sys::resource::{Resource, getrlimit, setrlimit};

use crate::policy::{SandboxMode, SandboxPolicy};
use crate::protected::{Presence, protected_paths};
use crate::view::VIEW_SUBCOMMAND;
use crate::{fs_rules, mounts, net, supervisor};

/// The subcommand that puts the `jig` binary into helper mode.
pub const HELPER_SUBCOMMAND: &str = "__sandbox-exec";

/// Exit code when the sandbox could not be set up; nothing was run.
pub const EXIT_SETUP_FAILED: i32 = 125;
/// Exit code when the program exists but could not be executed.
pub const EXIT_EXEC_FAILED: i32 = 126;
/// Exit code when the program was not found.
pub const EXIT_NOT_FOUND: i32 = 127;

/// Why the helper refused to run the command.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The arguments were not `<policy-json> -- PROGRAM ARGS...`.
    #[error("usage: jig {HELPER_SUBCOMMAND} <policy-json> -- PROGRAM [ARGS...] ({0})")]
    Usage(String),
    /// The policy JSON did not parse.
    #[error("invalid sandbox policy: {0}")]
    Policy(#[from] serde_json::Error),
    /// One setup step failed.
    #[error("cannot set up the sandbox ({step}): {reason}")]
    Setup {
        /// Which step failed.
        step: &'static str,
        /// What the kernel said.
        reason: String,
    },
    /// A restricted mode was asked for on a kernel without Landlock.
    #[error(
        "cannot sandbox: this kernel does not enforce Landlock (Linux 5.13+ with `landlock` in the lsm= boot list is needed); refusing to run unsandboxed, use danger-full-access to run without a sandbox"
    )]
    LandlockUnavailable,
    /// The view helper's arguments were not `<view-json> -- PROGRAM ARGS...`.
    #[error("usage: jig {VIEW_SUBCOMMAND} <view-json> -- PROGRAM [ARGS...] ({0})")]
    ViewUsage(String),
    /// A view (see [`crate::View`]) that cannot be built as given.
    #[error("invalid view: {0}")]
    InvalidView(String),
    /// One step of building a view failed; nothing was run.
    #[error("cannot set up the view ({step}): {reason}")]
    ViewSetup {
        /// Which step failed.
        step: &'static str,
        /// What failed and, where there is something to do, what to do.
        reason: String,
    },
}

/// Runs the helper. `args` are the arguments after [`HELPER_SUBCOMMAND`]:
/// `<policy-json> -- PROGRAM ARGS...`. On success it does not return (the
/// process becomes PROGRAM); otherwise it prints one `jig sandbox: error:`
/// line to stderr and returns the exit code to use.
pub fn helper_main(args: &[String]) -> i32 {
    let (policy, program) = match parse_args(args) {
        Ok(parsed) => parsed,
        Err(e) => return report(&e, EXIT_SETUP_FAILED),
    };
    supervisor::supervise(&policy, program).unwrap_or_else(|e| report(&e, EXIT_SETUP_FAILED))
}

/// Stage two, in the child stage one forked: confines this process and
/// becomes `program`. Returns only on failure, with the exit code to use.
pub(crate) fn confine_and_exec(policy: &SandboxPolicy, program: &[String]) -> i32 {
    match unblock_signals().and_then(|()| restrict(policy)) {
        Ok(()) => exec(program),
        Err(e) => report(&e, EXIT_SETUP_FAILED),
    }
}

/// The argv that runs `argv` under the helper of `jig_exe` with `policy`.
pub fn wrap_command(jig_exe: &Path, policy: &SandboxPolicy, argv: &[String]) -> Vec<String> {
    // Serialising plain data (paths, enums, integers) cannot fail; the
    // fallback only guards against a future non-string map key.
    let json = serde_json::to_string(policy).unwrap_or_else(|_| "{}".to_string());
    let mut wrapped = vec![
        jig_exe.display().to_string(),
        HELPER_SUBCOMMAND.to_string(),
        json,
        "--".to_string(),
    ];
    wrapped.extend(argv.iter().cloned());
    wrapped
}

fn parse_args(args: &[String]) -> Result<(SandboxPolicy, &[String]), HelperError> {
    let [json, sep, program @ ..] = args else {
        return Err(HelperError::Usage("missing arguments".to_string()));
    };
    if sep != "--" {
        return Err(HelperError::Usage(format!("expected `--`, found `{sep}`")));
    }
    if program.is_empty() {
        return Err(HelperError::Usage("no program after `--`".to_string()));
    }
    Ok((serde_json::from_str(json)?, program))
}

/// Applies every restriction of `policy` to the current process.
fn restrict(policy: &SandboxPolicy) -> Result<(), HelperError> {
    set_limit(Resource::RLIMIT_FSIZE, policy.limits.max_file_size_bytes, 0)?;
    // A few seconds between soft and hard limit so the process gets SIGXCPU
    // ("CPU time limit exceeded") before the kernel's SIGKILL.
    set_limit(Resource::RLIMIT_CPU, policy.limits.max_cpu_seconds, 5)?;
    if policy.mode == SandboxMode::DangerFullAccess {
        return Ok(());
    }
    let protected: Vec<PathBuf> = protected_paths(policy)
        .into_iter()
        .filter(|p| p.presence != Presence::Missing && p.path.symlink_metadata().is_ok())
        .map(|p| p.path)
        .collect();
    let isolation = net::enter_namespaces(policy, !protected.is_empty())?;
    let unmounted = if isolation.mounts {
        mounts::bind_read_only(&protected)?;
        Vec::new()
    } else {
        protected
    };
    if isolation.user {
        set_limit(Resource::RLIMIT_NPROC, policy.limits.max_processes, 0)?;
    }
    fs_rules::apply(policy, &unmounted)?;
    net::install_socket_filters(policy, isolation)
}

/// Clears the signal mask that stage one blocked (a spawned child inherits
/// it), so the program starts with every signal deliverable.
pub(crate) fn unblock_signals() -> Result<(), HelperError> {
    nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    )
    .map_err(|e| HelperError::Setup {
        step: "signal mask",
        reason: e.to_string(),
    })
}

/// Lowers the soft limit to `value` and the hard one to `value + grace`
/// (never raising the current hard limit).
fn set_limit(resource: Resource, value: Option<u64>, grace: u64) -> Result<(), HelperError> {
    let Some(value) = value else { return Ok(()) };
    let err = |e: nix::Error| HelperError::Setup {
        step: "rlimit",
        reason: format!("{resource:?}: {e}"),
    };
    let (_, hard) = getrlimit(resource).map_err(err)?;
    let new_hard = value.saturating_add(grace).min(hard);
    setrlimit(resource, value.min(new_hard), new_hard).map_err(err)
}

pub(crate) fn exec(program: &[String]) -> i32 {
    let cstrings: Result<Vec<CString>, _> = program.iter().map(|a| CString::new(a.as_bytes())).collect();
    let Ok(cstrings) = cstrings else {
        eprintln!("jig sandbox: error: an argument contains a NUL byte");
        return EXIT_EXEC_FAILED;
    };
    let Some(file) = cstrings.first() else {
        return EXIT_EXEC_FAILED;
    };
    // `execvp` returns only on failure.
    let Err(errno) = nix::unistd::execvp(file, &cstrings);
    eprintln!("jig sandbox: error: cannot run {}: {errno}", file.to_string_lossy());
    if errno == nix::errno::Errno::ENOENT {
        EXIT_NOT_FOUND
    } else {
        EXIT_EXEC_FAILED
    }
}

pub(crate) fn report(error: &HelperError, code: i32) -> i32 {
    eprintln!("jig sandbox: error: {error}");
    code
}

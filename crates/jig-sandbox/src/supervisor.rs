//! Stage one of the helper: the supervisor that owns every process a command
//! starts, so that none outlives it.
//!
//! jig runs `jig __sandbox-exec POLICY -- ARGV`. This stage makes itself a
//! child subreaper and forks stage two, which confines itself and becomes
//! the program. A process that leaves the tree —
//! a double fork, `setsid`, a daemon — is re-parented to this stage rather
//! than to init, so it stays reachable. When the program exits, when jig asks
//! (SIGTERM, SIGINT or SIGHUP), or when jig itself dies (the parent-death
//! signal, SIGUSR1), every descendant is killed with SIGKILL, round after
//! round until the stage has no child left; only then does it exit, with the
//! program's exit code or by the program's signal.
//!
//! This stage is outside the command's Landlock domain, whose signal scope
//! (ABI 6) keeps the command from killing it. It also makes the placeholders
//! for a missing `.git` / `.jig` in the workspace (see `protected`) and
//! removes them when the last command using them ends: each helper holds a
//! shared `flock` on them, and only a helper that gets the exclusive lock may
//! `rmdir`, which succeeds only on an empty directory.
//!
//! The same stage supervises a view (see `view`): only stage two differs.
//!
//! Invariants: this stage never runs command code itself. It must be entered
//! single-threaded: it blocks its signals process-wide and reads them from a
//! signalfd, and it forks stage two, which is sound only in a single-threaded
//! process. The forked child inherits that mask, so stage two clears it
//! before anything else; it never returns into this stage's code (it execs or
//! exits), so the placeholders' locks, shared with it until its exec, are
//! only ever released here. When nothing is left of the command once it has
//! exited (the common case), no `/proc` scan runs.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::prctl;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, raise, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};

use crate::helper::{EXIT_SETUP_FAILED, HelperError, confine_and_exec};
use crate::policy::SandboxPolicy;
use crate::protected::{Presence, protected_paths};

/// Signals that end the command early: jig's cancel, a hang-up.
const STOP_SIGNALS: [Signal; 3] = [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP];
/// The parent-death signal. Also sent when only the thread that spawned the
/// helper ends, so the parent pid is checked before acting on it.
const PARENT_DIED: Signal = Signal::SIGUSR1;

/// Runs `program` through stage two under `policy` and returns the exit
/// code to use once every descendant is dead.
pub(crate) fn supervise(policy: &SandboxPolicy, program: &[String]) -> Result<i32, HelperError> {
    supervise_stage(|| hold_placeholders(policy), || confine_and_exec(policy, program))
}

/// Supervises `stage_two`, run in a forked child (it must exec or return
/// the exit code to use). `prepare` runs first, in this stage, once the
/// signals are set up; what it returns is held until every descendant is
/// dead. Returns the exit code that reports the program.
pub(crate) fn supervise_stage<Held>(
    prepare: impl FnOnce() -> Result<Held, HelperError>,
    stage_two: impl FnOnce() -> i32,
) -> Result<i32, HelperError> {
    let parent = getppid();
    prctl::set_child_subreaper(true).map_err(setup("subreaper"))?;
    prctl::set_pdeathsig(PARENT_DIED).map_err(setup("parent-death signal"))?;
    let mut mask = SigSet::empty();
    for signal in STOP_SIGNALS.into_iter().chain([PARENT_DIED, Signal::SIGCHLD]) {
        mask.add(signal);
    }
    mask.thread_block().map_err(setup("signal mask"))?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC).map_err(setup("signalfd"))?;
    let held = prepare()?;
    let main = start_stage_two(stage_two)?;
    let mut status = wait_for_program(&signals, main, parent);
    kill_descendants(main, &mut status);
    drop(held);
    Ok(exit_code(status))
}

/// Forks stage two, which confines itself and execs the program.
fn start_stage_two(stage_two: impl FnOnce() -> i32) -> Result<Pid, HelperError> {
    // SAFETY: `fork` is unsound only where another thread could hold a lock
    // (the allocator's, stdio's) that the child then waits on forever. The
    // helper runs single-threaded: `main` enters it before anything else and
    // this crate starts no thread (see the module docs), so the child is a
    // complete copy of a consistent process and may run any code.
    #[allow(unsafe_code)]
    let forked = unsafe { fork() }.map_err(setup("start the confined stage"))?;
    match forked {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            // Never return into stage one's frames: a panic would otherwise
            // unwind through them and release the placeholders from here.
            // Unwind safety: after a panic nothing of the stage is used again;
            // the process exits.
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(stage_two)).unwrap_or(EXIT_SETUP_FAILED);
            std::process::exit(code)
        }
    }
}

fn setup(step: &'static str) -> impl Fn(Errno) -> HelperError {
    move |e| HelperError::Setup {
        step,
        reason: e.to_string(),
    }
}

/// Waits until the program exits (its status) or a stop signal arrives (`None`).
fn wait_for_program(signals: &SignalFd, main: Pid, parent: Pid) -> Option<WaitStatus> {
    loop {
        let signo = match signals.read_signal() {
            Ok(Some(info)) => info.ssi_signo,
            Ok(None) | Err(Errno::EINTR) => continue,
            Err(_) => return None,
        };
        match Signal::try_from(i32::try_from(signo).unwrap_or(0)) {
            Ok(Signal::SIGCHLD) => {
                if let Some(status) = reap_ready(main) {
                    return Some(status);
                }
            }
            Ok(PARENT_DIED) if getppid() == parent => {}
            _ => return None,
        }
    }
}

/// Reaps every child that has ended; returns the program's status if it did.
fn reap_ready(main: Pid) -> Option<WaitStatus> {
    let mut main_status = None;
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return main_status,
            Ok(status) if status.pid() == Some(main) => main_status = Some(status),
            Ok(_) => {}
        }
    }
}

/// Kills every remaining descendant, round after round: killing a child
/// re-parents its own children to this subreaper, where the next round finds
/// them. Ends when there is no child left (`ECHILD`). Records the program's
/// status if it is reaped here. Each round first reaps what has ended, and
/// scans `/proc` for live children only when some are left.
fn kill_descendants(main: Pid, status: &mut Option<WaitStatus>) {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {}
            Ok(reaped) => {
                if reaped.pid() == Some(main) {
                    *status = Some(reaped);
                }
                continue;
            }
            Err(Errno::EINTR) => continue,
            Err(_) => return,
        }
        for child in children() {
            // ESRCH: it ended meanwhile; it is reaped below.
            let _ = kill(child, Signal::SIGKILL);
        }
        match waitpid(None, None) {
            Ok(reaped) => {
                if reaped.pid() == Some(main) {
                    *status = Some(reaped);
                }
            }
            Err(Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}

/// The pids whose parent is this process, from `/proc/PID/stat`.
fn children() -> Vec<Pid> {
    let me = getpid().as_raw();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| parent_of(*pid) == Some(me))
        .map(Pid::from_raw)
        .collect()
}

/// The parent pid in `/proc/PID/stat`: `pid (comm) state ppid …`, where
/// `comm` may itself hold spaces and parentheses.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(1)?.parse().ok()
}

/// The exit code that reports `status`; a program ended by a signal ends
/// this process by the same signal, so jig sees what it would have seen.
fn exit_code(status: Option<WaitStatus>) -> i32 {
    match status {
        Some(WaitStatus::Exited(_, code)) => code,
        Some(WaitStatus::Signaled(_, signal, _)) => {
            let mut only = SigSet::empty();
            only.add(signal);
            // Default dispositions are in place (none was ever changed but
            // SIGPIPE's, which falls through to the code below).
            let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&only), None);
            let _ = raise(signal);
            128 + signal as i32
        }
        _ => 128 + Signal::SIGKILL as i32,
    }
}

/// A shared lock on a protected path directly in the workspace, released
/// (and the path removed if it is an empty directory no one else holds) on drop.
struct Held {
    path: PathBuf,
    lock: Flock<File>,
}

/// Holds every protected path directly in the workspace, making the
/// missing ones as empty directories.
fn hold_placeholders(policy: &SandboxPolicy) -> Result<Vec<Held>, HelperError> {
    let workspace = policy.workspace.canonicalize().ok();
    let mut held = Vec::new();
    for protected in protected_paths(policy) {
        let in_workspace = protected.path.parent().map(Path::to_path_buf) == workspace;
        if in_workspace && protected.presence != Presence::Missing {
            held.push(hold(&protected.path)?);
        }
    }
    Ok(held)
}

/// Makes `path` exist (an empty directory if missing) and holds a shared
/// lock on the very inode at `path`, retrying if another helper removed it
/// in between.
fn hold(path: &Path) -> Result<Held, HelperError> {
    let err = |reason: String| HelperError::Setup {
        step: "placeholder for a protected path",
        reason: format!("{}: {reason}", path.display()),
    };
    for _ in 0..8 {
        match std::fs::create_dir(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(err(e.to_string())),
        }
        let Ok(file) = File::open(path) else { continue };
        let lock = Flock::lock(file, FlockArg::LockShared).map_err(|(_, e)| err(e.to_string()))?;
        if same_inode(&lock, path) {
            return Ok(Held {
                path: path.to_path_buf(),
                lock,
            });
        }
    }
    Err(err("it keeps disappearing".to_string()))
}

fn same_inode(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // Trade the shared lock for an exclusive one; only the last holder
        // gets it, and only an empty directory can be removed.
        if self.lock.relock(FlockArg::LockExclusiveNonblock).is_ok() && same_inode(&self.lock, &self.path) {
            let _ = std::fs::remove_dir(&self.path);
        }
    }
}

//! Running commands under the sandbox: where the helper executable is, and
//! how a command line becomes the argv that runs it confined.
//!
//! The helper is the `jig` binary itself (`jig __sandbox-exec POLICY -- ARGV`,
//! see `jig-sandbox`), registered once at start-up with [`use_helper`]; a
//! process that registered none (a test binary) cannot run sandboxed
//! commands and says so instead of running them unconfined.
//!
//! Every command goes through the helper when one is registered, unsandboxed
//! ones too (with a `DangerFullAccess` policy and no limits): the helper's
//! first stage owns the command's whole process tree and kills it when the
//! command ends, so double-forked and `setsid` processes die with it in
//! every mode ([`Containment::Helper`]). Without a helper only the process
//! group can be killed ([`Containment::Group`]).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jig_sandbox::{Limits, SandboxMode, SandboxPolicy};

use crate::ToolError;

static HELPER: OnceLock<PathBuf> = OnceLock::new();
static LANDLOCK: OnceLock<bool> = OnceLock::new();

/// Registers the executable that answers `__sandbox-exec`. Only the first
/// call takes effect; returns whether this one did.
pub fn use_helper(exe: PathBuf) -> bool {
    HELPER.set(exe).is_ok()
}

/// Who owns a command's process tree, and so how it is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Containment {
    /// The helper: SIGTERM asks it to kill every descendant and exit; once
    /// it has exited on its own, nothing is left.
    Helper,
    /// No helper: SIGKILL to the process group, which `setsid` escapes.
    Group,
}

/// The argv that runs `argv` in `cwd` outside the sandbox — a program the
/// user configured, such as a hook — and who owns its process tree (kill it
/// through a [`crate::shell::ProcessTree`]): the helper when one is
/// registered, so `setsid` descendants die with it too.
pub fn unconfined(cwd: &Path, argv: Vec<String>) -> (Vec<String>, Containment) {
    match wrap(None, cwd, argv.clone()) {
        Ok(wrapped) => wrapped,
        // Unreachable: only a restricted policy can be refused.
        Err(_) => (argv, Containment::Group),
    }
}

/// The argv that runs `argv` in `cwd` under `policy` (`None`: unsandboxed),
/// and who owns its process tree.
pub(crate) fn wrap(
    policy: Option<&SandboxPolicy>,
    cwd: &Path,
    argv: Vec<String>,
) -> Result<(Vec<String>, Containment), ToolError> {
    let restricted = policy.is_some_and(|p| p.mode.is_restricted());
    let Some(helper) = HELPER.get() else {
        if restricted {
            return Err(ToolError::Fatal(
                "this process cannot run sandboxed commands: no sandbox helper is registered".into(),
            ));
        }
        return Ok((argv, Containment::Group));
    };
    let unconfined;
    let policy = match policy {
        Some(policy) => policy,
        None => {
            unconfined = SandboxPolicy::workspace_write(cwd)
                .with_mode(SandboxMode::DangerFullAccess)
                .with_limits(Limits {
                    max_processes: None,
                    max_file_size_bytes: None,
                    max_cpu_seconds: None,
                });
            &unconfined
        }
    };
    if restricted && !*LANDLOCK.get_or_init(jig_sandbox::landlock_available) {
        return Err(ToolError::RespondToModel(format!(
            "cannot run commands in the {} sandbox: this kernel does not enforce Landlock; the user can \
             choose --sandbox danger-full-access to run without one",
            policy.mode
        )));
    }
    Ok((jig_sandbox::wrap_command(helper, policy, &argv), Containment::Helper))
}

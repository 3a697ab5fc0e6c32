//! Running commands under the sandbox: where the helper executable is, and
//! how a command line becomes the argv that runs it confined.
//!
//! The helper is the `jig` binary itself (`jig __sandbox-exec POLICY -- ARGV`,
//! see `jig-sandbox`), registered once at start-up with [`use_helper`]; a
//! process that registered none (a test binary) cannot run sandboxed
//! commands and says so instead of running them unconfined.

use std::path::PathBuf;
use std::sync::OnceLock;

use jig_sandbox::{SandboxMode, SandboxPolicy};

use crate::ToolError;

static HELPER: OnceLock<PathBuf> = OnceLock::new();
static LANDLOCK: OnceLock<bool> = OnceLock::new();

/// Registers the executable that answers `__sandbox-exec`. Only the first
/// call takes effect; returns whether this one did.
pub fn use_helper(exe: PathBuf) -> bool {
    HELPER.set(exe).is_ok()
}

/// The argv that runs `argv` under `policy`, or `argv` itself when the
/// policy confines nothing.
pub(crate) fn wrap(policy: Option<&SandboxPolicy>, argv: Vec<String>) -> Result<Vec<String>, ToolError> {
    let Some(policy) = policy.filter(|p| p.mode != SandboxMode::DangerFullAccess) else {
        return Ok(argv);
    };
    let Some(helper) = HELPER.get() else {
        return Err(ToolError::Fatal(
            "this process cannot run sandboxed commands: no sandbox helper is registered".into(),
        ));
    };
    if !*LANDLOCK.get_or_init(jig_sandbox::landlock_available) {
        return Err(ToolError::RespondToModel(format!(
            "cannot run commands in the {} sandbox: this kernel does not enforce Landlock; the user can \
             choose --sandbox danger-full-access to run without one",
            policy.mode
        )));
    }
    Ok(jig_sandbox::wrap_command(helper, policy, &argv))
}

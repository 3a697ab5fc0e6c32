//! OS sandbox for the commands jig runs on the model's behalf, and the write
//! check for jig's own file-changing tools.
//!
//! Design: jig re-executes its own binary as a helper
//! (`jig __sandbox-exec <policy-json> -- PROGRAM ARGS...`, see [`wrap_command`]
//! and [`helper_main`]). The helper applies rlimits, enters a private user +
//! network namespace, applies Landlock filesystem rules and then `execvp`s the
//! program, so the command and all its children inherit the restrictions
//! while jig itself stays unrestricted. jig's in-process tools call
//! [`check_write`], which uses the same writable roots as the Landlock rules.
//!
//! Invariant: a restricted mode either runs the command fully restricted or
//! does not run it at all (exit code [`EXIT_SETUP_FAILED`]); only
//! `DangerFullAccess` runs without a sandbox.
//!
//! This crate must not depend on other jig crates, start threads, or decide
//! policy: which mode applies is the caller's setting.
//!
//! Environment variables read: `TMPDIR` ([`ENV_TMPDIR`]), to add the temp
//! directory to the writable roots.
#![deny(missing_docs)]

mod check;
mod explain;
mod fs_rules;
mod helper;
mod net;
mod policy;

pub use check::{SandboxError, check_write};
pub use explain::{DENIAL_MARKER, explain_denial};
pub use fs_rules::landlock_available;
pub use helper::{
    EXIT_EXEC_FAILED, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, HELPER_SUBCOMMAND, HelperError, helper_main, wrap_command,
};
pub use policy::{Limits, NetworkIsolation, SandboxMode, SandboxPolicy};

/// The temp directory variable; its value (if absolute) is a writable root.
pub const ENV_TMPDIR: &str = "TMPDIR";

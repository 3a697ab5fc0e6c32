//! OS sandbox for the commands jig runs on the model's behalf, and the write
//! check for jig's own file-changing tools.
//!
//! Design: jig re-executes its own binary as a helper
//! (`jig __sandbox-exec <policy-json> -- PROGRAM ARGS...`, see [`wrap_command`]
//! and [`helper_main`]). The helper's first stage supervises: it owns every
//! process the command starts (as their subreaper) and kills them all when
//! the command ends, is cancelled or jig dies. Its second stage applies
//! rlimits, enters a private user, mount and network namespace, binds `.git`
//! and `.jig` read-only, applies Landlock filesystem rules and a seccomp
//! filter against Unix sockets, and then `execvp`s the program, so the
//! command and all its children inherit the restrictions while jig itself
//! stays unrestricted. jig's in-process tools call [`check_write`], which
//! uses the same writable roots and protected paths as the kernel rules.
//!
//! The same helper also builds private filesystem views for eval samples
//! (`jig __sandbox-view <view-json> -- PROGRAM ARGS...`, see [`View`],
//! [`wrap_in_view`] and [`view_main`]): the host's `/` read-only, the task's
//! files bound at `/app`, `/tests` and the like, with no container engine.
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
mod mounts;
mod net;
mod policy;
mod protected;
mod supervisor;
mod view;
mod view_fs;

pub use check::{SandboxError, check_write};
pub use explain::{DENIAL_MARKER, explain_denial};
pub use fs_rules::landlock_available;
pub use helper::{
    EXIT_EXEC_FAILED, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, HELPER_SUBCOMMAND, HelperError, helper_main, wrap_command,
};
pub use policy::{Limits, NetworkIsolation, SandboxMode, SandboxPolicy};
pub use view::{Bind, VIEW_SUBCOMMAND, View, view_main, wrap_in_view};

/// The temp directory variable; its value (if absolute) is a writable root.
pub const ENV_TMPDIR: &str = "TMPDIR";

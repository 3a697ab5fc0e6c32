//! Every environment variable jig reads, in one place.
//!
//! Library code never calls `std::env::var` elsewhere: the binary reads these
//! once at start-up and passes plain values down.

use std::path::PathBuf;

/// Data directory (sessions live in `$JIG_HOME/sessions`). Default `~/.jig`.
pub const JIG_HOME: &str = "JIG_HOME";
/// Used to find the default data directory when `JIG_HOME` is unset.
pub const HOME: &str = "HOME";
/// Fault injection for crash tests: the process kills itself with SIGKILL
/// right after its N-th rollout record is synced. Never set it in normal use.
pub const JIG_FAULT_KILL_AFTER_RECORDS: &str = "JIG_FAULT_KILL_AFTER_RECORDS";
/// `tracing` filter for diagnostics on stderr (e.g. `jig=debug`).
pub const JIG_LOG: &str = "JIG_LOG";

/// The data directory: `$JIG_HOME`, else `$HOME/.jig`, else `./.jig`.
pub fn jig_home() -> PathBuf {
    if let Some(home) = std::env::var_os(JIG_HOME).filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    match std::env::var_os(HOME).filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(".jig"),
        None => PathBuf::from(".jig"),
    }
}

/// The fault-injection record count, if set to a number.
pub fn fault_kill_after_records() -> Option<u64> {
    std::env::var(JIG_FAULT_KILL_AFTER_RECORDS).ok()?.trim().parse().ok()
}

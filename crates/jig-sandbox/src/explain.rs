//! Turning a sandboxed command's failure into a note for the model and the
//! person: what the sandbox allows, and that an escalation can be asked for.
//!
//! The note is a hint appended to the command's output, never a verdict: the
//! patterns below also match failures the sandbox did not cause (a plain
//! `chmod 000` file), so the wording says "may". It must not change the
//! command's output or exit code. No note under `DangerFullAccess`.

use crate::policy::{SandboxMode, SandboxPolicy};

/// Messages a denied file operation prints (errno names and their strerror).
const FS_DENIAL: [&str; 8] = [
    "Permission denied",
    "Read-only file system",
    "Operation not permitted",
    "Invalid cross-device link",
    "EACCES",
    "EPERM",
    "EROFS",
    "EXDEV",
];

/// Messages a blocked network operation prints.
const NET_DENIAL: [&str; 8] = [
    "Network is unreachable",
    "ENETUNREACH",
    "Cannot assign requested address",
    "Temporary failure in name resolution",
    "Could not resolve host",
    "Name or service not known",
    "No address associated with hostname",
    "Address family not supported",
];

/// Messages and exit codes of an exceeded resource limit.
const LIMIT_DENIAL: [&str; 3] = [
    "File size limit exceeded",
    "CPU time limit exceeded",
    "Resource temporarily unavailable",
];
/// 128 + SIGXCPU (24) and 128 + SIGXFSZ (25), as a shell reports them.
const LIMIT_EXIT_CODES: [i32; 2] = [152, 153];

/// Words every denial note contains, for recognising one in tool output.
pub const DENIAL_MARKER: &str = "sandbox and may have been stopped by it";

/// A one-paragraph note when `stderr`/`exit_code` look like the sandbox of
/// `policy` stopped the command; `None` when they do not or when the policy
/// restricts nothing.
pub fn explain_denial(stderr: &str, exit_code: Option<i32>, policy: &SandboxPolicy) -> Option<String> {
    if !policy.mode.is_restricted() {
        return None;
    }
    let fs = FS_DENIAL.iter().any(|p| stderr.contains(p));
    let net = policy.blocks_network()
        && (NET_DENIAL.iter().any(|p| stderr.contains(p)) || (fs && stderr.to_ascii_lowercase().contains("socket")));
    let limit =
        LIMIT_DENIAL.iter().any(|p| stderr.contains(p)) || exit_code.is_some_and(|c| LIMIT_EXIT_CODES.contains(&c));
    if !(fs || net || limit) {
        return None;
    }
    let mut note = format!(
        "note: this command ran in jig's {} {DENIAL_MARKER}. ",
        policy.mode.as_str()
    );
    note.push_str(&writes_sentence(policy));
    note.push(' ');
    note.push_str(if policy.blocks_network() {
        "Network access is blocked (no connections, not even to 127.0.0.1). "
    } else {
        "Network access is allowed. "
    });
    if policy.blocks_unix_sockets() {
        note.push_str("Unix sockets other than socketpair are blocked. ");
    }
    if limit {
        note.push_str(&limits_sentence(policy));
        note.push(' ');
    }
    note.push_str(
        "Do not try to work around the sandbox; if the task needs more access, ask the user for an escalation (a wider sandbox for this command) and say why.",
    );
    Some(note)
}

fn writes_sentence(policy: &SandboxPolicy) -> String {
    match policy.mode {
        SandboxMode::ReadOnly => "It may read everywhere but write nowhere (only /dev/null).".to_string(),
        SandboxMode::WorkspaceWrite | SandboxMode::DangerFullAccess => {
            let roots: Vec<String> = policy
                .writable_roots()
                .iter()
                .map(|r| r.display().to_string())
                .collect();
            format!(
                "It may read everywhere but write only under {}, where .git and .jig stay read-only.",
                if roots.is_empty() {
                    "nothing".to_string()
                } else {
                    roots.join(", ")
                }
            )
        }
    }
}

fn limits_sentence(policy: &SandboxPolicy) -> String {
    let l = policy.limits;
    let show = |v: Option<u64>| v.map_or("unlimited".to_string(), |v| v.to_string());
    format!(
        "Limits: {} processes, files up to {} bytes, {} CPU seconds per process.",
        show(l.max_processes),
        show(l.max_file_size_bytes),
        show(l.max_cpu_seconds)
    )
}

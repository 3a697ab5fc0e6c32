//! The sandbox policy: what a sandboxed command may write, whether it may
//! reach the network, and the resource limits it runs under.
//!
//! The policy is plain data (serde) so that jig can hand it to the re-exec
//! helper as one JSON argument. The set of writable roots is computed in one
//! place, [`SandboxPolicy::writable_roots`], and both the kernel rules
//! (Landlock in the helper) and the in-process check ([`crate::check_write`])
//! use it, so the two can never disagree about where writes may go.
//!
//! The paths kept read-only inside the writable roots (`.git`, `.jig`) are
//! likewise computed in one place, [`crate::protected::protected_paths`].
//!
//! This module must not touch the process: no syscalls beyond reading the
//! environment for `TMPDIR` and canonicalising paths.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How much of the machine a sandboxed command may change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    /// Read and execute everywhere; write nowhere except `/dev/null`-like sinks.
    ReadOnly,
    /// Read and execute everywhere; write only under the workspace, the extra
    /// writable roots and the temp directories.
    #[default]
    WorkspaceWrite,
    /// No sandbox at all. Only the file-size and CPU limits still apply.
    DangerFullAccess,
}

impl std::fmt::Display for SandboxMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SandboxMode::ReadOnly => "read-only",
            SandboxMode::WorkspaceWrite => "workspace-write",
            SandboxMode::DangerFullAccess => "danger-full-access",
        })
    }
}

impl SandboxMode {
    /// Whether this mode restricts anything (every mode but `DangerFullAccess`).
    pub fn is_restricted(self) -> bool {
        !matches!(self, SandboxMode::DangerFullAccess)
    }

    /// The name used in JSON and in messages (`workspace-write`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxMode::ReadOnly => "read-only",
            SandboxMode::WorkspaceWrite => "workspace-write",
            SandboxMode::DangerFullAccess => "danger-full-access",
        }
    }
}

/// How the helper cuts a restricted command off the network.
///
/// See the `net` module docs for the measurements behind the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkIsolation {
    /// A private user + network namespace (only a down loopback inside).
    /// Falls back to [`NetworkIsolation::Seccomp`] when the kernel refuses to
    /// create user namespaces.
    #[default]
    Namespace,
    /// A seccomp filter: `socket()` fails with `EACCES` for every address
    /// family but `AF_UNIX` and `AF_NETLINK`; `io_uring_setup` is refused.
    Seccomp,
}

/// Resource limits applied (as rlimits) to the sandboxed command.
///
/// `None` leaves the inherited limit in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// `RLIMIT_NPROC`. Applied only inside the helper's private user
    /// namespace, where the kernel counts the sandbox's own processes; outside
    /// one it would count every process of the uid and break unrelated work.
    pub max_processes: Option<u64>,
    /// `RLIMIT_FSIZE`: the largest file the command may write (`SIGXFSZ` past it).
    pub max_file_size_bytes: Option<u64>,
    /// `RLIMIT_CPU`: CPU seconds per process (`SIGXCPU`, then `SIGKILL`).
    pub max_cpu_seconds: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_processes: Some(512),
            max_file_size_bytes: Some(1 << 30),
            max_cpu_seconds: Some(600),
        }
    }
}

/// Everything the helper needs to sandbox one command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPolicy {
    /// What the command may change.
    #[serde(default)]
    pub mode: SandboxMode,
    /// The project directory; writable in `WorkspaceWrite`.
    pub workspace: PathBuf,
    /// Extra directories writable in `WorkspaceWrite` (ignored in `ReadOnly`).
    #[serde(default)]
    pub writable_roots: Vec<PathBuf>,
    /// Whether the command may use the network. Ignored in `DangerFullAccess`.
    #[serde(default)]
    pub network: bool,
    /// How the network is blocked when `network` is false.
    #[serde(default)]
    pub network_isolation: NetworkIsolation,
    /// Whether a restricted command may use Unix sockets beyond
    /// `socketpair` (connect to a path socket such as the Docker socket, an
    /// ssh-agent or D-Bus). Off by default; ignored in `DangerFullAccess`.
    #[serde(default)]
    pub allow_unix_sockets: bool,
    /// Resource limits.
    #[serde(default)]
    pub limits: Limits,
}

impl SandboxPolicy {
    /// A `WorkspaceWrite` policy for `workspace`, network off, default limits.
    pub fn workspace_write(workspace: impl Into<PathBuf>) -> Self {
        SandboxPolicy {
            mode: SandboxMode::WorkspaceWrite,
            workspace: workspace.into(),
            writable_roots: Vec::new(),
            network: false,
            network_isolation: NetworkIsolation::default(),
            allow_unix_sockets: false,
            limits: Limits::default(),
        }
    }

    /// Sets the mode (builder style).
    pub fn with_mode(mut self, mode: SandboxMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the limits (builder style).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the network isolation mechanism (builder style).
    pub fn with_network_isolation(mut self, isolation: NetworkIsolation) -> Self {
        self.network_isolation = isolation;
        self
    }

    /// Whether a restricted mode has the network switched off.
    pub fn blocks_network(&self) -> bool {
        self.mode.is_restricted() && !self.network
    }

    /// Whether a restricted mode keeps Unix sockets other than
    /// `socketpair` from being created.
    pub fn blocks_unix_sockets(&self) -> bool {
        self.mode.is_restricted() && !self.allow_unix_sockets
    }

    /// The directories under which writes are allowed, canonicalised, missing
    /// ones dropped: the workspace, `writable_roots` and the temp directories
    /// (`/tmp`, `/dev/shm`, `$TMPDIR`). Empty in `ReadOnly`. Meaningless in
    /// `DangerFullAccess`, where everything is writable.
    pub fn writable_roots(&self) -> Vec<PathBuf> {
        if self.mode == SandboxMode::ReadOnly {
            return Vec::new();
        }
        let mut roots: Vec<PathBuf> = Vec::new();
        let candidates = std::iter::once(self.workspace.clone())
            .chain(self.writable_roots.iter().cloned())
            .chain(temp_dirs());
        for candidate in candidates {
            if let Ok(canonical) = candidate.canonicalize()
                && !roots.contains(&canonical)
            {
                roots.push(canonical);
            }
        }
        roots
    }
}

/// The device files every restricted mode may write (output sinks, no state).
pub(crate) const WRITABLE_DEVICES: [&str; 4] = ["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"];

/// The temp directories a `WorkspaceWrite` command may use.
fn temp_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("/tmp"), PathBuf::from("/dev/shm")];
    if let Some(tmpdir) = std::env::var_os(crate::ENV_TMPDIR)
        && Path::new(&tmpdir).is_absolute()
    {
        dirs.push(PathBuf::from(tmpdir));
    }
    dirs
}

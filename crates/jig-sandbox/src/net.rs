//! Cutting a restricted command off the network, and scoping its process
//! limit, in the helper process before `exec`.
//!
//! Decision: the default is a private user + network namespace
//! (`unshare(CLONE_NEWUSER | CLONE_NEWNET)`), with the uid/gid mapped to
//! themselves so files keep their owner. A fresh network namespace holds only
//! a loopback that is down, so `connect()` to the host's 127.0.0.1 fails with
//! `ENETUNREACH`, and every address family is cut at once: TCP, UDP, raw,
//! IPv6, and abstract Unix sockets (which live per network namespace).
//! Measured on this machine (Linux 6.18, 2 cores, running as root, debug
//! build, 2 × 300 runs of the helper exec'ing `true`): namespace ≈ 2.14 ms
//! per run, seccomp ≈ 1.81 ms, user namespace without a network namespace
//! ≈ 1.78 ms (so the network namespace itself costs ≈ 0.35 ms), no sandbox
//! ≈ 1.68 ms. Both blocked TCP to a 127.0.0.1 listener (`ENETUNREACH` vs
//! `EACCES`), TCP to `::1`, UDP, and connecting to a host abstract Unix
//! socket (the namespace because abstract sockets are per network namespace,
//! seccomp thanks to Landlock's scope); both kept `socketpair(AF_UNIX)`
//! working; inside the namespace, `ip link set lo up` succeeds but only
//! reaches the sandbox's own empty loopback (`ECONNREFUSED`). The namespace
//! wins on robustness rather than speed: a seccomp filter on `socket()`
//! inspects one syscall's argument, so every other way to make a socket (an
//! `io_uring` `IORING_OP_SOCKET`, a future syscall) must be found and closed
//! by hand, while the namespace has
//! no route to close. The user namespace also scopes `RLIMIT_NPROC` to the
//! sandbox's own processes (the kernel counts processes per user namespace),
//! so a small process limit cannot break the rest of the uid's work.
//!
//! Fallback: where the kernel refuses to create a user namespace (sysctl or
//! distribution policy), the seccomp filter is installed instead and
//! `RLIMIT_NPROC` is left alone. [`NetworkIsolation::Seccomp`] skips only the
//! network namespace; the user namespace (and the mount namespace for the
//! read-only binds of `mounts`) is still entered.
//!
//! Unix sockets: a path socket (the Docker socket, an ssh-agent, D-Bus) is a
//! file, reachable from any network namespace, and Landlock does not govern
//! `connect()`. Unless the policy allows Unix sockets, a second seccomp
//! filter refuses with `EPERM` every way to get a Unix socket that can name
//! a peer: `socket(AF_UNIX)`, a datagram `socketpair` and `io_uring`. Stream
//! and seqpacket `socketpair`s, which build tools use to talk to their own
//! children, keep working. If the namespace is created but the id maps
//! cannot be written, the helper fails closed: the process would otherwise
//! run as the overflow uid and could not write its own files.
//!
//! This module must not touch the filesystem rules; it runs before Landlock
//! because writing `/proc/self/uid_map` is itself a write Landlock would deny.

use nix::sched::{CloneFlags, unshare};
use nix::unistd::{getgid, getuid};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
};

use crate::helper::HelperError;
use crate::policy::{NetworkIsolation, SandboxPolicy};

/// What the namespace step achieved, so later steps know what is scoped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isolation {
    /// In a private user namespace (which scopes `RLIMIT_NPROC`).
    pub(crate) user: bool,
    /// In a private network namespace (the network is cut).
    pub(crate) network: bool,
    /// In a private mount namespace (read-only binds are possible).
    pub(crate) mounts: bool,
}

/// Enters the private namespaces the policy asks for: a network namespace
/// when the network is blocked by [`NetworkIsolation::Namespace`], a mount
/// namespace when `mounts` is asked for. Must run while the process is
/// single-threaded (`unshare(CLONE_NEWUSER)` fails otherwise).
pub(crate) fn enter_namespaces(policy: &SandboxPolicy, mounts: bool) -> Result<Isolation, HelperError> {
    let network = policy.blocks_network() && policy.network_isolation == NetworkIsolation::Namespace;
    let host = Isolation {
        user: false,
        network: false,
        mounts: false,
    };
    let mut flags = CloneFlags::CLONE_NEWUSER;
    if network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    if mounts {
        flags |= CloneFlags::CLONE_NEWNS;
    }
    let uid = getuid();
    let gid = getgid();
    if unshare(flags).is_err() {
        return Ok(host);
    }
    write_id_maps(uid.as_raw(), gid.as_raw())?;
    Ok(Isolation {
        user: true,
        network,
        mounts,
    })
}

/// Maps our uid and gid to themselves inside the new user namespace.
/// `setgroups` must be denied first or an unprivileged `gid_map` write fails.
fn write_id_maps(uid: u32, gid: u32) -> Result<(), HelperError> {
    let write = |file: &str, contents: String| {
        std::fs::write(file, contents).map_err(|e| HelperError::Setup {
            step: "user namespace id map",
            reason: format!("cannot write {file}: {e}"),
        })
    };
    write("/proc/self/setgroups", "deny".to_string())?;
    write("/proc/self/uid_map", format!("{uid} {uid} 1"))?;
    write("/proc/self/gid_map", format!("{gid} {gid} 1"))?;
    Ok(())
}

/// Installs the seccomp filters the policy needs: the network fallback
/// (`EACCES`) when the network is blocked and no network namespace does it,
/// and the Unix socket filter (`EPERM`) unless the policy allows Unix
/// sockets. `no_new_privs` must already be set.
pub(crate) fn install_socket_filters(policy: &SandboxPolicy, isolation: Isolation) -> Result<(), HelperError> {
    if policy.blocks_network() && !isolation.network {
        apply(network_filter(), "seccomp network filter")?;
    }
    if policy.blocks_unix_sockets() {
        apply(unix_socket_filter(), "seccomp unix socket filter")?;
    }
    Ok(())
}

fn apply(program: Result<BpfProgram, String>, step: &'static str) -> Result<(), HelperError> {
    let program = program.map_err(|reason| HelperError::Setup { step, reason })?;
    seccompiler::apply_filter(&program).map_err(|e| HelperError::Setup {
        step,
        reason: e.to_string(),
    })
}

/// `socket()` with any family but `AF_UNIX`/`AF_NETLINK` → `EACCES`;
/// `io_uring_setup` → `EACCES` (it can create sockets without `socket()`).
fn network_filter() -> Result<BpfProgram, String> {
    let not_local = SeccompRule::new(vec![
        arg_cmp(0, SeccompCmpOp::Ne, libc::AF_UNIX)?,
        arg_cmp(0, SeccompCmpOp::Ne, libc::AF_NETLINK)?,
    ])
    .map_err(|e| e.to_string())?;
    let rules = [(libc::SYS_socket, vec![not_local]), (libc::SYS_io_uring_setup, vec![])];
    compile(rules.into_iter().collect(), libc::EACCES)
}

/// `socket(AF_UNIX, …)` → `EPERM`, so no socket exists that could connect
/// or send to a path (or, with the network on, an abstract name);
/// `socketpair(AF_UNIX, SOCK_DGRAM, …)` → `EPERM`, because a datagram socket
/// can still `sendmsg` to any address; `io_uring_setup` → `EPERM`. Stream
/// and seqpacket `socketpair`s keep working: they are connected at birth and
/// the kernel refuses a destination address on them (`EISCONN`).
fn unix_socket_filter() -> Result<BpfProgram, String> {
    let unix = SeccompRule::new(vec![arg_cmp(0, SeccompCmpOp::Eq, libc::AF_UNIX)?]).map_err(|e| e.to_string())?;
    // The type argument also carries SOCK_NONBLOCK/SOCK_CLOEXEC; the type
    // itself is the low four bits (the kernel's SOCK_TYPE_MASK).
    let datagram_pair = SeccompRule::new(vec![
        arg_cmp(0, SeccompCmpOp::Eq, libc::AF_UNIX)?,
        arg_cmp(1, SeccompCmpOp::MaskedEq(0xf), libc::SOCK_DGRAM)?,
    ])
    .map_err(|e| e.to_string())?;
    let rules = [
        (libc::SYS_socket, vec![unix]),
        (libc::SYS_socketpair, vec![datagram_pair]),
        (libc::SYS_io_uring_setup, vec![]),
    ];
    compile(rules.into_iter().collect(), libc::EPERM)
}

fn arg_cmp(index: u8, op: SeccompCmpOp, value: i32) -> Result<SeccompCondition, String> {
    SeccompCondition::new(index, SeccompCmpArgLen::Dword, op, u64::from(value.unsigned_abs()))
        .map_err(|e| e.to_string())
}

/// A filter that allows everything but `rules`, which fail with `errno`.
fn compile(rules: std::collections::BTreeMap<i64, Vec<SeccompRule>>, errno: i32) -> Result<BpfProgram, String> {
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno.unsigned_abs()),
        arch,
    )
    .map_err(|e| e.to_string())?;
    filter.try_into().map_err(|e: seccompiler::BackendError| e.to_string())
}

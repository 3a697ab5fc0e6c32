//! Read-only bind mounts over the protected paths (`.git`, `.jig`, see
//! `protected`), made in the helper's private mount namespace before Landlock.
//!
//! Landlock only grants rights, so it cannot carve a read-only hole out of a
//! writable root; a mount can. Each protected path that exists is bound onto
//! itself and remounted read-only: writes under it fail with `EROFS`, and it
//! cannot be renamed, replaced or removed (`EBUSY`, a mount point). Mount
//! permissions and Landlock intersect, and Landlock forbids the command any
//! later `mount`/`umount`, so the command cannot undo them. The mounts live in
//! the command's own mount namespace; the rest of the machine never sees them.
//!
//! Fallback: where no mount namespace can be had (no user namespaces), the
//! caller falls back to the Landlock-only rule set in `fs_rules`, which keeps
//! the protected paths read-only by not granting the writable root itself.
//!
//! This module must not create or delete anything on disk.

use std::path::{Path, PathBuf};

use nix::mount::{MsFlags, mount};
use nix::sys::statvfs::{FsFlags, statvfs};

use crate::helper::HelperError;

/// Makes mounts private (so nothing propagates to the host) and binds every
/// path of `targets` read-only onto itself. Must run inside a private mount
/// namespace with `CAP_SYS_ADMIN` there.
pub(crate) fn bind_read_only(targets: &[PathBuf]) -> Result<(), HelperError> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| setup_error(Path::new("/"), "make mounts private", e))?;
    for target in targets {
        bind_one(target)?;
    }
    Ok(())
}

fn bind_one(target: &Path) -> Result<(), HelperError> {
    mount(
        Some(target),
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(|e| setup_error(target, "bind", e))?;
    // A remount in a user namespace must keep the flags the kernel locked on
    // the original mount (nosuid, nodev, noexec, atime), or it fails.
    let locked = statvfs(target)
        .map(|s| locked_flags(s.flags()))
        .map_err(|e| setup_error(target, "stat", e))?;
    mount(
        None::<&str>,
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | locked,
        None::<&str>,
    )
    .map_err(|e| setup_error(target, "remount read-only", e))
}

fn locked_flags(flags: FsFlags) -> MsFlags {
    let table = [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ];
    table
        .into_iter()
        .filter(|(st, _)| flags.contains(*st))
        .fold(MsFlags::empty(), |acc, (_, ms)| acc | ms)
}

fn setup_error(target: &Path, what: &str, e: nix::Error) -> HelperError {
    HelperError::Setup {
        step: "read-only mounts",
        reason: format!("cannot {what} {}: {e}", target.display()),
    }
}

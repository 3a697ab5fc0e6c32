//! Landlock filesystem rules for the helper process.
//!
//! Rules: every filesystem right the kernel knows is handled (denied by
//! default); `/` gets read + execute + list; the writable roots of
//! [`SandboxPolicy::writable_roots`] get every right (including `REFER`, so
//! `mv` and `git` work inside them); a few sink devices (`/dev/null`, …) get
//! file write. Landlock resolves the real inode hierarchy at access time, so
//! `../`, symlinks and `/proc/self/root/...` cannot reach a denied place, and
//! linking a file from outside into a writable root fails with `EXDEV`
//! because the destination would grant more than the source.
//!
//! Fail closed: in a restricted mode a kernel without Landlock (status
//! `NotEnforced`) is an error, never a silent run. `PartiallyEnforced` (an
//! older ABI that lacks e.g. truncate control) runs, with a one-line warning
//! on stderr. `DangerFullAccess` never calls this module.
//!
//! Also scoped (ABI ≥ 6, best effort): signals and abstract Unix sockets
//! cannot reach processes outside the sandbox.
//!
//! Protected paths (`.git`, `.jig`): normally read-only bind mounts keep them
//! (see `mounts`), and the writable roots are granted whole. Without a mount
//! namespace the caller passes them here instead, and a writable root holding
//! one is not granted itself: each of its entries is, recursively, except the
//! protected ones and symlinks. That keeps them read-only at the price of not
//! being able to create new entries directly in such a root.

use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
    path_beneath_rules,
};

use std::path::{Path, PathBuf};

use crate::helper::HelperError;
use crate::policy::{SandboxPolicy, WRITABLE_DEVICES};

/// The newest ABI whose rights we have vetted; the kernel may offer fewer.
const TARGET_ABI: ABI = ABI::V6;

/// Whether the running kernel can enforce Landlock filesystem rules.
pub fn landlock_available() -> bool {
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(ABI::V1))
        .and_then(|ruleset| ruleset.create())
        .is_ok()
}

/// Restricts the calling thread (and what it execs) to the policy's
/// filesystem rules, leaving `unmounted` (protected paths no mount keeps
/// read-only) without write rights. Sets `no_new_privs` as a side effect.
pub(crate) fn apply(policy: &SandboxPolicy, unmounted: &[PathBuf]) -> Result<(), HelperError> {
    let mut writable = Vec::new();
    for root in policy.writable_roots() {
        grant_around(&root, unmounted, &mut writable);
    }
    let err = |e: landlock::RulesetError| HelperError::Setup {
        step: "landlock",
        reason: e.to_string(),
    };
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(TARGET_ABI))
        .map_err(err)?
        .scope(Scope::from_all(TARGET_ABI))
        .map_err(err)?
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(["/"], AccessFs::from_read(TARGET_ABI)))
        .map_err(err)?
        .add_rules(path_beneath_rules(WRITABLE_DEVICES, AccessFs::from_file(TARGET_ABI)))
        .map_err(err)?
        .add_rules(path_beneath_rules(writable, AccessFs::from_all(TARGET_ABI)))
        .map_err(err)?
        .restrict_self()
        .map_err(err)?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Ok(()),
        RulesetStatus::PartiallyEnforced => {
            eprintln!(
                "jig sandbox: warning: this kernel's Landlock is older than ABI 6; some rights (truncate, link across directories, device ioctl, signal scoping) may not be restricted"
            );
            Ok(())
        }
        RulesetStatus::NotEnforced => Err(HelperError::LandlockUnavailable),
    }
}

/// Pushes `dir` onto `out` when nothing of `protected` lies under it;
/// otherwise descends, skipping protected paths and symlinks (a rule on a
/// symlink would grant its target).
fn grant_around(dir: &Path, protected: &[PathBuf], out: &mut Vec<PathBuf>) {
    if protected.iter().any(|p| p == dir) {
        return;
    }
    if !protected.iter().any(|p| p.starts_with(dir)) {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| !t.is_symlink()) {
            grant_around(&entry.path(), protected, out);
        }
    }
}

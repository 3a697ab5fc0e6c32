//! The mounts that make a view (see `view`), built in stage two inside its
//! private user and mount namespace, and the switch into it.
//!
//! How: the way bubblewrap does it. Mounts are made private first, so
//! nothing propagates to the host. A scratch tmpfs is mounted over `/tmp`
//! and made the root with `pivot_root`, which puts the host's root at
//! `/oldroot` (where `/oldroot/tmp` is the host's `/tmp` again, the scratch
//! tmpfs having moved) and leaves room for `/newroot`, a second tmpfs that
//! becomes the view's root. It gets the host's top-level entries, bound from
//! `/oldroot`, then the view's binds, shallowest target first so a parent
//! bind never covers a child's. Then the host's root is detached, a second
//! `pivot_root` makes `/newroot` the root, and the scratch tmpfs goes too.
//!
//! Read-only uses `mount_setattr(2)` with `AT_RECURSIVE`: a plain read-only
//! remount changes one mount, not the mounts below it, and keeps the flags
//! the kernel locked on the host's mounts only if they are repeated (see
//! `mounts`); `mount_setattr` sets read-only on a whole tree and leaves every
//! other flag alone. It needs Linux 5.12, older than the Landlock jig
//! already requires.
//!
//! Invariant: nothing is created, changed or removed on the host. Mount
//! points are made only on the tmpfs instances this module mounted (told
//! apart by their device number); a bind target whose missing parent lies
//! anywhere else is a setup error. A host entry that cannot be stat'ed is
//! left out of the view rather than guessed at.

use std::ffi::CString;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::unistd::{chdir, pivot_root};

use crate::helper::HelperError;
use crate::view::Bind;

/// Where the scratch tmpfs is mounted before it becomes the root.
const SCRATCH: &str = "/tmp";
/// The view's root while it is being built (on the scratch tmpfs).
const NEW_ROOT: &str = "/newroot";
/// The host's root while the view is being built.
const OLD_ROOT: &str = "/oldroot";
/// Paths under `/proc` made read-only, as Docker does: kernel settings that
/// a uid mapped to host root could otherwise change for the whole machine.
const PROC_READ_ONLY: [&str; 5] = ["bus", "fs", "irq", "sys", "sysrq-trigger"];

/// A bind whose source was resolved on the host, before any mount.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// Canonical host path.
    source: PathBuf,
    target: PathBuf,
    writable: bool,
    is_dir: bool,
}

/// Resolves every bind's source to a canonical host path (symlinks in it
/// would resolve against the scratch root later) and learns its kind.
pub(crate) fn resolve(binds: &[Bind]) -> Result<Vec<Resolved>, HelperError> {
    let mut resolved = binds
        .iter()
        .map(|bind| {
            let source = bind.source.canonicalize().map_err(|e| {
                setup(
                    "bind sources",
                    format!("bind source {} cannot be used: {e}", bind.source.display()),
                )
            })?;
            let is_dir = source.is_dir();
            Ok(Resolved {
                source,
                target: bind.target.clone(),
                writable: bind.writable,
                is_dir,
            })
        })
        .collect::<Result<Vec<_>, HelperError>>()?;
    // Shallowest first: a bind at /logs must not cover one at /logs/verifier.
    resolved.sort_by_key(|b| b.target.components().count());
    Ok(resolved)
}

/// Builds the view and switches into it, with `workdir` as the working
/// directory. Needs `CAP_SYS_ADMIN` in a private mount namespace.
pub(crate) fn build(binds: &[Resolved], workdir: &Path) -> Result<(), HelperError> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| setup("private mounts", format!("cannot make mounts private: {e}")))?;
    enter_scratch_root()?;
    let mut tree = Tree { tmpfs: Vec::new() };
    tree.mount_tmpfs(Path::new(NEW_ROOT), "0755")?;
    tree.show_host(binds)?;
    for bind in binds {
        tree.bind(bind)?;
    }
    set_read_only(Path::new(NEW_ROOT), Depth::OneMount)?;
    switch_root()?;
    chdir(workdir).map_err(|e| {
        setup(
            "workdir",
            format!(
                "cannot enter the workdir {} in the view: {e}; make it a bind target, under one, or an existing host directory",
                workdir.display()
            ),
        )
    })
}

/// Mounts the scratch tmpfs and makes it the root, with the host's root at
/// [`OLD_ROOT`].
fn enter_scratch_root() -> Result<(), HelperError> {
    let err = |what: &str, e: Errno| setup("scratch root", format!("{what}: {e}"));
    mount(
        Some("tmpfs"),
        SCRATCH,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0755"),
    )
    .map_err(|e| err("cannot mount a tmpfs on /tmp", e))?;
    chdir(SCRATCH).map_err(|e| err("cannot enter it", e))?;
    for dir in [NEW_ROOT, OLD_ROOT] {
        std::fs::create_dir(relative(Path::new(dir)))
            .map_err(|e| setup("scratch root", format!("cannot create {dir} on it: {e}")))?;
    }
    pivot_root(".", relative(Path::new(OLD_ROOT)).as_path()).map_err(|e| err("cannot pivot into it", e))?;
    chdir("/").map_err(|e| err("cannot enter the new root", e))
}

/// Detaches the host's root, makes [`NEW_ROOT`] the root and detaches the
/// scratch tmpfs (the `pivot_root(".", ".")` idiom of pivot_root(2)).
fn switch_root() -> Result<(), HelperError> {
    let err = |what: &str, e: Errno| setup("switch root", format!("{what}: {e}"));
    umount2(OLD_ROOT, MntFlags::MNT_DETACH).map_err(|e| err("cannot detach the host's root", e))?;
    chdir(NEW_ROOT).map_err(|e| err("cannot enter the view's root", e))?;
    pivot_root(".", ".").map_err(|e| err("cannot pivot into the view's root", e))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| err("cannot detach the scratch root", e))?;
    chdir("/").map_err(|e| err("cannot enter the view's root", e))
}

/// The view being built: which tmpfs instances are its own.
struct Tree {
    /// Device numbers of the tmpfs instances mounted here; only on these may
    /// a mount point be created.
    tmpfs: Vec<u64>,
}

/// How a top-level entry of the host's `/` is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// Bound recursively and made read-only.
    ReadOnly,
    /// `/proc`: bound as it is, kernel settings read-only.
    Proc,
    /// `/dev`: bound as it is, with a private `/dev/shm`.
    Dev,
    /// `/tmp`: a private tmpfs instead.
    PrivateTmp,
    /// A bind targets it exactly: the bind takes its place.
    Replaced,
}

fn shown(name: &std::ffi::OsStr, binds: &[Resolved]) -> Shown {
    if binds
        .iter()
        .any(|b| b.target.parent() == Some(Path::new("/")) && b.target.ends_with(name))
    {
        return Shown::Replaced;
    }
    match name.as_bytes() {
        b"proc" => Shown::Proc,
        b"dev" => Shown::Dev,
        b"tmp" => Shown::PrivateTmp,
        _ => Shown::ReadOnly,
    }
}

impl Tree {
    /// Shows every top-level entry of the host's `/` in the view.
    fn show_host(&mut self, binds: &[Resolved]) -> Result<(), HelperError> {
        let entries =
            std::fs::read_dir(OLD_ROOT).map_err(|e| setup("host root", format!("cannot list the host's `/`: {e}")))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let host = Path::new(OLD_ROOT).join(&name);
            let inside = Path::new(NEW_ROOT).join(&name);
            let Ok(meta) = host.symlink_metadata() else { continue };
            match shown(&name, binds) {
                Shown::Replaced => {}
                Shown::PrivateTmp => {
                    std::fs::create_dir(&inside).map_err(|e| create_error(&inside, &e))?;
                    self.mount_tmpfs(&inside, "1777")?;
                }
                _ if meta.file_type().is_symlink() => {
                    let to = std::fs::read_link(&host).map_err(|e| create_error(&host, &e))?;
                    std::os::unix::fs::symlink(to, &inside).map_err(|e| create_error(&inside, &e))?;
                }
                kind => {
                    make_mount_point(&inside, meta.is_dir())?;
                    bind(&host, &inside)?;
                    self.adjust_host(kind, &inside)?;
                }
            }
        }
        Ok(())
    }

    /// What follows the bind of a host entry, by how it is shown.
    fn adjust_host(&mut self, kind: Shown, inside: &Path) -> Result<(), HelperError> {
        match kind {
            Shown::Proc => {
                for name in PROC_READ_ONLY {
                    let path = inside.join(name);
                    if path.symlink_metadata().is_ok() {
                        bind(&path, &path)?;
                        set_read_only(&path, Depth::Recursive)?;
                    }
                }
                Ok(())
            }
            Shown::Dev => {
                let shm = inside.join("shm");
                if shm.is_dir() {
                    self.mount_tmpfs(&shm, "1777")?;
                }
                Ok(())
            }
            Shown::ReadOnly | Shown::PrivateTmp | Shown::Replaced => set_read_only(inside, Depth::Recursive),
        }
    }

    /// Mounts one bind of the view at its target, making the mount point.
    fn bind(&mut self, b: &Resolved) -> Result<(), HelperError> {
        let inside = self.mount_point(b)?;
        bind(&Path::new(OLD_ROOT).join(relative(&b.source)), &inside)?;
        if b.writable {
            Ok(())
        } else {
            set_read_only(&inside, Depth::Recursive)
        }
    }

    /// The path of `b`'s target under [`NEW_ROOT`], made if missing (on the
    /// view's tmpfs only).
    fn mount_point(&self, b: &Resolved) -> Result<PathBuf, HelperError> {
        let mut at = PathBuf::from(NEW_ROOT);
        let mut rest = b
            .target
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .peekable();
        while let Some(component) = rest.next() {
            let next = at.join(component);
            match next.symlink_metadata() {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(target_error(
                        b,
                        format!(
                            "{} in the view is a symlink; give the path it points to",
                            view_path(&next).display()
                        ),
                    ));
                }
                Ok(meta) if rest.peek().is_some() && !meta.is_dir() => {
                    return Err(target_error(
                        b,
                        format!("{} in the view is not a directory", view_path(&next).display()),
                    ));
                }
                Ok(_) => at = next,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if !self.is_own_tmpfs(&at) {
                        return Err(target_error(
                            b,
                            format!(
                                "its mount point would have to be made in {}, which is a host directory (read-only in the view) or another bind; \
                                 choose a target whose missing parents are new top-level directories (like /app or /logs/verifier) or under /tmp, or one that exists",
                                view_path(&at).display()
                            ),
                        ));
                    }
                    let missing: PathBuf = std::iter::once(component).chain(rest).collect();
                    let inside = at.join(missing);
                    make_mount_point(&inside, b.is_dir)?;
                    return Ok(inside);
                }
                Err(e) => {
                    return Err(target_error(
                        b,
                        format!("cannot stat {}: {e}", view_path(&next).display()),
                    ));
                }
            }
        }
        Ok(at)
    }

    fn mount_tmpfs(&mut self, target: &Path, mode: &str) -> Result<(), HelperError> {
        mount(
            Some("tmpfs"),
            target,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(format!("mode={mode}").as_str()),
        )
        .map_err(|e| {
            setup(
                "tmpfs",
                format!("cannot mount a tmpfs on {}: {e}", view_path(target).display()),
            )
        })?;
        let dev = target
            .metadata()
            .map_err(|e| setup("tmpfs", format!("cannot stat {}: {e}", view_path(target).display())))?
            .dev();
        self.tmpfs.push(dev);
        Ok(())
    }

    fn is_own_tmpfs(&self, dir: &Path) -> bool {
        dir.metadata().is_ok_and(|m| self.tmpfs.contains(&m.dev()))
    }
}

/// Creates an empty directory or file to mount on (the parent exists on a
/// tmpfs of the view, or is made there).
fn make_mount_point(path: &Path, is_dir: bool) -> Result<(), HelperError> {
    let made = if is_dir {
        std::fs::create_dir_all(path)
    } else {
        path.parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| File::create(path).map(drop))
    };
    made.map_err(|e| create_error(path, &e))
}

fn bind(source: &Path, target: &Path) -> Result<(), HelperError> {
    mount(
        Some(source),
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(|e| {
        setup(
            "bind",
            format!(
                "cannot bind {} at {}: {e}",
                host_path(source).display(),
                view_path(target).display()
            ),
        )
    })
}

/// Whether read-only applies to the mounts below a path too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// Only the mount at the path (the view's root, whose binds keep theirs).
    OneMount,
    /// The mount at the path and every mount below it.
    Recursive,
}

/// Makes the mount at `path` (and, `Recursive`, every one below) read-only
/// with `mount_setattr(2)`, leaving every other mount flag as it is.
#[allow(unsafe_code)]
fn set_read_only(path: &Path, depth: Depth) -> Result<(), HelperError> {
    let err = |reason: String| {
        setup(
            "read-only",
            format!("cannot make {} read-only: {reason}", view_path(path).display()),
        )
    };
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|e| err(e.to_string()))?;
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_RDONLY,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = libc::AT_SYMLINK_NOFOLLOW | libc::AT_NO_AUTOMOUNT;
    if depth == Depth::Recursive {
        flags |= libc::AT_RECURSIVE;
    }
    // SAFETY: `c_path` is a NUL-terminated string and `attr` a `mount_attr`
    // of the size passed; both outlive the call, which only reads them.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            c_path.as_ptr(),
            flags,
            &raw const attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    match Errno::result(rc) {
        Ok(_) => Ok(()),
        Err(Errno::ENOSYS) => Err(err(
            "this kernel lacks mount_setattr (Linux 5.12+ is needed)".to_string()
        )),
        Err(e) => Err(err(e.to_string())),
    }
}

/// `path` without its leading `/`, to join under another root.
fn relative(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// A path under [`NEW_ROOT`] as the view will show it.
fn view_path(path: &Path) -> PathBuf {
    path.strip_prefix(NEW_ROOT)
        .map_or_else(|_| path.to_path_buf(), |rest| Path::new("/").join(rest))
}

/// A path under [`OLD_ROOT`] as the host shows it.
fn host_path(path: &Path) -> PathBuf {
    match path.strip_prefix(OLD_ROOT) {
        Ok(rest) => Path::new("/").join(rest),
        Err(_) => view_path(path),
    }
}

fn setup(step: &'static str, reason: String) -> HelperError {
    HelperError::ViewSetup { step, reason }
}

fn create_error(path: &Path, e: &std::io::Error) -> HelperError {
    setup(
        "mount points",
        format!("cannot create {}: {e}", view_path(path).display()),
    )
}

fn target_error(b: &Resolved, reason: String) -> HelperError {
    setup("bind target", format!("bind target {}: {reason}", b.target.display()))
}

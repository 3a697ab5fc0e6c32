//! The `rg` link to the jig executable, the `PATH` prefix that makes the
//! commands jig starts find it, and ripgrep's test of whether to read stdin.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::ToolContext;

/// When no real `rg` is on `PATH`, creates `<data_dir>/bin/rg` as a symlink
/// to `jig_exe` and returns `<data_dir>/bin`; returns `None` when a real
/// ripgrep exists (an `rg` that is a link to `jig_exe` does not count).
pub fn shim_dir(jig_exe: &Path, data_dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let jig_real = std::fs::canonicalize(jig_exe)?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("rg");
        if is_executable(&candidate) && std::fs::canonicalize(&candidate).ok().as_ref() != Some(&jig_real) {
            return Ok(None);
        }
    }
    let bin = data_dir.join("bin");
    std::fs::create_dir_all(&bin)?;
    let link = bin.join("rg");
    if std::fs::read_link(&link).ok().as_ref() != Some(&jig_real) {
        match std::fs::remove_file(&link) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        std::os::unix::fs::symlink(&jig_real, &link)?;
    }
    Ok(Some(bin))
}

/// Puts the shim directory first on the `PATH` of `env` (a command's whole
/// environment), or makes it the `PATH` when `env` has none.
pub(crate) fn prefix_path(env: &mut BTreeMap<OsString, OsString>, ctx: &ToolContext) {
    let Some(dir) = &ctx.path_prefix else { return };
    let path = OsStr::new("PATH");
    let mut parts = vec![dir.clone()];
    if let Some(current) = env.get(path) {
        parts.extend(std::env::split_paths(current));
    }
    let joined = std::env::join_paths(parts).unwrap_or_else(|_| OsString::from(dir.as_os_str()));
    env.insert(path.to_owned(), joined);
}

/// A shell line that puts the shim directory first on `PATH`, for scripts
/// run by a login shell (whose profile resets the inherited `PATH`).
pub(crate) fn path_export(ctx: &ToolContext) -> Option<String> {
    let dir = ctx.path_prefix.as_ref()?;
    let quoted = dir.to_string_lossy().replace('\'', r"'\''");
    Some(format!("export PATH='{quoted}':\"$PATH\""))
}

/// Whether this process's standard input is a file, pipe or socket, the
/// test ripgrep uses to search stdin rather than the working directory when
/// no path is given (a terminal or `/dev/null` is not readable).
pub fn readable_stdin() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    let Ok(meta) = std::fs::File::from(fd).metadata() else {
        return false;
    };
    let kind = meta.file_type();
    kind.is_file() || kind.is_fifo() || kind.is_socket()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

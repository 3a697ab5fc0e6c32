//! The `rg` link to the jig executable, the `PATH` prefix that makes the
//! commands jig starts find it, and ripgrep's test of whether to read stdin.

use std::ffi::OsString;
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

/// Sets `PATH` on `command` when the session puts a directory first on it
/// ([`ToolContext::path_prefix`], the `rg` shim's). Call it before applying
/// the caller's own environment, so an explicit `PATH` wins.
pub(crate) fn apply_path_prefix(command: &mut tokio::process::Command, ctx: &ToolContext) {
    let Some(dir) = &ctx.path_prefix else { return };
    let mut parts = vec![dir.clone()];
    if let Some(path) = std::env::var_os("PATH") {
        parts.extend(std::env::split_paths(&path));
    }
    if let Ok(joined) = std::env::join_paths(parts) {
        command.env("PATH", joined);
    } else {
        command.env("PATH", OsString::from(dir.as_os_str()));
    }
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

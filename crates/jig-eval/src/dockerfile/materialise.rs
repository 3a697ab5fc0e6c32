//! Lays out an [`Environment`]'s `COPY`/`ADD` files inside a directory that
//! stands for the image's `/`, so a runner without containers can start the
//! agent in `<root>/<WORKDIR>`.
//!
//! Invariant: nothing outside the build context is ever read. A source that
//! is absolute, climbs with `..`, or is (or contains) a symlink resolving
//! outside the context is refused with [`MaterialiseError::Escapes`] before
//! anything is read through it; symlinks that stay inside are followed and
//! their targets copied, so the result holds no links back into the task
//! directory. Files are copied, never linked, so the agent cannot edit the
//! task through them. A refused copy may leave earlier files in place: the
//! caller materialises into a fresh directory and discards it on error.

use std::path::{Component, Path, PathBuf};

use super::Environment;

/// Why the files of an environment could not be laid out.
#[derive(Debug, thiserror::Error)]
pub enum MaterialiseError {
    /// A source would read outside the build context.
    #[error("COPY on Dockerfile line {line}: source `{name}` {why}; sources must stay inside environment/")]
    Escapes {
        /// The 1-based Dockerfile line.
        line: usize,
        /// The offending source (or the link inside it), relative to the context.
        name: String,
        /// How it escapes.
        why: &'static str,
    },
    /// A source names nothing in the build context.
    #[error(
        "COPY on Dockerfile line {line}: source `{name}` does not exist in {}; add it or fix the line",
        context.display()
    )]
    MissingSource {
        /// The 1-based Dockerfile line.
        line: usize,
        /// The source as written.
        name: String,
        /// The build context searched.
        context: PathBuf,
    },
    /// Following the symlinks of a source directory leads back into itself.
    #[error("COPY on Dockerfile line {line}: {} is a symlink loop", path.display())]
    SymlinkLoop {
        /// The 1-based Dockerfile line.
        line: usize,
        /// The directory reached twice.
        path: PathBuf,
    },
    /// A source is neither a regular file nor a directory (a socket, a FIFO).
    #[error("COPY on Dockerfile line {line}: {} is not a regular file", path.display())]
    NotAFile {
        /// The 1-based Dockerfile line.
        line: usize,
        /// The entry.
        path: PathBuf,
    },
    /// A destination or the workdir is not an absolute, normalised path.
    #[error("destination `{dest}` is not an absolute path without `.` or `..`")]
    BadDest {
        /// The destination as given.
        dest: String,
    },
    /// Reading or writing failed.
    #[error("cannot copy {}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Copies every `COPY`/`ADD` source of `env` from the build `context` (the
/// task's `environment/`) to its destination under `root`, and creates
/// `root/<workdir>`. Later copies overwrite earlier ones, as image layers do.
pub fn materialise(env: &Environment, context: &Path, root: &Path) -> Result<(), MaterialiseError> {
    let context = context.canonicalize().map_err(io(context))?;
    let workdir = inside(root, &env.workdir)?;
    std::fs::create_dir_all(&workdir).map_err(io(&workdir))?;
    for copy in &env.copies {
        let dest = inside(root, &copy.dest)?;
        for name in &copy.sources {
            let source = checked_source(&context, name, copy.line)?;
            if source.is_dir() {
                copy_dir(&context, &source, &dest, copy.line, &mut Vec::new())?;
            } else {
                let target = if copy.dest.ends_with('/') || dest.is_dir() {
                    let file_name = Path::new(name)
                        .file_name()
                        .or_else(|| source.file_name())
                        .unwrap_or_default();
                    dest.join(file_name)
                } else {
                    dest.clone()
                };
                copy_file(&source, &target, copy.line)?;
            }
        }
    }
    Ok(())
}

/// `dest` (absolute in the image) as a path under `root`.
fn inside(root: &Path, dest: &str) -> Result<PathBuf, MaterialiseError> {
    let path = Path::new(dest);
    let mut out = root.to_path_buf();
    let mut components = path.components();
    if components.next() != Some(Component::RootDir) {
        return Err(MaterialiseError::BadDest { dest: dest.to_owned() });
    }
    for component in components {
        match component {
            Component::Normal(part) => out.push(part),
            _ => return Err(MaterialiseError::BadDest { dest: dest.to_owned() }),
        }
    }
    Ok(out)
}

/// The canonical path of source `name`, refused if it leaves `context`.
fn checked_source(context: &Path, name: &str, line: usize) -> Result<PathBuf, MaterialiseError> {
    let escapes = |why| MaterialiseError::Escapes {
        line,
        name: name.to_owned(),
        why,
    };
    let path = Path::new(name);
    if path.has_root() {
        return Err(escapes("is absolute"));
    }
    if path.components().any(|c| c == Component::ParentDir) {
        return Err(escapes("climbs out with `..`"));
    }
    let joined = context.join(path);
    if let Err(error) = joined.symlink_metadata() {
        return Err(match error.kind() {
            std::io::ErrorKind::NotFound => MaterialiseError::MissingSource {
                line,
                name: name.to_owned(),
                context: context.to_owned(),
            },
            _ => io(&joined)(error),
        });
    }
    let resolved = joined.canonicalize().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => escapes("is a symlink to nothing"),
        _ => io(&joined)(error),
    })?;
    if !resolved.starts_with(context) {
        return Err(escapes("is a symlink that resolves outside the build context"));
    }
    Ok(resolved)
}

/// Copies the contents of `dir` into `target`, following symlinks that stay
/// inside `context`. `ancestors` holds the directories being copied, to stop
/// a link back up the tree.
fn copy_dir(
    context: &Path,
    dir: &Path,
    target: &Path,
    line: usize,
    ancestors: &mut Vec<PathBuf>,
) -> Result<(), MaterialiseError> {
    if ancestors.iter().any(|a| a == dir) {
        return Err(MaterialiseError::SymlinkLoop {
            line,
            path: dir.to_owned(),
        });
    }
    ancestors.push(dir.to_owned());
    std::fs::create_dir_all(target).map_err(io(target))?;
    let mut entries = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io(dir))?;
    entries.sort();
    for entry in entries {
        let relative = entry.strip_prefix(context).unwrap_or(&entry);
        let resolved = checked_source(context, &relative.to_string_lossy(), line)?;
        let Some(file_name) = entry.file_name() else {
            continue;
        };
        let to = target.join(file_name);
        if resolved.is_dir() {
            copy_dir(context, &resolved, &to, line, ancestors)?;
        } else {
            copy_file(&resolved, &to, line)?;
        }
    }
    ancestors.pop();
    Ok(())
}

/// Copies one regular file, creating the parent directories.
fn copy_file(source: &Path, target: &Path, line: usize) -> Result<(), MaterialiseError> {
    if !source.is_file() {
        return Err(MaterialiseError::NotAFile {
            line,
            path: source.to_owned(),
        });
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::copy(source, target).map_err(io(target))?;
    Ok(())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MaterialiseError + '_ {
    move |source| MaterialiseError::Io {
        path: path.to_owned(),
        source,
    }
}

//! In-place samples (`jig eval run --in-place`): one sample run in the
//! filesystem of the machine the runner is on, as a container runner runs
//! a trial in the task's own container. The Kubernetes runner's pods use it
//! for every task that has an image of its own: the image already holds what
//! its Dockerfile's `RUN` lines made, so a task that is `needs-container`
//! locally runs there as Harbor would run it.
//!
//! What changes against a view (see [`super::sample`]): the agent, the
//! verifier and the checks run in `/` itself (through jig's supervisor,
//! `__sandbox-exec` in `danger-full-access`, so a timeout or a cancel still
//! kills the whole tree, with no namespace needed); `/tests`, `/logs` and
//! `/solution` are real directories, made and emptied by the runner; the
//! image's `ENV` and files are the environment, so the Dockerfile is not
//! read; and the network is the pod's.
//!
//! **Keeping the tests from the agent.** A view hides the suites with an
//! empty directory; here there is no mount namespace. Instead [`Stash`]
//! reads the task's directory into this process's memory, and the suites
//! are deleted from the disk before each agent starts and written back once
//! it is over (every process it started is dead by then: the supervisor
//! kills the tree). The runner also makes itself non-dumpable, so its
//! memory and open files are not readable through `/proc` by a process
//! without `CAP_SYS_PTRACE`, which containers do not grant by default. What
//! this does not stop, as in Harbor: an agent running as root in the
//! container can change the programs the verifier later runs.
//!
//! Invariants: nothing is deleted outside the suites given, and only when
//! each one lies under [`SUITES_IN_IMAGE`], where the Kubernetes runner's
//! pods keep their own copy (the CLI refuses `--in-place` otherwise); a
//! task is never left deleted when the runner returns an error after hiding
//! it, because [`Stash::hide`] returns a guard that writes it back on drop.

use std::path::{Path, PathBuf};

/// Where a jig image keeps the suites, and where a pod's injected copy of
/// them lives: the only place `--in-place` deletes from.
pub const SUITES_IN_IMAGE: &str = "/jig/suites";

/// The most a task's directory may hold to be kept in memory.
const MAX_STASH_BYTES: u64 = 256 << 20;

/// One entry of a stashed directory.
#[derive(Debug)]
enum Entry {
    Dir(PathBuf),
    File { path: PathBuf, bytes: Vec<u8>, mode: u32 },
    Link { path: PathBuf, target: PathBuf },
}

/// A task's directory held in memory, and the suites to delete while an
/// agent runs.
#[derive(Debug)]
pub(crate) struct Stash {
    task_dir: PathBuf,
    suites: Vec<PathBuf>,
    entries: Vec<Entry>,
}

impl Stash {
    /// Reads `task_dir` whole; `suites` are what [`Stash::hide`] deletes.
    pub(crate) fn take(task_dir: &Path, suites: &[PathBuf]) -> Result<Stash, String> {
        let mut entries = Vec::new();
        let mut total = 0;
        read_tree(task_dir, Path::new(""), &mut entries, &mut total)
            .map_err(|e| format!("cannot read the task directory {}: {e}", task_dir.display()))?;
        Ok(Stash {
            task_dir: task_dir.to_owned(),
            suites: suites.to_vec(),
            entries,
        })
    }

    /// Deletes the suites; the guard writes the task back when dropped (or
    /// through [`Hidden::restore`], which reports a failure).
    pub(crate) fn hide(&self) -> Result<Hidden<'_>, String> {
        let hidden = Hidden {
            stash: self,
            restored: false,
        };
        for suite in &self.suites {
            match std::fs::remove_dir_all(suite) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot hide the suite {} from the agent: {e}", suite.display())),
            }
        }
        Ok(hidden)
    }

    fn write_back(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.task_dir)?;
        for entry in &self.entries {
            match entry {
                Entry::Dir(rel) => std::fs::create_dir_all(self.task_dir.join(rel))?,
                Entry::File { path, bytes, mode } => {
                    let target = self.task_dir.join(path);
                    std::fs::write(&target, bytes)?;
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(*mode))?;
                }
                Entry::Link { path, target } => {
                    let link = self.task_dir.join(path);
                    if link.symlink_metadata().is_err() {
                        std::os::unix::fs::symlink(target, link)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The suites are deleted while this lives.
pub(crate) struct Hidden<'a> {
    stash: &'a Stash,
    restored: bool,
}

impl Hidden<'_> {
    /// Writes the task's directory back.
    pub(crate) fn restore(mut self) -> Result<(), String> {
        self.restored = true;
        self.stash
            .write_back()
            .map_err(|e| format!("cannot write the task back to {}: {e}", self.stash.task_dir.display()))
    }
}

impl Drop for Hidden<'_> {
    fn drop(&mut self) {
        if !self.restored {
            let _ = self.stash.write_back();
        }
    }
}

fn read_tree(root: &Path, rel: &Path, entries: &mut Vec<Entry>, total: &mut u64) -> std::io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(root.join(rel))?.collect::<Result<_, _>>()?;
    names.sort_by_key(std::fs::DirEntry::file_name);
    for entry in names {
        let path = rel.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            entries.push(Entry::Dir(path.clone()));
            read_tree(root, &path, entries, total)?;
        } else if kind.is_symlink() {
            entries.push(Entry::Link {
                target: std::fs::read_link(entry.path())?,
                path,
            });
        } else if kind.is_file() {
            use std::os::unix::fs::PermissionsExt;
            let meta = entry.metadata()?;
            *total += meta.len();
            if *total > MAX_STASH_BYTES {
                return Err(std::io::Error::other(format!(
                    "it holds more than {} MiB; an in-place sample keeps its task in memory",
                    MAX_STASH_BYTES >> 20
                )));
            }
            entries.push(Entry::File {
                bytes: std::fs::read(entry.path())?,
                mode: meta.permissions().mode() & 0o7777,
                path,
            });
        }
    }
    Ok(())
}

/// In place, with no `workdir` in `task.toml` and no Dockerfile read: the
/// directory the container started in (the image's `WORKDIR`), unless that
/// is `/`, then the task's Dockerfile's if it is readable, then `/app`.
pub(crate) fn workdir(task: &crate::task::Task) -> PathBuf {
    match std::env::current_dir() {
        Ok(dir) if dir != Path::new("/") => dir,
        _ => match &task.plan {
            Some(crate::dockerfile::Plan::Local(env)) => PathBuf::from(&env.workdir),
            _ => PathBuf::from(crate::dockerfile::DEFAULT_WORKDIR),
        },
    }
}

/// Makes this process non-dumpable: its memory, environment and open files
/// are then unreadable through `/proc` to anything without
/// `CAP_SYS_PTRACE`, even under the same uid.
pub(crate) fn guard_memory() -> Result<(), String> {
    nix::sys::prctl::set_dumpable(false).map_err(|e| format!("cannot make the runner non-dumpable: {e}"))
}

/// Whether `suite` may be deleted by an in-place run: under
/// [`SUITES_IN_IMAGE`], without `..`.
pub fn deletable_suite(suite: &Path) -> bool {
    suite.starts_with(SUITES_IN_IMAGE)
        && suite != Path::new(SUITES_IN_IMAGE)
        && suite
            .components()
            .all(|c| !matches!(c, std::path::Component::ParentDir | std::path::Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_task_comes_back_whole_even_when_the_guard_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let suite = dir.path().join("suite");
        let task = suite.join("task");
        std::fs::create_dir_all(task.join("tests/data")).unwrap();
        std::fs::write(task.join("tests/test.sh"), "secret").unwrap();
        std::fs::write(task.join("tests/data/x"), "y").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(task.join("tests/test.sh"), std::fs::Permissions::from_mode(0o750)).unwrap();
        std::os::unix::fs::symlink("test.sh", task.join("tests/link")).unwrap();
        let stash = Stash::take(&task, std::slice::from_ref(&suite)).unwrap();
        {
            let _hidden = stash.hide().unwrap();
            assert!(!suite.exists(), "the suite is gone while the agent runs");
        }
        assert_eq!(std::fs::read_to_string(task.join("tests/test.sh")).unwrap(), "secret");
        assert_eq!(std::fs::read_to_string(task.join("tests/data/x")).unwrap(), "y");
        let mode = std::fs::metadata(task.join("tests/test.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o750);
        assert_eq!(
            std::fs::read_link(task.join("tests/link")).unwrap(),
            Path::new("test.sh")
        );
        let hidden = stash.hide().unwrap();
        assert!(!task.exists());
        hidden.restore().unwrap();
        assert!(task.join("tests/test.sh").is_file());
    }

    #[test]
    fn only_suites_under_the_image_path_may_be_deleted() {
        assert!(deletable_suite(Path::new("/jig/suites/core")));
        for bad in [
            "/jig/suites",
            "/home/me/evals",
            "/jig/suites/../../etc",
            "/jig/suitesx/a",
        ] {
            assert!(!deletable_suite(Path::new(bad)), "{bad}");
        }
    }
}

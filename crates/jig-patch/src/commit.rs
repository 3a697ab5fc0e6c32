//! Writing a computed plan to disk: all files or none.
//!
//! Each new file is written to a temporary file in its own directory and
//! renamed over the target, so no reader ever sees half a file and a crash
//! leaves either the old or the new content (no fsync: this guards against
//! our own failures, not power loss). Updated and moved files keep their
//! permissions. If any write fails, every change already made is undone in
//! reverse: original bytes restored, added files removed, deleted files
//! re-created, directories we created removed again. Invariant: on `Err`,
//! the disk is as before unless the error is [`PatchError::RollbackFailed`],
//! and no temporary file is left behind either way. This module must not
//! decide what to write; it trusts the plan's paths, which were checked.
//! With [`Buffers`] (an editor's), a new text the front-end takes is written
//! there instead, and a rollback writes the old text back there.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::{Change, Content};
use crate::{Buffers, PatchError};

/// Applies every change, or none of them; a new text `buffers` takes is
/// written there instead of the disk.
pub(crate) fn commit(changes: &[Change], buffers: Option<&dyn Buffers>) -> Result<(), PatchError> {
    // Each change made: the directories it created, whether a buffer took it.
    let mut done: Vec<(&Change, Vec<PathBuf>, bool)> = Vec::new();
    for change in changes.iter().filter(|change| !change.is_noop()) {
        if let Some(buffers) = buffers
            && let Some(after) = &change.after
            && let Ok(text) = std::str::from_utf8(&after.bytes)
            && buffers.write(&change.real, text)
        {
            done.push((change, Vec::new(), true));
            continue;
        }
        match apply(change) {
            Ok(created_dirs) => done.push((change, created_dirs, false)),
            Err(cause) => return Err(roll_back(&done, cause, buffers)),
        }
    }
    Ok(())
}

/// Makes one change; returns the directories it had to create.
fn apply(change: &Change) -> Result<Vec<PathBuf>, PatchError> {
    let io = |action| {
        move |source| PatchError::Io {
            action,
            path: change.shown.clone(),
            source,
        }
    };
    match &change.after {
        Some(content) => {
            let created = create_parents(&change.real).map_err(io("create the directory for"))?;
            if let Err(source) = write_atomic(&change.real, content) {
                remove_dirs(&created);
                return Err(io("write")(source));
            }
            Ok(created)
        }
        None => {
            fs::remove_file(&change.real).map_err(io("delete"))?;
            Ok(Vec::new())
        }
    }
}

/// Undoes `done` in reverse, returning the error to report.
fn roll_back(done: &[(&Change, Vec<PathBuf>, bool)], cause: PatchError, buffers: Option<&dyn Buffers>) -> PatchError {
    let mut failed = Vec::new();
    for (change, created_dirs, in_buffer) in done.iter().rev() {
        // Old text goes back where the new text went: the buffer that took
        // it (the disk if it will not take the old text), else the disk.
        let to_buffer = |content: &Content| {
            let text = std::str::from_utf8(&content.bytes).ok()?;
            (*in_buffer && buffers?.write(&change.real, text)).then_some(())
        };
        let restored = match &change.before {
            Some(content) if to_buffer(content).is_some() => Ok(()),
            Some(content) => write_atomic(&change.real, content),
            None => fs::remove_file(&change.real).or_else(|error| match error.kind() {
                io::ErrorKind::NotFound => Ok(()),
                _ => Err(error),
            }),
        };
        if restored.is_err() {
            failed.push(change.shown.clone());
        }
        remove_dirs(created_dirs);
    }
    if failed.is_empty() {
        cause
    } else {
        PatchError::RollbackFailed {
            cause: Box::new(cause),
            failed,
        }
    }
}

/// Creates the missing parents of `path`, returning them deepest first.
fn create_parents(path: &Path) -> io::Result<Vec<PathBuf>> {
    let Some(parent) = path.parent() else {
        return Ok(Vec::new());
    };
    let missing: Vec<PathBuf> = parent
        .ancestors()
        .take_while(|dir| fs::symlink_metadata(dir).is_err())
        .map(Path::to_path_buf)
        .collect();
    if let Err(error) = fs::create_dir_all(parent) {
        remove_dirs(&missing);
        return Err(error);
    }
    Ok(missing)
}

/// Removes directories we created, deepest first; best effort, since a
/// directory left empty is harmless and one that is no longer empty is not
/// ours to remove.
fn remove_dirs(dirs: &[PathBuf]) {
    for dir in dirs {
        let _ = fs::remove_dir(dir);
    }
}

/// Writes `content` to a temporary sibling of `path`, then renames it over.
fn write_atomic(path: &Path, content: &Content) -> io::Result<()> {
    write_bytes_atomic(path, &content.bytes, content.permissions.as_ref())
}

/// Writes `bytes` to a temporary sibling of `path`, sets `permissions` when
/// given, then renames it over `path`; the temporary file never outlives
/// the call.
pub(crate) fn write_bytes_atomic(path: &Path, bytes: &[u8], permissions: Option<&fs::Permissions>) -> io::Result<()> {
    let temp = temp_path(path)?;
    let written = write_new(&temp, bytes, permissions).and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

fn write_new(temp: &Path, bytes: &[u8], permissions: Option<&fs::Permissions>) -> io::Result<()> {
    let mut file = File::create_new(temp)?;
    file.write_all(bytes)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions.clone())?;
    }
    Ok(())
}

/// A fresh hidden name next to `path`, unique within this process.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"));
    };
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!(
        ".{}.jig-patch-{}-{count}.tmp",
        name.to_string_lossy(),
        std::process::id()
    );
    Ok(parent.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(text: &str) -> Option<Content> {
        Some(Content {
            bytes: text.as_bytes().to_vec(),
            permissions: None,
        })
    }

    fn change(real: PathBuf, before: Option<Content>, after: Option<Content>) -> Change {
        Change {
            shown: real.display().to_string(),
            real,
            before,
            after,
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failing_write_rolls_back_every_earlier_change() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        fs::write(root.join("updated"), "old").unwrap();
        fs::write(root.join("deleted"), "gone?").unwrap();
        fs::write(root.join("blocker"), "a file, so no directory can be made here").unwrap();
        let changes = [
            change(root.join("updated"), content("old"), content("new")),
            change(root.join("deleted"), content("gone?"), None),
            change(root.join("new/dir/added"), None, content("added")),
            change(root.join("blocker/sub/file"), None, content("never")),
        ];

        let error = commit(&changes, None).unwrap_err();

        assert!(
            matches!(
                error,
                PatchError::Io {
                    action: "create the directory for",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(fs::read_to_string(root.join("updated")).unwrap(), "old");
        assert_eq!(fs::read_to_string(root.join("deleted")).unwrap(), "gone?");
        assert_eq!(listing(root), vec!["blocker", "deleted", "updated"]);
    }

    /// An editor's buffers, in memory; `refuse` names paths it will not take.
    #[derive(Default)]
    struct Editor {
        buffers: std::sync::Mutex<std::collections::HashMap<PathBuf, String>>,
        refuse: Vec<PathBuf>,
    }

    impl Buffers for Editor {
        fn read(&self, real: &Path) -> Option<String> {
            self.buffers.lock().unwrap().get(real).cloned()
        }
        fn write(&self, real: &Path, text: &str) -> bool {
            if self.refuse.iter().any(|p| p == real) {
                return false;
            }
            self.buffers.lock().unwrap().insert(real.to_path_buf(), text.to_owned());
            true
        }
    }

    #[test]
    fn a_buffer_takes_new_text_and_gets_the_old_text_back_when_a_later_write_fails() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        fs::write(root.join("buffered"), "disk").unwrap();
        fs::write(root.join("on_disk"), "old").unwrap();
        fs::write(root.join("blocker"), "a file, so no directory can be made here").unwrap();
        let editor = Editor {
            refuse: vec![root.join("on_disk"), root.join("blocker/sub/file")],
            ..Editor::default()
        };
        let good = [
            change(root.join("buffered"), content("unsaved"), content("patched")),
            change(root.join("on_disk"), content("old"), content("new")),
        ];
        commit(&good, Some(&editor)).unwrap();
        assert_eq!(editor.read(&root.join("buffered")).as_deref(), Some("patched"));
        assert_eq!(
            fs::read_to_string(root.join("buffered")).unwrap(),
            "disk",
            "the buffer, not the disk"
        );
        assert_eq!(
            fs::read_to_string(root.join("on_disk")).unwrap(),
            "new",
            "refused: the disk"
        );

        let failing = [
            change(root.join("buffered"), content("patched"), content("again")),
            change(root.join("on_disk"), content("new"), content("newer")),
            change(root.join("blocker/sub/file"), None, content("never")),
        ];
        commit(&failing, Some(&editor)).unwrap_err();
        assert_eq!(editor.read(&root.join("buffered")).as_deref(), Some("patched"));
        assert_eq!(fs::read_to_string(root.join("on_disk")).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_survive_an_update() {
        use std::os::unix::fs::PermissionsExt as _;
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("script.sh");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        let permissions = Some(fs::metadata(&path).unwrap().permissions());
        let after = Some(Content {
            bytes: b"new".to_vec(),
            permissions,
        });

        commit(&[change(path.clone(), content("old"), after)], None).unwrap();

        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o751);
        assert_eq!(listing(root.path()), vec!["script.sh"]);
    }
}

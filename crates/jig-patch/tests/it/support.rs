//! A temp-dir workspace with helpers to seed files and inspect the result.

use std::fs;
use std::path::{Path, PathBuf};

use jig_patch::{ApplySummary, PatchError};
use tempfile::TempDir;

/// A temporary directory holding a `root/` workspace and room outside it.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    /// A sandbox whose workspace holds `files` (path, content).
    pub fn with(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("root")).unwrap();
        fs::create_dir(dir.path().join("outside")).unwrap();
        let sandbox = Sandbox { dir };
        for (path, content) in files {
            sandbox.write(path, content);
        }
        sandbox
    }

    /// The workspace root.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// A directory next to the root, outside the workspace.
    pub fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    pub fn write(&self, path: &str, content: &str) {
        let path = self.root().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.root().join(path)).unwrap()
    }

    pub fn apply(&self, patch: &str) -> Result<ApplySummary, PatchError> {
        jig_patch::apply_patch(patch, &self.root())
    }

    /// Every file under the root with its content, sorted by path.
    pub fn files(&self) -> Vec<(String, String)> {
        walk(&self.root())
    }

    /// Every entry (files and directories) of the whole sandbox, root and
    /// outside included, so stray writes and temp files show up.
    pub fn everything(&self) -> Vec<String> {
        let mut names = Vec::new();
        list(self.dir.path(), self.dir.path(), &mut names);
        names.sort();
        names
    }
}

fn walk(root: &Path) -> Vec<(String, String)> {
    let mut names = Vec::new();
    list(root, root, &mut names);
    names.sort();
    names
        .into_iter()
        .filter(|name| root.join(name).is_file())
        .map(|name| {
            let content = fs::read_to_string(root.join(&name)).unwrap();
            (name, content)
        })
        .collect()
}

fn list(base: &Path, dir: &Path, names: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        names.push(path.strip_prefix(base).unwrap().display().to_string());
        let is_real_dir = fs::symlink_metadata(&path).unwrap().is_dir();
        if is_real_dir {
            list(base, &path, names);
        }
    }
}

/// Owned (path, content) pairs, for comparing with [`Sandbox::files`].
pub fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(path, content)| (path.to_string(), content.to_string()))
        .collect()
}

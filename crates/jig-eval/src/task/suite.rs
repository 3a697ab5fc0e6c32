//! A suite: a directory whose subdirectories holding a `task.toml` are tasks
//! (the layout of a Terminal-Bench / Harbor dataset checkout).
//!
//! Invariant: one task's failure never hides another. Each task loads on its
//! own; one that fails keeps its [`TaskError`] in its [`SuiteEntry`], so a run
//! can go on with the rest and report the broken ones. Only an unreadable
//! suite directory fails [`Suite::load`]. Only direct subdirectories are
//! searched, in name order, so the order of a suite is stable.

use std::path::{Path, PathBuf};

use super::{Task, TaskError};

/// The tasks of a suite directory.
#[derive(Debug)]
pub struct Suite {
    /// The suite directory.
    pub dir: PathBuf,
    /// One entry per subdirectory holding a `task.toml`, in name order.
    pub entries: Vec<SuiteEntry>,
}

/// One task directory of a suite and how loading it went.
#[derive(Debug)]
pub struct SuiteEntry {
    /// The task directory.
    pub dir: PathBuf,
    /// The task, or why it did not load.
    pub task: Result<Task, TaskError>,
}

/// The suite directory itself could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot list the suite directory {}: {source}", dir.display())]
pub struct SuiteError {
    /// The suite directory.
    pub dir: PathBuf,
    /// The underlying error.
    pub source: std::io::Error,
}

impl Suite {
    /// Loads every task under `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Suite, SuiteError> {
        let dir = dir.as_ref();
        let listing_error = |source| SuiteError {
            dir: dir.to_owned(),
            source,
        };
        let mut task_dirs = std::fs::read_dir(dir)
            .map_err(listing_error)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(listing_error)?;
        task_dirs.retain(|path| path.is_dir() && path.join("task.toml").is_file());
        task_dirs.sort();
        let entries = task_dirs
            .into_iter()
            .map(|dir| SuiteEntry {
                task: Task::load(&dir),
                dir,
            })
            .collect();
        Ok(Suite {
            dir: dir.to_owned(),
            entries,
        })
    }

    /// The tasks that loaded.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.entries.iter().filter_map(|entry| entry.task.as_ref().ok())
    }

    /// The task directories that did not load, with why.
    pub fn failures(&self) -> impl Iterator<Item = (&Path, &TaskError)> {
        self.entries
            .iter()
            .filter_map(|entry| entry.task.as_ref().err().map(|error| (entry.dir.as_path(), error)))
    }
}

//! The one integration-test binary of jig-eval (one binary per crate keeps
//! link time down); each module tests one part of the crate on real temp
//! directories.

// Test helpers outside `#[test]` functions panic on setup failure on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod atif;
mod compare;
mod dockerfile;
mod interview;
mod judge;
mod report;
mod results;
mod task;
mod traits;

use std::path::{Path, PathBuf};

/// Writes `content` to `root/relative`, creating the parent directories.
pub fn write(root: &Path, relative: &str, content: &str) -> PathBuf {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, content).unwrap();
    path
}

/// The checked-in fixture tasks.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

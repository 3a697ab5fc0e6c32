//! [`ApplySummary`], what an applied patch changed, and its rendering.
//!
//! The `Display` form is the Codex one the model is used to reading back:
//! `Success. Updated the following files:` then one `A`, `M` or `D` line per
//! path, added first, then modified, then deleted, each group in patch order.
//! This module must not decide what changed; the planner fills it in.

use std::fmt;
use std::path::PathBuf;

/// The files an applied patch changed, relative to the workspace root, each
/// list in patch order. A move counts as a modification of its destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplySummary {
    /// Files created by `*** Add File:`.
    pub added: Vec<PathBuf>,
    /// Files changed by `*** Update File:`; for a move, the destination.
    pub modified: Vec<PathBuf>,
    /// Files removed by `*** Delete File:`.
    pub deleted: Vec<PathBuf>,
}

impl fmt::Display for ApplySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Success. Updated the following files:")?;
        let groups = [("A", &self.added), ("M", &self.modified), ("D", &self.deleted)];
        for (mark, paths) in groups {
            for path in paths {
                writeln!(f, "{mark} {}", path.display())?;
            }
        }
        Ok(())
    }
}

//! `jig eval export --format atif` and `jig eval import-trajectory` (being
//! written, issue 21).

use crate::cli::{EvalExportArgs, EvalImportArgs};

/// `jig eval export RUN`.
pub fn export(_args: EvalExportArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval export is not built yet")
}

/// `jig eval import-trajectory FILE`.
pub fn import(_args: EvalImportArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval import-trajectory is not built yet")
}

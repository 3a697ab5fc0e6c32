//! `jig eval report` and `jig eval compare` (being written, issue 21).

use crate::cli::{EvalCompareArgs, EvalReportArgs};

/// `jig eval report RUN`.
pub fn report(_args: EvalReportArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval report is not built yet")
}

/// `jig eval compare RUN_A RUN_B`.
pub fn compare(_args: EvalCompareArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval compare is not built yet")
}

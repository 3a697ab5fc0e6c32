//! `jig eval judge` and `jig eval calibrate` (being written, issue 21).

use crate::cli::{EvalCalibrateArgs, EvalJudgeArgs};

/// `jig eval judge RUN --judge MODEL`.
pub fn judge(_args: EvalJudgeArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval judge is not built yet")
}

/// `jig eval calibrate LABELS`.
pub fn calibrate(_args: EvalCalibrateArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig eval calibrate is not built yet")
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests for jig-policy: one binary, one module per concern.

mod decisions;
mod explain;
mod load;
mod parsing;
mod safe;

use jig_policy::{Command, Decision, Policy};

/// Decision for a script under the defaults with `default` for unknowns.
pub fn script(text: &str, default: Decision) -> Decision {
    Policy::defaults().check(&Command::script(text), default).decision
}

//! Integration tests of `jig-patch`: real patches applied to real temp dirs.

// Test helpers outside `#[test]` functions panic on setup failure on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod atomic;
mod cases;
mod codex_parity;
mod errors;
mod fuzzy;
#[cfg(unix)]
mod hostile;
mod parse;
mod support;

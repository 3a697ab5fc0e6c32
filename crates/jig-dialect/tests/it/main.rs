//! Integration tests of the dialects: real tools on real temp dirs, and
//! snapshots of exactly what each family is offered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agents;
mod claude;
mod codex;

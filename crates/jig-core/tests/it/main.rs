//! Integration tests of jig-core: real sessions on the scripted model, real
//! temp dirs, real processes, real rollout files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agents;
mod checkpoints;
mod compaction;
mod guard;
mod layering;
#[cfg(feature = "local")]
mod local_sessions;
mod loop_behaviour;
mod mcp;
mod redaction;
mod resume;
mod runtime;
mod support;
mod telemetry;

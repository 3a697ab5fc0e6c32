//! Integration tests for jig-config: real temp directories, hand-built env.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod errors;
mod hooks;
mod mcp;
mod precedence;
mod provider_timeouts;
mod show;
mod support;
mod trust;
mod validation;

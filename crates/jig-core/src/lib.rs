//! The jig agent core: a [`Session`] driven by [`Op`]s that emits [`Event`]s,
//! runs the agent loop ([`turn`]), and keeps everything in a durable rollout
//! ([`rollout`]) from which it can be resumed ([`resume`]).
//!
//! Invariants: every item and event is appended to `rollout.jsonl` and synced
//! before the session acts on it; a tool call that began and did not end is
//! never run again, only reported as interrupted. The core renders nothing —
//! front-ends (CLI, TUI, editors, evals) consume the event stream — and it is
//! usable in-process as a library: build a [`SessionConfig`], pick a
//! [`jig_model::ModelClient`] and a [`jig_tools::ToolRouter`], then
//! [`Session::create`] and [`Session::spawn`].
#![deny(missing_docs)]

pub mod budget;
pub mod compaction;
pub mod error;
pub mod guard;
pub mod models;
pub mod redact;
pub mod resume;
pub mod rollout;
pub mod session;
pub mod store;
mod tool_calls;
pub mod turn;

pub use error::CoreError;
pub use jig_protocol::{Event, Op};
pub use session::{Session, SessionConfig, SessionHandle};
pub use store::SessionStore;

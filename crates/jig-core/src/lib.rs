//! The jig agent core: a [`Session`] driven by [`Op`]s that emits [`Event`]s,
//! runs the agent loop ([`turn`]), and keeps everything in a durable rollout
//! ([`rollout`]) from which it can be resumed ([`resume`]).
//!
//! Invariants: every item and event is appended to `rollout.jsonl` and synced
//! before the session acts on it; a tool call that began and did not end is
//! never run again, only reported as interrupted. The core renders nothing —
//! front-ends (CLI, TUI, editors, evals) consume the event stream — and it is
//! usable in-process as a library: a [`SessionBuilder`] turns resolved
//! settings (plus what the front-end overrides) into a session, and
//! [`Session::spawn`] starts it. [`SessionConfig`] and [`Session::create`]
//! remain for callers that assemble every part themselves (benches, tests).
#![deny(missing_docs)]

mod actor;
pub mod agents;
pub mod budget;
pub mod builder;
pub mod checkpoints;
mod children;
pub mod compaction;
mod compactor;
pub mod error;
pub mod guard;
mod hook_points;
pub mod hooks;
mod host;
mod lock;
pub mod models;
pub mod project_context;
pub mod project_docs;
mod recorder;
pub mod redact;
pub mod resume;
pub mod rollout;
pub mod session;
mod state;
pub mod store;
mod tool_calls;
pub mod turn;
pub mod undo;

pub use actor::SessionHandle;
pub use builder::{Built, Note, SessionBuilder};
pub use error::CoreError;
pub use jig_protocol::{Event, Op};
pub use recorder::EventSink;
pub use session::{Session, SessionConfig};
pub use store::SessionStore;

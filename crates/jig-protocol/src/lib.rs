//! The wire vocabulary of jig: what front-ends send ([`Op`]), what a session
//! reports ([`Event`]), the conversation [`Item`]s a model sees, and the
//! [`RolloutRecord`]s a session directory is made of.
//!
//! Invariant: this crate holds plain serde data and nothing else. It depends on
//! no other jig crate, performs no I/O and has no behaviour beyond small
//! constructors, so every front-end (CLI, TUI, ACP, evals, SDK) can speak the
//! protocol without pulling in the core. The JSON shape is stable: enums are
//! internally tagged with `"type"` and every name is `snake_case`. The JSON
//! Schema of the whole vocabulary is published as `docs/protocol.schema.json`
//! (see [`schema::protocol_schema`]) and a test keeps it in sync.
#![deny(missing_docs)]

mod agent;
mod checkpoint;
mod event;
pub mod form;
mod item;
mod ledger;
mod op;
mod rollout;
pub mod schema;

pub use agent::AgentStatus;
pub use checkpoint::{Checkpoint, CheckpointPhase, FileState, Undo};
pub use event::{
    Budget, Cost, Envelope, Event, FailureKind, HookStatus, PlanStep, StepStatus, TokenUsage, TurnOutcome,
};
pub use item::{Item, Role, ToolCall, ToolFormat, ToolImage, ToolOutput, ToolSpec, ToolStatus, count_responses};
pub use ledger::{CompactionReason, Goal, GoalStatus, LedgerEntry, LedgerKind};
pub use op::{HostAnswer, HostRequest, Op, Question, QuestionOption, ReviewDecision};
pub use rollout::{ROLLOUT_FORMAT_VERSION, RolloutRecord, SessionMeta};

/// The version of the event and op protocol, sent first in every session
/// (`session_started.protocol_version`): it grows when an event or op
/// changes in a way an existing client could misread; new event types and
/// new optional fields do not change it.
pub const PROTOCOL_VERSION: u32 = 1;

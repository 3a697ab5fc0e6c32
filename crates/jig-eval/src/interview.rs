//! "Job interview" evals: a task that leaves things open, a simulated user
//! who knows what it wants, answers questions, and changes its mind, and
//! graders for the whole interaction.
//!
//! A task with a `[jig.user]` table ([`config::UserConfig`]) runs its jig
//! agent as `jig exec --json --input-format jsonl`: the runner is a client
//! of the same Op/Event protocol as every front-end. The user
//! ([`user::SimulatedUser`]) sends the instruction, answers the agent's
//! `request_user_input` / `AskUserQuestion` / `ask_user` questions (an
//! `input_requested` event, answered with an `answer` op) and the plain
//! question a turn ends on (a new message), then sends each change of mind
//! when its moment comes, and ends the conversation when nothing is due
//! (see the `driver` module). Everything it did is written to the sample's
//! `user.jsonl` ([`log`]); after the verifier the runner appends the
//! final workspace's checks. The interview traits
//! ([`crate::traits::TraitName::INTERVIEW`]) are graded from that log and
//! the rollout.

pub mod config;
pub mod driver;
pub mod log;
pub mod user;

pub use config::{Change, Constraint, Fact, Moment, UserConfig};
pub use log::{CheckKind, UserRecord, Why};
pub use user::{Answered, Driver, SimulatedUser};

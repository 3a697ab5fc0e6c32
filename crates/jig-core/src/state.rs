//! What a session knows, apart from how it acts: the [`Conversation`] (its
//! items and what they cost) and [`Turns`] (where its turns stand). Plain
//! data, owned by the session's actor; resume fills both from the rollout.

use std::sync::Arc;

use jig_protocol::{Item, TokenUsage, ToolCall, TurnOutcome};

use crate::resume::{CallState, OpenTurn};

/// The conversation the model sees, and its accounting.
pub(crate) struct Conversation {
    /// The items, in order (after the last compaction's replacement).
    pub(crate) items: Vec<Item>,
    /// Usage of every response so far.
    pub(crate) total_usage: TokenUsage,
    /// Usage of the running turn (since it started or was resumed).
    pub(crate) turn_usage: TokenUsage,
    /// The provider's last count (input + output tokens) and how many
    /// leading items it covers.
    pub(crate) reported: Option<(u64, usize)>,
    /// Token estimates for what the provider has not counted yet.
    pub(crate) counter: Arc<dyn jig_compact::TokenCounter>,
    /// Compactions so far.
    pub(crate) compactions: u64,
}

impl Conversation {
    /// An empty conversation counted with `counter`.
    pub(crate) fn new(counter: Arc<dyn jig_compact::TokenCounter>) -> Self {
        Conversation {
            items: Vec::new(),
            total_usage: TokenUsage::default(),
            turn_usage: TokenUsage::default(),
            reported: None,
            counter,
            compactions: 0,
        }
    }
}

/// Where the session's turns stand.
#[derive(Default)]
pub(crate) struct Turns {
    /// Id of the last turn that started.
    pub(crate) last_turn_id: u64,
    /// Model requests made so far in the running turn.
    pub(crate) steps_in_turn: u32,
    /// A turn left unfinished in the rollout, continued first after resume.
    pub(crate) open_turn: Option<OpenTurn>,
    /// How the last recorded turn ended (resume only).
    pub(crate) last_outcome: Option<TurnOutcome>,
    /// Whether the actor first takes up a stopped turn's work (no new input).
    pub(crate) take_up_stopped: bool,
    /// Tool calls that never got an output before the process stopped.
    pub(crate) dangling: Vec<(ToolCall, CallState)>,
    /// Calls that were waiting for the front-end when the process stopped:
    /// run again first when the turn continues, so they ask again.
    pub(crate) rerun: Vec<ToolCall>,
    /// Set when a turn panicked: the state may be half-updated, so the
    /// session records the failure and stops.
    pub(crate) poisoned: bool,
}

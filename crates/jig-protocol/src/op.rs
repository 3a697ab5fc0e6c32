//! Submissions from a front-end to a session.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A request from a front-end to a running session.
///
/// Ops are processed in the order they are submitted. `UserInput` starts a
/// turn (or is queued like an interjection when one is already running);
/// `Interject` is delivered at the next model request of the running turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    /// A user message that starts a new turn.
    UserInput {
        /// The message text.
        text: String,
    },
    /// Text for the model that arrives while a turn runs; it is added to
    /// the conversation right before the next model request.
    Interject {
        /// The message text.
        text: String,
    },
    /// Stop the running turn: cancel the model stream and kill running tools.
    Interrupt,
    /// End the session after the running turn (if any) is interrupted.
    Shutdown,
    /// Compact the context now (`/compact keep the API design`).
    Compact {
        /// What the summary must keep, in the person's words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        focus: Option<String>,
    },
    /// The answer to an [`crate::Event::ApprovalRequested`].
    Approval {
        /// The request being answered.
        request_id: String,
        /// What the person decided.
        decision: ReviewDecision,
    },
    /// The answer to an [`crate::Event::InputRequested`].
    Answer {
        /// The request being answered.
        request_id: String,
        /// The answer.
        answer: HostAnswer,
    },
}

/// What a tool asks the front-end through the tool host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostRequest {
    /// A question for the person, free text or one of `options`.
    Question {
        /// The question.
        question: String,
        /// Answers to choose from; empty means free text.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        options: Vec<String>,
    },
}

/// The front-end's answer to a [`HostRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostAnswer {
    /// The person's answer.
    Text {
        /// What they said (or the option they chose).
        text: String,
    },
    /// The person would not answer; the tool goes on without.
    Declined,
}

/// A person's answer to an approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Run it, this once.
    Approve,
    /// Run it, and do not ask again for the same command in this session.
    ApproveForSession,
    /// Do not run it; the model is told and the turn goes on.
    Deny,
    /// Do not run it, and stop the turn.
    Abort,
}

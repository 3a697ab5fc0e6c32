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
    /// Several questions at once, each offering options (Codex's
    /// `request_user_input`, Claude Code's `AskUserQuestion`). The person
    /// may also answer in their own words.
    Questions {
        /// The questions, in the order to ask them.
        questions: Vec<Question>,
    },
    /// A form a tool needs filled in: an MCP server's elicitation. `schema`
    /// is a JSON Schema object whose properties are strings, numbers,
    /// integers, booleans or string enums.
    Form {
        /// Who asks (`mcp server NAME`).
        source: String,
        /// What the form is for, in the asker's words.
        message: String,
        /// The fields wanted.
        schema: serde_json::Value,
    },
}

/// One question of a [`HostRequest::Questions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Question {
    /// Key of its answer in [`HostAnswer::Answers`].
    pub id: String,
    /// A short label (a tab or chip in a UI).
    #[serde(default)]
    pub header: String,
    /// The question itself.
    pub question: String,
    /// Choices; the person may still answer in their own words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<QuestionOption>,
    /// Whether more than one option may be chosen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multi_select: bool,
}

/// One choice of a [`Question`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuestionOption {
    /// What is answered when it is chosen.
    pub label: String,
    /// What choosing it means.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
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
    /// Answers to a [`HostRequest::Questions`], by question id: the chosen
    /// options' labels, or the person's own words. A question left out was
    /// not answered.
    Answers {
        /// Question id → answers.
        answers: std::collections::BTreeMap<String, Vec<String>>,
    },
    /// A filled-in [`HostRequest::Form`]: an object matching its schema.
    Form {
        /// The fields' values.
        content: serde_json::Value,
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

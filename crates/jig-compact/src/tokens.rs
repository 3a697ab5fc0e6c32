//! Token accounting: how much of the model's window the conversation uses.
//!
//! A [`TokenCounter`] turns text into a token count. [`Estimator`] is the
//! cheap default (characters divided by a ratio, 4 to start) and learns the
//! real ratio from the usage providers report ([`Estimator::calibrate`]);
//! [`Tiktoken`] (cargo feature `tiktoken`, on by default) counts exactly with
//! OpenAI's `o200k_base` encoding, which ships inside the `tiktoken-rs` crate
//! so nothing is downloaded. [`item_tokens`] adds a small fixed overhead per
//! item for the framing every provider puts around a message or call.
//!
//! Invariant: counting is pure and deterministic for a given counter state;
//! the estimator's ratio always stays within
//! [`Estimator::MIN_CHARS_PER_TOKEN`]..=[`Estimator::MAX_CHARS_PER_TOKEN`], so
//! one odd usage report cannot make it absurd. This module must not talk to
//! a provider: callers feed reported usage in.

use jig_protocol::Item;

/// Tokens added per item for the provider's framing (role markers, call
/// ids, separators); about what OpenAI's chat format spends per message.
pub const ITEM_OVERHEAD_TOKENS: u64 = 4;

/// Counts the tokens of a text.
pub trait TokenCounter: Send + Sync {
    /// Number of tokens `text` takes.
    fn count(&self, text: &str) -> u64;
}

/// Estimates tokens as characters divided by a ratio learned from the
/// provider's reported usage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimator {
    chars_per_token: f64,
}

impl Estimator {
    /// The ratio a fresh estimator starts with (English prose and code
    /// average about four characters per token).
    pub const DEFAULT_CHARS_PER_TOKEN: f64 = 4.0;
    /// The lowest ratio calibration may reach (dense non-Latin text).
    pub const MIN_CHARS_PER_TOKEN: f64 = 1.0;
    /// The highest ratio calibration may reach (long runs of whitespace).
    pub const MAX_CHARS_PER_TOKEN: f64 = 8.0;
    /// How far one calibration moves the ratio toward the observed one:
    /// half the way, so a few reports converge and one outlier cannot dominate.
    const LEARNING_RATE: f64 = 0.5;

    /// An estimator with the default ratio.
    pub fn new() -> Self {
        Estimator {
            chars_per_token: Self::DEFAULT_CHARS_PER_TOKEN,
        }
    }

    /// An estimator with `chars_per_token`, clamped to the sane bounds
    /// (a NaN ratio gives the default).
    pub fn with_ratio(chars_per_token: f64) -> Self {
        Estimator {
            chars_per_token: clamp_ratio(chars_per_token),
        }
    }

    /// The current characters-per-token ratio.
    pub fn chars_per_token(&self) -> f64 {
        self.chars_per_token
    }

    /// Moves the ratio toward what the provider reported: `estimated` is what
    /// this estimator counted for a request, `reported` the input tokens the
    /// provider billed for it. Either being zero carries no information and
    /// changes nothing.
    pub fn calibrate(&mut self, estimated: u64, reported: u64) {
        if estimated == 0 || reported == 0 {
            return;
        }
        // `estimated` came from chars / ratio, so the characters were about
        // estimated * ratio, and the provider's ratio is that over `reported`.
        let observed = estimated as f64 * self.chars_per_token / reported as f64;
        let moved = self.chars_per_token + Self::LEARNING_RATE * (observed - self.chars_per_token);
        self.chars_per_token = clamp_ratio(moved);
    }
}

impl Default for Estimator {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCounter for Estimator {
    fn count(&self, text: &str) -> u64 {
        let chars = text.chars().count() as f64;
        (chars / self.chars_per_token).ceil() as u64
    }
}

fn clamp_ratio(ratio: f64) -> f64 {
    if ratio.is_nan() {
        return Estimator::DEFAULT_CHARS_PER_TOKEN;
    }
    ratio.clamp(Estimator::MIN_CHARS_PER_TOKEN, Estimator::MAX_CHARS_PER_TOKEN)
}

/// Exact counts with OpenAI's `o200k_base` encoding (GPT-4o, GPT-4.1,
/// GPT-5, o-series); a close enough proxy for other providers.
#[cfg(feature = "tiktoken")]
#[derive(Clone, Copy)]
pub struct Tiktoken {
    bpe: &'static tiktoken_rs::CoreBPE,
}

#[cfg(feature = "tiktoken")]
impl std::fmt::Debug for Tiktoken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tiktoken(o200k_base)")
    }
}

/// Why a tokenizer could not be loaded.
#[cfg(feature = "tiktoken")]
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenizerError {
    /// The bundled encoding did not load.
    #[error("cannot load the o200k_base tokenizer: {0}; fall back to the estimator")]
    Load(String),
}

#[cfg(feature = "tiktoken")]
impl Tiktoken {
    /// The `o200k_base` tokenizer. The encoding is built once per process
    /// (a few hundred milliseconds) and shared by every copy.
    pub fn o200k() -> Result<Self, TokenizerError> {
        static O200K: std::sync::OnceLock<Result<tiktoken_rs::CoreBPE, String>> = std::sync::OnceLock::new();
        match O200K.get_or_init(|| tiktoken_rs::o200k_base().map_err(|err| err.to_string())) {
            Ok(bpe) => Ok(Tiktoken { bpe }),
            Err(err) => Err(TokenizerError::Load(err.clone())),
        }
    }
}

#[cfg(feature = "tiktoken")]
impl TokenCounter for Tiktoken {
    fn count(&self, text: &str) -> u64 {
        self.bpe.encode_ordinary(text).len() as u64
    }
}

/// Tokens one item takes: its text (message, reasoning summary, call name
/// and arguments, output, compaction summary) plus [`ITEM_OVERHEAD_TOKENS`].
///
/// Encrypted reasoning and signatures are not counted: providers drop
/// earlier turns' reasoning from the window, so counting it would trigger
/// compaction far too early.
pub fn item_tokens(counter: &dyn TokenCounter, item: &Item) -> u64 {
    let content = match item {
        Item::Message { text, .. } | Item::Reasoning { text, .. } => counter.count(text),
        Item::ToolCall(call) => counter.count(&call.name) + counter.count(&call.arguments),
        Item::ToolOutput(output) => counter.count(&output.output),
        Item::Compaction { summary, .. } => counter.count(summary),
    };
    content + ITEM_OVERHEAD_TOKENS
}

/// Tokens all of `items` take; the sum of [`item_tokens`].
pub fn context_tokens(counter: &dyn TokenCounter, items: &[Item]) -> u64 {
    items.iter().map(|item| item_tokens(counter, item)).sum()
}

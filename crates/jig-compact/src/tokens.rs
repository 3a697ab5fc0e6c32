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
//! Building the `o200k_base` encoding costs a few hundred milliseconds of
//! CPU, so a session never builds it before it needs an exact count:
//! [`LazyTiktoken`] answers [`TokenCounter::at_most`] from the byte length (an
//! o200k token is at least one byte), callers that only compare a count with
//! a limit ask for the bound first ([`context_tokens_at_most`]) and count
//! exactly only when the bound cannot decide, and
//! [`TokenCounter::prepare`] builds the encoding on a background thread once
//! the context grows toward a limit. Decisions taken this way are the ones
//! exact counting would take.
//!
//! Invariant: counting is pure and deterministic for a given counter state;
//! `at_most` is never below `count`; the estimator's ratio always stays within
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

    /// A number never below [`count`](Self::count), as cheap as this counter
    /// can make it: a caller that only compares a count with a limit asks
    /// for this first and counts exactly only when it is past the limit.
    fn at_most(&self, text: &str) -> u64 {
        self.count(text)
    }

    /// Starts, off the calling thread, whatever slow set-up exact counts
    /// need, because they will soon be asked for; counts do not change.
    fn prepare(&self) {}
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
    // `at_most` is `count`: already cheap, and never above the byte length
    // (the ratio is at least one character per token).
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
    /// (a few hundred milliseconds of CPU, logged at `debug`) and shared by
    /// every copy; a caller that arrives while another thread builds it
    /// waits for that build.
    pub fn o200k() -> Result<Self, TokenizerError> {
        static O200K: std::sync::OnceLock<Result<tiktoken_rs::CoreBPE, String>> = std::sync::OnceLock::new();
        let loaded = O200K.get_or_init(|| {
            tracing::debug!("building the o200k_base tokenizer");
            let started = std::time::Instant::now();
            let bpe = tiktoken_rs::o200k_base().map_err(|err| err.to_string());
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis(),
                "built the o200k_base tokenizer"
            );
            bpe
        });
        match loaded {
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

    fn at_most(&self, text: &str) -> u64 {
        // Every o200k token covers at least one byte of the text.
        text.len() as u64
    }
}

/// [`Tiktoken`] counts, with the encoding built only when an exact count is
/// first needed (or [`prepare`](TokenCounter::prepare)d in the background);
/// bounds come from the byte length alone. Should the bundled encoding fail
/// to load, counts are the default [`Estimator`]'s, every time, so the
/// fallback is as deterministic as the encoding.
#[cfg(feature = "tiktoken")]
#[derive(Debug, Clone, Copy, Default)]
pub struct LazyTiktoken;

#[cfg(feature = "tiktoken")]
impl TokenCounter for LazyTiktoken {
    fn count(&self, text: &str) -> u64 {
        match Tiktoken::o200k() {
            Ok(tiktoken) => tiktoken.count(text),
            Err(_) => Estimator::default().count(text),
        }
    }

    fn at_most(&self, text: &str) -> u64 {
        // Above both the exact count and the estimator's fallback.
        text.len() as u64
    }

    fn prepare(&self) {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            // Without the thread, the first exact count builds the encoding.
            let _ = std::thread::Builder::new()
                .name("jig-o200k".into())
                .spawn(|| Tiktoken::o200k().map(|_| ()));
        });
    }
}

/// Tokens one item takes: its text (message, reasoning summary, call name
/// and arguments, output, compaction summary), the estimate of any image
/// in a tool output (never its base64 text), plus [`ITEM_OVERHEAD_TOKENS`].
///
/// Encrypted reasoning and signatures are not counted: providers drop
/// earlier turns' reasoning from the window, so counting it would trigger
/// compaction far too early.
pub fn item_tokens(counter: &dyn TokenCounter, item: &Item) -> u64 {
    tokens_of(item, |text| counter.count(text))
}

/// A number never below [`item_tokens`], from [`TokenCounter::at_most`].
pub fn item_tokens_at_most(counter: &dyn TokenCounter, item: &Item) -> u64 {
    tokens_of(item, |text| counter.at_most(text))
}

/// Tokens all of `items` take; the sum of [`item_tokens`].
pub fn context_tokens(counter: &dyn TokenCounter, items: &[Item]) -> u64 {
    items.iter().map(|item| item_tokens(counter, item)).sum()
}

/// A number never below [`context_tokens`], as cheap as the counter allows.
pub fn context_tokens_at_most(counter: &dyn TokenCounter, items: &[Item]) -> u64 {
    items.iter().map(|item| item_tokens_at_most(counter, item)).sum()
}

fn tokens_of(item: &Item, count: impl Fn(&str) -> u64) -> u64 {
    let content = match item {
        Item::Message { text, .. } | Item::Reasoning { text, .. } => count(text),
        Item::ToolCall(call) => count(&call.name) + count(&call.arguments),
        Item::ToolOutput(output) => {
            count(&output.output)
                + output
                    .images
                    .iter()
                    .map(jig_protocol::ToolImage::estimated_tokens)
                    .sum::<u64>()
        }
        Item::Compaction { summary, .. } => count(summary),
    };
    content + ITEM_OVERHEAD_TOKENS
}

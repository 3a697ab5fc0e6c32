//! Everything that can go wrong while resolving settings, worded for people.
//!
//! Invariant: every message names the file (and line, where there is one),
//! says what is wrong, and where there is a fix, what to do. Messages are
//! lower case and carry no `error:` prefix; the binary adds that. Text
//! taken from a file or the environment is [`clip`]ped before it is echoed,
//! so a megabyte-long key yields a one-line error, not a megabyte one.

use std::borrow::Cow;
use std::path::PathBuf;

/// Most characters of file or environment text echoed in one message.
pub(crate) const ECHO_LIMIT: usize = 80;

/// `text` cut to `max` characters, saying how much was left out.
pub(crate) fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}… ({} more bytes)", &text[..cut], text.len() - cut)),
    }
}

/// Why settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config file exists but could not be read.
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A config file is not valid TOML or does not fit the schema.
    #[error("invalid config {} line {line}, column {column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column (in characters) of the problem.
        column: usize,
        /// What is wrong and, where possible, the valid choices.
        message: String,
    },
    /// A profile names a provider that no layer defines.
    #[error(
        "invalid config {} line {line}: profile \"{}\" names unknown provider \"{}\"; known providers: {}",
        path.display(),
        clip(profile, ECHO_LIMIT),
        clip(provider, ECHO_LIMIT),
        clip(&known.join(", "), 4 * ECHO_LIMIT)
    )]
    UnknownProvider {
        /// The file defining the profile.
        path: PathBuf,
        /// 1-based line of the profile's `provider` value.
        line: usize,
        /// The profile's name.
        profile: String,
        /// The provider it names.
        provider: String,
        /// Every provider defined, sorted.
        known: Vec<String>,
    },
    /// A user-defined provider has no `kind` in any layer.
    #[error(
        "invalid config {}: provider \"{}\" needs a kind; add kind = \"chat\" (valid choices: {})",
        path.display(),
        clip(provider, ECHO_LIMIT),
        crate::ProviderKind::CHOICES.join(", ")
    )]
    MissingKind {
        /// The file that first defines the provider.
        path: PathBuf,
        /// The provider's name.
        provider: String,
    },
    /// An environment variable jig reads has a value it cannot use.
    #[error(
        "invalid environment variable {var}={:?}: expected {expected}",
        clip(value, ECHO_LIMIT)
    )]
    BadEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
    /// A command-line value is out of range.
    #[error("invalid {flag} {value}: {expected}")]
    BadFlag {
        /// The flag, e.g. `--max-turns`.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A trust decision could not be recorded in the user config.
    #[error("cannot record the trust decision in {}: {reason}", path.display())]
    RecordTrust {
        /// The user config file.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
}

//! Everything that can go wrong while resolving settings, worded for people.
//!
//! Invariant: every message names the file (and line, where there is one),
//! says what is wrong, and where there is a fix, what to do. Messages are
//! lower case and carry no `error:` prefix; the binary adds that.

use std::path::PathBuf;

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
        "invalid config {} line {line}: profile \"{profile}\" names unknown provider \"{provider}\"; known providers: {}",
        path.display(),
        known.join(", ")
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
        "invalid config {}: provider \"{provider}\" needs a kind; add kind = \"chat\" (valid choices: {})",
        path.display(),
        crate::ProviderKind::CHOICES.join(", ")
    )]
    MissingKind {
        /// The file that first defines the provider.
        path: PathBuf,
        /// The provider's name.
        provider: String,
    },
    /// An environment variable jig reads has a value it cannot use.
    #[error("invalid environment variable {var}={value:?}: expected {expected}")]
    BadEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
}

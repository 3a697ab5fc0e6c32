//! jig's settings, resolved once at start-up into one plain [`Settings`].
//!
//! Layers, highest precedence first: CLI flags ([`CliOverrides`]), the
//! project file `.jig/config.toml` (searched from the workspace upward to the
//! git root), the user file `$JIG_HOME/config.toml`, environment variables
//! (read only through an [`EnvSnapshot`]), then built-in defaults. Every
//! value remembers its [`Source`] for `jig config show` ([`render_show`]).
//!
//! This crate is a leaf: it depends on no other jig crate and does no
//! network or model work. API keys are never stored; providers name the
//! environment variable that holds theirs.

#![deny(missing_docs)]

mod choices;
pub mod env;
mod error;
mod file;
mod load;
mod settings;
mod show;

pub use choices::{ApprovalPolicy, Dialect, Preamble, ProviderKind, ReasoningEffort, SandboxMode, UnknownChoice};
pub use env::EnvSnapshot;
pub use error::ConfigError;
pub use load::{
    CONFIG_FILE_NAME, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_OLLAMA_HOST, DEFAULT_OPENAI_BASE_URL, find_project_file, load,
};
pub use settings::{
    CliOverrides, CompactionSettings, DEFAULT_MAX_TURNS, LoadInputs, LocalSettings, LocalToolChoice, PriceSettings,
    ProfileSettings, ProviderSettings, Settings, Source,
};
pub use show::{Explained, render_show};

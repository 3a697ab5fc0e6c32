//! jig's settings, resolved once at start-up into one plain [`Settings`].
//!
//! Layers, highest precedence first: CLI flags ([`CliOverrides`]), the
//! project file `.jig/config.toml` (searched from the workspace upward to the
//! git root), the user file `$JIG_HOME/config.toml`, environment variables
//! (read only through an [`EnvSnapshot`]), then built-in defaults. Every
//! value remembers its [`Source`] for `jig config show` ([`render_show`]).
//! A project file is untrusted until the user trusts it: until then only
//! harmless keys and stricter limits apply ([`KEYS`](TRUST_KEYS) classifies
//! every key; [`ProjectTrust`] says what was left out). Values are range
//! checked at load, with file and line.
//!
//! This crate is a leaf: it depends on no other jig crate and does no
//! network or model work. API keys are never stored; providers name the
//! environment variable that holds theirs.

#![deny(missing_docs)]

mod choices;
pub mod env;
mod error;
mod file;
mod hooks;
mod load;
mod mcp;
mod record;
mod settings;
mod show;
mod telemetry;
mod trust;
mod validate;

pub use choices::{
    ApprovalPolicy, Dialect, Preamble, ProviderKind, ReasoningEffort, SandboxMode, TrustLevel, UnknownChoice,
};
pub use env::EnvSnapshot;
pub use error::ConfigError;
pub use hooks::{DEFAULT_HOOK_TIMEOUT, HookConfig, HookEvent, matcher_regex};
pub use load::{
    CONFIG_FILE_NAME, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_OLLAMA_HOST, DEFAULT_OPENAI_BASE_URL, data_dir,
    find_project_file, load,
};
pub use mcp::{DEFAULT_STARTUP_TIMEOUT, DEFAULT_TOOL_TIMEOUT, McpServerConfig, McpTransport};
pub use record::record_trust;
pub use settings::{
    AgentSettings, AgentType, CliOverrides, CompactionSettings, DEFAULT_MAX_TURNS, EnvInherit, LoadInputs,
    LocalSettings, LocalToolChoice, PriceSettings, ProfileSettings, ProviderSettings, Settings, ShellEnvironmentPolicy,
    Source,
};
pub use show::{Explained, render_show};
pub use telemetry::{DEFAULT_SERVICE_NAME, OtlpHeaders, TelemetrySettings};
pub use trust::{KEYS as TRUST_KEYS, KeyClass, ProjectTrust, class_of, project_root, trust_command};

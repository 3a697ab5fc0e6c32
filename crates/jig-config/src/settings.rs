//! The resolved settings: one plain struct, built once by [`crate::load`].
//!
//! Invariant: every value here is final (all layers applied) and every value
//! shown by [`Settings::explain`] has a [`Source`]. API keys are never stored:
//! a provider names the environment variable holding its key and
//! [`ProviderSettings::api_key`] reads it at use time. This module must not
//! read files or the environment itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::choices::{ApprovalPolicy, Dialect, Preamble, ProviderKind, ReasoningEffort, SandboxMode, TrustLevel};
use crate::env::EnvSnapshot;
use crate::trust::ProjectTrust;

/// Default for [`Settings::max_turns`]: no step limit. Budgets, goals,
/// interrupts and compaction are what bound a long turn.
pub const DEFAULT_MAX_TURNS: Option<u32> = None;

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built into jig.
    Default,
    /// An environment variable.
    Env(&'static str),
    /// The user config file, `$JIG_HOME/config.toml`.
    UserFile(PathBuf),
    /// The project config file, `.jig/config.toml` at or above the workspace.
    ProjectFile(PathBuf),
    /// A command-line flag (e.g. `--model`).
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::UserFile(path) => write!(f, "user config {}", path.display()),
            Source::ProjectFile(path) => write!(f, "project config {}", path.display()),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

impl Source {
    /// The file this value came from, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::UserFile(path) | Source::ProjectFile(path) => Some(path),
            Source::Default | Source::Env(_) | Source::Flag(_) => None,
        }
    }
}

/// `[compaction]` settings; unset fields take the session's defaults
/// (auto on, 80% of the model's context window, a fifth of it kept verbatim).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompactionSettings {
    /// Compact automatically (`false` turns it off; `/compact` still works).
    pub auto: Option<bool>,
    /// Share of the context window that triggers compaction (0.1–0.95).
    pub threshold: Option<f64>,
    /// Tokens of recent items kept verbatim.
    pub keep_recent_tokens: Option<u64>,
    /// Summary template replacing jig's.
    pub template: Option<String>,
}

/// `[agents]`: limits on sub-agents and the named agent types a model can
/// ask for (`agent_type` / `subagent_type`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct AgentSettings {
    /// How deep a tree of sub-agents may grow (children of the top session
    /// are depth 1); default 2.
    pub max_depth: Option<u32>,
    /// Most children of one session working at once; default 8.
    pub max_concurrent: Option<u32>,
    /// `[agents.NAME]` tables: the named agent types.
    #[serde(flatten)]
    pub types: BTreeMap<String, AgentType>,
}

/// `[agents.NAME]`: a kind of sub-agent.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentType {
    /// What it is for, for the model choosing one.
    pub description: Option<String>,
    /// Added to the child's system instructions.
    pub instructions: Option<String>,
    /// Its model spec or profile (default: the parent's).
    pub model: Option<String>,
    /// The only tools it may call, by name (default: all of its dialect's).
    pub tools: Option<Vec<String>>,
    /// Most model requests per turn.
    pub max_turns: Option<u32>,
    /// Its token cap (never above what its tree has left).
    pub max_tokens: Option<u64>,
    /// Its cost cap in US dollars (never above what its tree has left).
    pub max_cost_usd: Option<f64>,
    /// Most seconds of wall time its first turn (the brief's) may take;
    /// past it the turn is stopped and the agent reports `budget_exceeded`.
    pub max_wall_secs: Option<u64>,
}

/// `[local]` settings for the embedded model; unset fields take the
/// engine's defaults (the model's context up to 8192 tokens, every core,
/// 4 contexts per model, 1024 output tokens, greedy decoding, tool choice by
/// model size).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalSettings {
    /// Context size in tokens (at most the model's training context).
    pub context_size: Option<u32>,
    /// CPU threads.
    pub threads: Option<u32>,
    /// Contexts (KV caches) per loaded model: sessions on the same GGUF file
    /// share its weights, each with a context of its own while there are
    /// enough; beyond that the least recently used one gives its context up
    /// (and its prompt cache with it). Default 4.
    pub contexts: Option<u32>,
    /// Most tokens one response may generate.
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature; 0 is greedy and deterministic.
    pub temperature: Option<f32>,
    /// Sampler seed when `temperature` is above 0.
    pub seed: Option<u32>,
    /// When a response must call a tool: `auto`, or `first-required` (the
    /// first response to each user message); default by model size.
    pub tool_choice: Option<LocalToolChoice>,
}

/// `[local] tool_choice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalToolChoice {
    /// The model decides in every response.
    Auto,
    /// The first response to a user message must call a tool.
    FirstRequired,
}

/// `[shell_environment_policy]`: the environment of the commands the agent
/// runs, with Codex's keys and meaning. Unset keys take jig's defaults:
/// inherit everything, then leave out names matching `*KEY*`, `*SECRET*`
/// and `*TOKEN*` (case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellEnvironmentPolicy {
    /// Where the environment starts: `all`, `core` or `none`.
    pub inherit: Option<EnvInherit>,
    /// `true` keeps the names the default excludes would drop.
    pub ignore_default_excludes: Option<bool>,
    /// Globs of names to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Variables to set (after the excludes).
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Globs of names: when not empty, the only variables kept (last step).
    #[serde(default)]
    pub include_only: Vec<String>,
}

/// `[shell_environment_policy] inherit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvInherit {
    /// Every variable jig has.
    All,
    /// `HOME`, `LOGNAME`, `PATH`, `SHELL`, `USER`, `USERNAME` and the temp
    /// directories.
    Core,
    /// None.
    None,
}

impl EnvInherit {
    /// The spelling used in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvInherit::All => "all",
            EnvInherit::Core => "core",
            EnvInherit::None => "none",
        }
    }
}

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CliOverrides {
    /// `--model PROVIDER:NAME`.
    pub model: Option<String>,
    /// `--max-turns N`.
    pub max_turns: Option<u32>,
    /// `--max-tokens N`.
    pub max_tokens: Option<u64>,
    /// `--max-cost-usd X`.
    pub max_cost_usd: Option<f64>,
    /// `--ask-for-approval POLICY`.
    pub approval_policy: Option<ApprovalPolicy>,
    /// `--sandbox MODE`.
    pub sandbox: Option<SandboxMode>,
}

/// Everything [`crate::load`] needs: nothing else is consulted.
#[derive(Debug, Clone)]
pub struct LoadInputs {
    /// The workspace directory; the project file is searched from here upward.
    pub cwd: PathBuf,
    /// The environment, captured once.
    pub env: EnvSnapshot,
    /// Command-line values, the highest-precedence layer.
    pub cli: CliOverrides,
}

/// One model provider, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// The wire protocol it speaks.
    pub kind: ProviderKind,
    /// Where to send requests. `None` only for a `chat` provider that no
    /// layer gave a URL; using it should tell the user to set `base_url`.
    pub base_url: Option<String>,
    /// The environment variable holding the API key, if it needs one.
    pub api_key_env: Option<String>,
    /// Longest wait for response headers (`headers_timeout_secs`); `None`
    /// leaves the model crate's default.
    pub headers_timeout: Option<std::time::Duration>,
    /// Longest silence inside a response stream (`idle_timeout_secs`);
    /// `None` leaves the model crate's default.
    pub idle_timeout: Option<std::time::Duration>,
}

impl ProviderSettings {
    /// The API key, read from `api_key_env` in `env` at the moment of use.
    pub fn api_key(&self, env: &EnvSnapshot) -> Option<String> {
        env.get(self.api_key_env.as_deref()?).map(str::to_owned)
    }
}

/// A user-defined model profile (`[profiles.NAME]`). Unset options are left
/// to the model crate's per-family defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSettings {
    /// The provider serving it; always a key of [`Settings::providers`].
    pub provider: String,
    /// The model name as the provider knows it.
    pub model: String,
    /// Tool and message phrasing.
    pub dialect: Option<Dialect>,
    /// Context window in tokens.
    pub context_window: Option<u32>,
    /// System-prompt preamble size.
    pub preamble: Option<Preamble>,
    /// Reasoning effort for models that support it.
    pub reasoning_effort: Option<ReasoningEffort>,
}

/// Prices for one model, USD per million tokens; overrides built-in prices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceSettings {
    /// Uncached input tokens.
    pub input: f64,
    /// Cached input tokens; `None` means priced as `input`.
    pub cached_input: Option<f64>,
    /// Output tokens.
    pub output: f64,
}

/// All of jig's settings, resolved once at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The data directory (`$JIG_HOME`, else `$HOME/.jig`).
    pub home: PathBuf,
    /// The project config file in effect, if one was found.
    pub project_file: Option<PathBuf>,
    /// Default model spec, `PROVIDER:NAME` or a profile name.
    pub model: Option<String>,
    /// Most model requests a turn may make; `None` sets no limit.
    pub max_turns: Option<u32>,
    /// Hard cap on tokens for a session.
    pub max_tokens: Option<u64>,
    /// Hard cap on spend for a session, USD.
    pub max_cost_usd: Option<f64>,
    /// When to ask before running a command; `None` lets the front-end
    /// choose (a terminal asks on request, scripts never ask).
    pub approval_policy: Option<ApprovalPolicy>,
    /// What commands may touch (default `workspace-write`).
    pub sandbox: SandboxMode,
    /// Extra directories commands may write (besides the workspace and temp).
    pub writable_roots: Vec<PathBuf>,
    /// Regular expressions whose matches are redacted from everything jig
    /// records or shows (on top of credential-looking environment values).
    pub redact_patterns: Vec<String>,
    /// `[compaction]`: when and how the context is compacted.
    pub compaction: CompactionSettings,
    /// `[local]`: how the embedded model runs.
    pub local: LocalSettings,
    /// `[shell_environment_policy]`: the environment of the agent's commands.
    pub shell_environment_policy: ShellEnvironmentPolicy,
    /// `[agents]`: sub-agent limits and types.
    pub agents: AgentSettings,
    /// `[telemetry]` and `OTEL_EXPORTER_OTLP_*`: OpenTelemetry export (off
    /// unless an endpoint is set).
    pub telemetry: crate::telemetry::TelemetrySettings,
    /// `tracing` filter for stderr diagnostics (`JIG_LOG`).
    pub log_filter: Option<String>,
    /// Crash-test fault injection (`JIG_FAULT_KILL_AFTER_RECORDS`).
    pub fault_kill_after_records: Option<u64>,
    /// Providers by name: the built-ins plus user-defined ones.
    pub providers: BTreeMap<String, ProviderSettings>,
    /// User-defined model profiles by name.
    pub profiles: BTreeMap<String, ProfileSettings>,
    /// Price overrides by model name.
    pub prices: BTreeMap<String, PriceSettings>,
    /// `[mcp_servers.NAME]`: MCP servers whose tools sessions offer, by
    /// name (an untrusted project's are left out).
    pub mcp_servers: BTreeMap<String, crate::mcp::McpServerConfig>,
    /// `[[hooks]]`: the user file's, then a trusted project's (an
    /// untrusted project's are left out), in the order written.
    pub hooks: Vec<crate::hooks::HookConfig>,
    /// Source of each value, keyed as in [`Settings::explain`].
    pub(crate) sources: BTreeMap<String, Source>,
    /// `api_key_env` variables that were set when loading, so `explain` can
    /// say "(set)" without keeping the key.
    pub(crate) keys_present: BTreeSet<String>,
    /// The project config in effect: its root, the user's trust decision and
    /// what was ignored because the project is not trusted.
    pub project: Option<ProjectTrust>,
    /// The user file's trust decisions, by canonical directory.
    pub(crate) trust_records: BTreeMap<PathBuf, TrustLevel>,
}

impl Settings {
    /// Where each value came from, keyed by dotted key
    /// (`model`, `providers.openai.base_url`, `profiles.my-qwen`, …).
    /// Keys absent here are built-in defaults.
    pub fn sources(&self) -> &BTreeMap<String, Source> {
        &self.sources
    }

    /// The source of one value (see [`Settings::sources`] for keys).
    pub fn source(&self, key: &str) -> &Source {
        self.sources.get(key).unwrap_or(&Source::Default)
    }

    /// The user's trust decision for the project at `dir`: the nearest one
    /// recorded at or above it; `None` when none was made.
    pub fn trust_of(&self, dir: &Path) -> Option<TrustLevel> {
        crate::trust::lookup(&self.trust_records, dir)
    }
}

/// A table name as a TOML dotted key needs it: bare when it can be, quoted
/// otherwise (`prices."gpt-5.1"`). Sources are keyed with this spelling.
pub(crate) fn quote_key(name: &str) -> String {
    let bare = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare { name.to_owned() } else { format!("\"{name}\"") }
}

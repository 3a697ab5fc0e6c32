//! The config file schema and its parser.
//!
//! Invariant: a file either parses into [`ConfigFile`] completely or fails
//! with a [`ConfigError::Invalid`] naming the path, line and column. Unknown
//! keys are errors (typos must not be silently ignored), a literal
//! `api_key` is rejected so secrets never live in files, and values out of
//! range are rejected by [`crate::validate`] before anything uses them.
//! Echoed file text is clipped. This module knows nothing about layering or
//! trust; `load` merges parsed files.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::choices::{ApprovalPolicy, Dialect, Preamble, ProviderKind, ReasoningEffort, SandboxMode, TrustLevel};
use crate::error::{ConfigError, ECHO_LIMIT, clip};

/// One config file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    pub model: Option<String>,
    pub max_turns: Option<u32>,
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub approval_policy: Option<ApprovalPolicy>,
    pub sandbox: Option<SandboxMode>,
    #[serde(default)]
    pub writable_roots: Vec<std::path::PathBuf>,
    #[serde(default)]
    pub redact_patterns: Vec<String>,
    pub compaction: Option<crate::settings::CompactionSettings>,
    pub local: Option<crate::settings::LocalSettings>,
    pub shell_environment_policy: Option<crate::settings::ShellEnvironmentPolicy>,
    pub agents: Option<crate::settings::AgentSettings>,
    pub telemetry: Option<crate::telemetry::TelemetrySettings>,
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderFile>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileFile>,
    #[serde(default)]
    pub prices: BTreeMap<String, PriceFile>,
    #[serde(default)]
    pub mcp_servers: BTreeMap<String, crate::mcp::McpServerFile>,
    /// `[[hooks]]`, in the order written.
    #[serde(default)]
    pub hooks: Vec<crate::hooks::HookFile>,
    /// Trust decisions by canonical project root; read from the user file
    /// only (a project file holding this table is an error).
    #[serde(default)]
    pub projects: BTreeMap<String, ProjectFile>,
}

/// A `[projects."/abs/path"]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectFile {
    pub trust: TrustLevel,
}

/// A `[providers.NAME]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderFile {
    pub kind: Option<ProviderKind>,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub headers_timeout_secs: Option<Seconds>,
    pub idle_timeout_secs: Option<Seconds>,
    /// Present only so that `api_key = "..."` gets a message that says what
    /// to do instead of a bare "unknown key"; deserialising it always fails.
    #[serde(default)]
    #[expect(dead_code, reason = "deserialising this field always fails")]
    api_key: Option<ApiKeyRejected>,
}

/// A `[profiles.NAME]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileFile {
    pub provider: Spanned<String>,
    pub model: String,
    pub dialect: Option<Dialect>,
    pub context_window: Option<u32>,
    pub preamble: Option<Preamble>,
    pub reasoning_effort: Option<ReasoningEffort>,
    /// 1-based line of `provider`, filled in by the reader (spans need the text).
    #[serde(skip)]
    pub line: usize,
}

/// A `[prices."MODEL"]` table, USD per million tokens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PriceFile {
    pub input: f64,
    pub cached_input: Option<f64>,
    pub output: f64,
}

/// A time limit in seconds: a finite number above 0, whole or not.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seconds(pub std::time::Duration);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(deserializer)?;
        match std::time::Duration::try_from_secs_f64(secs) {
            Ok(duration) if secs > 0.0 => Ok(Seconds(duration)),
            _ => Err(serde::de::Error::custom(format!(
                "a time limit must be a finite number of seconds above 0, not {secs}"
            ))),
        }
    }
}

/// Never constructed: see [`ProviderFile::api_key`].
#[derive(Debug)]
enum ApiKeyRejected {}

impl<'de> Deserialize<'de> for ApiKeyRejected {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "api_key is not allowed in config files, so keys never end up on disk or in git; \
             put the key in an environment variable and name it with api_key_env, \
             e.g. api_key_env = \"OPENAI_API_KEY\"",
        ))
    }
}

/// Most characters of one error message taken from the TOML parser, which
/// may quote values from the file.
const MESSAGE_LIMIT: usize = 400;

/// Parses `text`, read from `path`, and checks its values
/// ([`crate::validate`]).
pub(crate) fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let file = toml::from_str(text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        invalid(path, text, span.start, humanize(err.message(), text, span))
    })?;
    crate::validate::check(path, text)?;
    crate::mcp::check(path, text)?;
    crate::hooks::check(path, text)?;
    Ok(file)
}

/// A [`ConfigError::Invalid`] at byte `offset` of `text`.
pub(crate) fn invalid(path: &Path, text: &str, offset: usize, message: String) -> ConfigError {
    let (line, column) = line_column(text, offset);
    ConfigError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message: clip(&message, MESSAGE_LIMIT).into_owned(),
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Rewrites serde's `unknown field` wording into config terms; other
/// messages (syntax, types, our own enum and api_key messages) pass through.
fn humanize(message: &str, text: &str, span: Range<usize>) -> String {
    let message = message.trim_end();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_owned();
    };
    let Some((key, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let valid: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| *k != "api_key")
        .collect();
    let table = enclosing_table(text, span.start);
    let key = clip(key, ECHO_LIMIT);
    format!("unknown key \"{key}\" {table}; valid keys: {}", valid.join(", "))
}

/// `in [header]` for the table that byte `offset` sits in, found by scanning
/// back for the last header line. Good enough for hand-written configs;
/// inline tables report their parent header.
fn enclosing_table(text: &str, offset: usize) -> String {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| match l.find(']') {
            Some(end) => format!("in {}", clip(&l[..=end], ECHO_LIMIT)),
            None => format!("in {}", clip(l, ECHO_LIMIT)),
        })
        .unwrap_or_else(|| "at the top level".to_owned())
}

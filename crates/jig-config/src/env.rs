//! Every environment variable jig reads, and the one snapshot they are read from.
//!
//! Invariant: library code reads the environment only through an
//! [`EnvSnapshot`], captured once at start-up by the binary (or built by hand
//! in tests), so tests never mutate the process environment and a run sees
//! one consistent view. Nothing here may call `std::env::var` except
//! [`EnvSnapshot::capture`]. The snapshot may hold secrets (API keys), so its
//! `Debug` output lists variable names only, never values.

use std::collections::BTreeMap;
use std::fmt;

/// Data directory (sessions, user config). Default `$HOME/.jig`.
pub const JIG_HOME: &str = "JIG_HOME";
/// Used to find the default data directory when `JIG_HOME` is unset.
pub const HOME: &str = "HOME";
/// `tracing` filter for diagnostics on stderr (e.g. `jig=debug`).
pub const JIG_LOG: &str = "JIG_LOG";
/// Fault injection for crash tests: the process kills itself with SIGKILL
/// right after its N-th rollout record is synced. Never set it in normal use.
pub const JIG_FAULT_KILL_AFTER_RECORDS: &str = "JIG_FAULT_KILL_AFTER_RECORDS";
/// Default model spec (`PROVIDER:NAME`) when neither a flag nor a config file names one.
pub const JIG_MODEL: &str = "JIG_MODEL";
/// API key of the built-in `openai` provider (the default `api_key_env`).
pub const OPENAI_API_KEY: &str = "OPENAI_API_KEY";
/// Base URL of the built-in `openai` provider. Default `https://api.openai.com/v1`.
pub const OPENAI_BASE_URL: &str = "OPENAI_BASE_URL";
/// API key of the built-in `anthropic` provider (the default `api_key_env`).
pub const ANTHROPIC_API_KEY: &str = "ANTHROPIC_API_KEY";
/// Base URL of the built-in `anthropic` provider. Default `https://api.anthropic.com`.
pub const ANTHROPIC_BASE_URL: &str = "ANTHROPIC_BASE_URL";
/// Ollama server of the built-in `ollama` provider (chat base is `{host}/v1`).
/// Default `http://127.0.0.1:11434`.
pub const OLLAMA_HOST: &str = "OLLAMA_HOST";

/// Where packaged local models are installed (`jig model fetch`) and looked
/// up (`local:NAME`). Default `$JIG_HOME/models`.
pub const JIG_MODELS_DIR: &str = "JIG_MODELS_DIR";
/// The Python interpreter whose pip installs model packages. Default `python3`.
pub const JIG_PYTHON: &str = "JIG_PYTHON";

/// OTLP/HTTP collector base URL; turns OpenTelemetry export on (spans to
/// `/v1/traces`, metrics to `/v1/metrics` under it) unless `[telemetry]
/// otlp_endpoint` is set.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Full URL spans are sent to, instead of the one derived from
/// `OTEL_EXPORTER_OTLP_ENDPOINT`.
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// Full URL metrics are sent to, instead of the one derived from
/// `OTEL_EXPORTER_OTLP_ENDPOINT`.
pub const OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
/// Headers sent with every export (`name=value,…`); values are never shown.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// `service.name` of exported telemetry. Default `jig`.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// Every variable above, for documentation and `jig config show`.
pub const ALL: &[&str] = &[
    JIG_HOME,
    HOME,
    JIG_LOG,
    JIG_FAULT_KILL_AFTER_RECORDS,
    JIG_MODEL,
    OPENAI_API_KEY,
    OPENAI_BASE_URL,
    ANTHROPIC_API_KEY,
    ANTHROPIC_BASE_URL,
    OLLAMA_HOST,
    JIG_MODELS_DIR,
    JIG_PYTHON,
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_SERVICE_NAME,
];

/// The process environment, captured once.
///
/// All variables are kept (not only those in [`ALL`]) because a provider's
/// `api_key_env` may name any variable. An empty value counts as unset.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvSnapshot {
    vars: BTreeMap<String, String>,
}

impl EnvSnapshot {
    /// Captures the current process environment. Variables whose name or
    /// value is not UTF-8 are skipped.
    pub fn capture() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self { vars }
    }

    /// A snapshot holding exactly `pairs` (for tests and embedding).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Self { vars }
    }

    /// This snapshot with `name` set to `value`.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// The value of `name`, or `None` when it is unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether `name` is set to a non-empty value.
    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every non-empty variable, as `(name, value)`, sorted by name (for
    /// deriving things such as the secrets to redact).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Where packaged local models live: `$JIG_MODELS_DIR`, else `home/models`.
pub fn models_dir(home: &std::path::Path, env: &EnvSnapshot) -> std::path::PathBuf {
    env.get(JIG_MODELS_DIR)
        .map_or_else(|| home.join("models"), std::path::PathBuf::from)
}

/// The Python that installs model packages: `$JIG_PYTHON`, else `python3`.
pub fn python(env: &EnvSnapshot) -> String {
    env.get(JIG_PYTHON).unwrap_or("python3").to_owned()
}

/// Names only: values may be secrets.
impl fmt::Debug for EnvSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvSnapshot")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

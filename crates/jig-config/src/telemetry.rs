//! `[telemetry]`: where jig sends OpenTelemetry spans and metrics, if
//! anywhere, resolved from the config files and the standard
//! `OTEL_EXPORTER_OTLP_*` / `OTEL_SERVICE_NAME` variables.
//!
//! Invariant: telemetry is off unless an endpoint is set. A file's
//! `otlp_endpoint` wins over every endpoint variable (files rank above the
//! environment in jig); without it the signal's own variable
//! (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is used as is, else the general
//! one plus `/v1/traces`, as the OTLP specification says. Header values may
//! hold keys: they are kept out of `Debug`, `jig config show` and every
//! error message, and never come from a file (only
//! `OTEL_EXPORTER_OTLP_HEADERS`), so no key lives on disk.

use std::fmt;

use crate::env::{self, EnvSnapshot};
use crate::error::ConfigError;

/// The default `service.name`.
pub const DEFAULT_SERVICE_NAME: &str = "jig";

/// `[telemetry]` as written, completed from the environment.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    /// The OTLP/HTTP base URL (`http://collector:4318`); signals go to
    /// `/v1/traces` and `/v1/metrics` under it.
    pub otlp_endpoint: Option<String>,
    /// Export prompts, outputs, tool arguments and results (redacted as the
    /// rollout is); default off.
    pub capture_content: Option<bool>,
    /// `service.name` of the exported resource (default `jig`, or
    /// `OTEL_SERVICE_NAME`).
    pub service_name: Option<String>,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, unless a file set `otlp_endpoint`.
    #[serde(skip)]
    pub traces_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, unless a file set `otlp_endpoint`.
    #[serde(skip)]
    pub metrics_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_HEADERS`.
    #[serde(skip)]
    pub headers: OtlpHeaders,
}

impl TelemetrySettings {
    /// Whether anything is exported.
    pub fn enabled(&self) -> bool {
        self.traces_endpoint().is_some()
    }

    /// Where spans go, if anywhere.
    pub fn traces_endpoint(&self) -> Option<String> {
        self.traces_endpoint
            .clone()
            .or_else(|| Some(signal_url(self.otlp_endpoint.as_deref()?, "traces")))
    }

    /// Where metrics go, if anywhere.
    pub fn metrics_endpoint(&self) -> Option<String> {
        self.metrics_endpoint
            .clone()
            .or_else(|| Some(signal_url(self.otlp_endpoint.as_deref()?, "metrics")))
    }

    /// `service.name`.
    pub fn service_name(&self) -> &str {
        self.service_name.as_deref().unwrap_or(DEFAULT_SERVICE_NAME)
    }

    /// Takes in the environment's values (the lowest layer but defaults).
    pub(crate) fn apply_env(&mut self, env: &EnvSnapshot) -> Result<(), ConfigError> {
        let url = |var: &'static str| -> Result<Option<String>, ConfigError> {
            let Some(value) = env.get(var) else { return Ok(None) };
            check_url(value).map_err(|expected| ConfigError::BadEnv {
                var,
                value: value.to_owned(),
                expected,
            })?;
            Ok(Some(value.to_owned()))
        };
        self.otlp_endpoint = url(env::OTEL_EXPORTER_OTLP_ENDPOINT)?;
        self.traces_endpoint = url(env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)?;
        self.metrics_endpoint = url(env::OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)?;
        self.service_name = env.get(env::OTEL_SERVICE_NAME).map(str::to_owned);
        if let Some(raw) = env.get(env::OTEL_EXPORTER_OTLP_HEADERS) {
            self.headers = OtlpHeaders::parse(raw).ok_or_else(|| ConfigError::BadEnv {
                var: env::OTEL_EXPORTER_OTLP_HEADERS,
                // The value may hold a key: never echoed.
                value: "(value not shown: it may hold a key)".to_owned(),
                expected: "comma-separated name=value pairs, e.g. authorization=Bearer%20TOKEN",
            })?;
        }
        Ok(())
    }

    /// Takes in a file's `[telemetry]` table, which wins over the
    /// environment's endpoints.
    pub(crate) fn apply_file(&mut self, file: TelemetrySettings) {
        if let Some(endpoint) = file.otlp_endpoint {
            self.otlp_endpoint = Some(endpoint);
            self.traces_endpoint = None;
            self.metrics_endpoint = None;
        }
        self.capture_content = file.capture_content.or(self.capture_content);
        self.service_name = file.service_name.or(self.service_name.take());
    }
}

/// `base` + `/v1/SIGNAL`.
fn signal_url(base: &str, signal: &str) -> String {
    format!("{}/v1/{signal}", base.trim_end_matches('/'))
}

/// Checks that `value` is an `http://` or `https://` URL with a host;
/// returns what was expected otherwise.
pub(crate) fn check_url(value: &str) -> Result<(), &'static str> {
    let expected = "an http:// or https:// URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318";
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
        .ok_or(expected)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(expected);
    }
    Ok(())
}

/// Headers sent with every export, from `OTEL_EXPORTER_OTLP_HEADERS`
/// (`name=value,…`, values percent-decoded). Their values are never shown.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OtlpHeaders(Vec<(String, String)>);

impl OtlpHeaders {
    /// Parses the variable's value; `None` when an entry is not `name=value`.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut pairs = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, value) = entry.split_once('=')?;
            let name = name.trim();
            if name.is_empty() {
                return None;
            }
            pairs.push((name.to_owned(), percent_decode(value.trim())?));
        }
        Some(OtlpHeaders(pairs))
    }

    /// The headers as (name, value) pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The header names, for showing.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }
}

/// Names only: values may be keys.
impl fmt::Debug for OtlpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpHeaders").field("names", &self.names()).finish()
    }
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_endpoint_wins_and_signals_get_their_paths() {
        let env = EnvSnapshot::from_pairs([
            (env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "http://env:4318/custom/traces"),
            (
                env::OTEL_EXPORTER_OTLP_HEADERS,
                "authorization=Bearer%20sk-secret,x-team=a",
            ),
        ]);
        let mut settings = TelemetrySettings::default();
        assert!(!settings.enabled());
        settings.apply_env(&env).unwrap();
        assert_eq!(
            settings.traces_endpoint().as_deref(),
            Some("http://env:4318/custom/traces")
        );
        assert_eq!(settings.metrics_endpoint(), None);
        assert_eq!(settings.headers.pairs()[0].1, "Bearer sk-secret");
        assert!(!format!("{settings:?}").contains("sk-secret"));
        settings.apply_file(TelemetrySettings {
            otlp_endpoint: Some("https://file:4318/".into()),
            ..Default::default()
        });
        assert_eq!(
            settings.traces_endpoint().as_deref(),
            Some("https://file:4318/v1/traces")
        );
        assert_eq!(
            settings.metrics_endpoint().as_deref(),
            Some("https://file:4318/v1/metrics")
        );
    }

    #[test]
    fn bad_variables_are_errors_that_never_echo_headers() {
        let env = EnvSnapshot::from_pairs([(env::OTEL_EXPORTER_OTLP_ENDPOINT, "collector:4318")]);
        let err = TelemetrySettings::default().apply_env(&env).unwrap_err().to_string();
        assert!(
            err.contains("OTEL_EXPORTER_OTLP_ENDPOINT") && err.contains("http://"),
            "{err}"
        );
        let env = EnvSnapshot::from_pairs([(env::OTEL_EXPORTER_OTLP_HEADERS, "sk-secret-without-a-name")]);
        let err = TelemetrySettings::default().apply_env(&env).unwrap_err().to_string();
        assert!(!err.contains("sk-secret"), "{err}");
    }
}

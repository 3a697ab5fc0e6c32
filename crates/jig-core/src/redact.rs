//! Keeping secrets out of everything jig writes or shows.
//!
//! A [`Redactor`] holds the values of credentials (environment variables
//! whose names look like keys, tokens or passwords, plus configured extra
//! values) and replaces them with `[REDACTED:NAME]` in every rollout record
//! and event before it is written or sent. Records are redacted before they
//! enter the conversation too, so what is on disk and what the session holds
//! are the same, and a resumed session sees exactly what was recorded.
//! Matching is plain substring search on the JSON text (with the value
//! JSON-escaped as it appears there); it must stay cheap because it runs on
//! every record.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Shortest value treated as a secret; shorter ones would redact noise.
pub const MIN_SECRET_LEN: usize = 8;

/// Name fragments that mark an environment variable as a credential.
const SECRET_NAME_PARTS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH"];

/// Replaces known secret values and configured patterns.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// `(JSON-escaped value, replacement)`, longest value first.
    secrets: Vec<(String, String)>,
    /// Configured patterns, applied to each string of a record.
    patterns: Vec<regex::Regex>,
}

impl Redactor {
    /// A redactor for the credential-looking variables among `vars`.
    pub fn from_env<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut redactor = Redactor::default();
        for (name, value) in vars {
            let upper = name.to_ascii_uppercase();
            if SECRET_NAME_PARTS.iter().any(|part| upper.contains(part)) {
                redactor.add(name, value);
            }
        }
        redactor
    }

    /// Adds one secret value under `name`.
    pub fn add(&mut self, name: &str, value: &str) {
        if value.len() < MIN_SECRET_LEN {
            return;
        }
        let escaped = serde_json::to_string(value).unwrap_or_default();
        let inner = escaped.trim_matches('"').to_string();
        if self.secrets.iter().any(|(known, _)| *known == inner) {
            return;
        }
        self.secrets.push((inner, format!("[REDACTED:{name}]")));
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
    }

    /// Adds a configured pattern; its matches become `[REDACTED]`.
    pub fn add_pattern(&mut self, pattern: &str) -> Result<(), regex::Error> {
        self.patterns.push(regex::Regex::new(pattern)?);
        Ok(())
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.patterns.is_empty()
    }

    /// `text` with every secret replaced.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for (secret, replacement) in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), replacement));
            }
        }
        out
    }

    /// `value` with every secret in its JSON form replaced; borrowed when
    /// nothing matched.
    pub fn value<'v, T: Serialize + DeserializeOwned + Clone>(&self, value: &'v T) -> Cow<'v, T> {
        if self.is_empty() {
            return Cow::Borrowed(value);
        }
        if !self.patterns.is_empty() {
            // Patterns may match anything, so they run on the strings of the
            // value, never across JSON syntax.
            let Ok(mut tree) = serde_json::to_value(value) else {
                return Cow::Borrowed(value);
            };
            if self.scrub(&mut tree)
                && let Ok(clean) = serde_json::from_value::<T>(tree)
            {
                return Cow::Owned(self.value(&clean).into_owned());
            }
        }
        let Ok(json) = serde_json::to_string(value) else {
            return Cow::Borrowed(value);
        };
        match self.text(&json) {
            Cow::Borrowed(_) => Cow::Borrowed(value),
            Cow::Owned(clean) => match serde_json::from_str(&clean) {
                Ok(redacted) => Cow::Owned(redacted),
                Err(_) => Cow::Borrowed(value),
            },
        }
    }
}

impl Redactor {
    /// Applies the patterns and secrets to every string in `tree`; whether
    /// anything changed.
    fn scrub(&self, tree: &mut serde_json::Value) -> bool {
        match tree {
            serde_json::Value::String(text) => {
                let mut changed = false;
                for pattern in &self.patterns {
                    if let Cow::Owned(clean) = pattern.replace_all(text, "[REDACTED]") {
                        *text = clean;
                        changed = true;
                    }
                }
                changed
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |acc, v| self.scrub(v) | acc),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |acc, v| self.scrub(v) | acc),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_variables_are_redacted_and_others_kept() {
        let redactor = Redactor::from_env([
            ("OPENAI_API_KEY", "sk-live-1234567890"),
            ("GITHUB_TOKEN", "ghp_abc\"def123"),
            ("HOME", "/root/home/dir"),
            ("SHORT_KEY", "abc"),
        ]);
        let text = r#"{"output":"key sk-live-1234567890 and ghp_abc\"def123 in /root/home/dir"}"#;
        assert_eq!(
            redactor.text(text),
            r#"{"output":"key [REDACTED:OPENAI_API_KEY] and [REDACTED:GITHUB_TOKEN] in /root/home/dir"}"#
        );
        let item = jig_protocol::Item::user("my key is sk-live-1234567890");
        assert_eq!(
            redactor.value(&item).into_owned(),
            jig_protocol::Item::user("my key is [REDACTED:OPENAI_API_KEY]")
        );
        assert!(matches!(
            redactor.value(&jig_protocol::Item::user("clean")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn configured_patterns_redact_inside_strings_only() {
        let mut redactor = Redactor::default();
        redactor.add_pattern(r"acct-[0-9]{6}").unwrap();
        redactor.add_pattern("\"").unwrap();
        let item = jig_protocol::Item::user(r#"see acct-123456 and "quotes""#);
        assert_eq!(
            redactor.value(&item).into_owned(),
            jig_protocol::Item::user("see [REDACTED] and [REDACTED]quotes[REDACTED]")
        );
        assert!(Redactor::default().add_pattern("(").is_err());
    }
}

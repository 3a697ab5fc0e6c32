//! Keeping secrets out of everything jig writes or shows.
//!
//! A [`Redactor`] replaces three kinds of secrets in every rollout record and
//! event before it is written or sent: the values of credential-looking
//! environment variables (`[REDACTED:NAME]`), credentials that no variable
//! names but whose shape gives them away — passwords inside URLs, GitHub,
//! OpenAI, Anthropic, AWS and Slack tokens, PEM private keys
//! (`[REDACTED:KIND]`) — and the configured `redact_patterns` (`[REDACTED]`).
//! Records are redacted before they enter the conversation too, so what is on
//! disk and what the session holds are the same, and a resumed session sees
//! exactly what was recorded.
//!
//! Invariants: only values are rewritten — the string leaves of a record's
//! JSON, never its keys or its structure — so a redacted record is always a
//! valid record of the same type. A leaf is left alone only when it is one of
//! the record's own tag words (`assistant`, `tool_output`, …) and rewriting it
//! would make the record unreadable; every other match of every secret and
//! pattern is redacted, whatever the other patterns match. A pattern that
//! matches the empty string is refused, and empty matches never rewrite
//! anything.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Shortest value treated as a secret; shorter ones would redact noise.
pub const MIN_SECRET_LEN: usize = 8;

/// Name fragments that mark an environment variable as a credential.
const SECRET_NAME_PARTS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH"];

/// Credential shapes caught without a variable naming them: `(kind, regex)`.
/// A `secret` group, when present, is the only part replaced.
const SECRET_SHAPES: &[(&str, &str)] = &[
    // scheme://user:PASSWORD@host — the password runs to the last `@` of the authority.
    (
        "password",
        r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:(?P<secret>[^\s/?#]+)@",
    ),
    ("github-token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
    ("github-token", r"\bgithub_pat_[A-Za-z0-9_]{22,255}"),
    // OpenAI (`sk-`, `sk-proj-`) and Anthropic (`sk-ant-`) keys.
    ("api-key", r"\bsk-[A-Za-z0-9_-]{20,}"),
    ("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    // A block cut off before its END line (a truncated output) is hidden to the end.
    (
        "private-key",
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)",
    ),
];

/// The compiled [`SECRET_SHAPES`]; a unit test checks that every one compiles.
static SHAPES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    SECRET_SHAPES
        .iter()
        .filter_map(|(kind, pattern)| {
            let regex = Regex::new(pattern).ok()?;
            let group = regex.capture_names().flatten().any(|name| name == "secret");
            Some(Rule {
                regex,
                replacement: format!("[REDACTED:{kind}]"),
                group,
            })
        })
        .collect()
});

/// Why a `redact_patterns` entry was refused.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// Not a regular expression.
    #[error("redact pattern `{pattern}` is not a valid regular expression: {source}")]
    Invalid {
        /// The pattern as configured.
        pattern: String,
        /// The parser's message.
        source: regex::Error,
    },
    /// It matches the empty string, so it would match everywhere and hide nothing.
    #[error(
        "redact pattern `{pattern}` matches the empty string, so it would redact nothing useful; \
         make it require at least one character (for example `.+` rather than `.*`)"
    )]
    MatchesEmpty {
        /// The pattern as configured.
        pattern: String,
    },
}

/// Replaces known secret values, credential shapes and configured patterns.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secret values, longest first.
    secrets: Vec<Secret>,
    /// Configured patterns; their matches become `[REDACTED]`.
    patterns: Vec<Rule>,
}

/// One secret value and the forms it takes in a string.
#[derive(Debug, Clone)]
struct Secret {
    raw: String,
    /// The value JSON-escaped, as it appears inside a JSON string such as a
    /// tool call's arguments; `None` when it equals `raw`.
    escaped: Option<String>,
    replacement: String,
}

/// A regular expression and what its matches become.
#[derive(Debug, Clone)]
struct Rule {
    regex: Regex,
    replacement: String,
    /// Replace only the `secret` group, not the whole match.
    group: bool,
}

/// A string leaf the redactor rewrote, by JSON pointer.
struct Change {
    pointer: String,
    original: String,
    redacted: String,
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
        if value.len() < MIN_SECRET_LEN || self.secrets.iter().any(|s| s.raw == value) {
            return;
        }
        let escaped = serde_json::to_string(value).unwrap_or_default();
        let escaped = escaped.get(1..escaped.len().saturating_sub(1)).unwrap_or_default();
        self.secrets.push(Secret {
            raw: value.to_string(),
            escaped: (escaped != value && !escaped.is_empty()).then(|| escaped.to_string()),
            replacement: format!("[REDACTED:{name}]"),
        });
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.raw.len()));
    }

    /// Adds a configured pattern; its matches become `[REDACTED]`. A pattern
    /// that matches the empty string is refused.
    pub fn add_pattern(&mut self, pattern: &str) -> Result<(), PatternError> {
        let regex = Regex::new(pattern).map_err(|source| PatternError::Invalid {
            pattern: pattern.to_string(),
            source,
        })?;
        if regex.is_match("") {
            return Err(PatternError::MatchesEmpty {
                pattern: pattern.to_string(),
            });
        }
        self.patterns.push(Rule {
            regex,
            replacement: "[REDACTED]".into(),
            group: false,
        });
        Ok(())
    }

    /// `text` with every secret, credential shape and pattern replaced.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.clean(text).map_or(Cow::Borrowed(text), Cow::Owned)
    }

    /// `value` with every string leaf redacted; borrowed when nothing matched.
    ///
    /// A value that cannot be turned into JSON is returned as it is: the
    /// rollout writer and the front-ends serialize the same way, so such a
    /// value can be neither written nor sent.
    pub fn value<'v, T: Serialize + DeserializeOwned + Clone>(&self, value: &'v T) -> Cow<'v, T> {
        let Ok(mut tree) = serde_json::to_value(value) else {
            return Cow::Borrowed(value);
        };
        let mut changes = Vec::new();
        self.scrub(&mut tree, &mut String::new(), &mut changes);
        if changes.is_empty() {
            return Cow::Borrowed(value);
        }
        settle(tree, &changes).map_or(Cow::Borrowed(value), Cow::Owned)
    }

    /// The redacted form of one string, or `None` when nothing matched.
    fn clean(&self, text: &str) -> Option<String> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            for form in std::iter::once(&secret.raw).chain(&secret.escaped) {
                if out.contains(form.as_str()) {
                    out = Cow::Owned(out.replace(form.as_str(), &secret.replacement));
                }
            }
        }
        for rule in SHAPES.iter().chain(&self.patterns) {
            if let Some(clean) = rule.apply(&out) {
                out = Cow::Owned(clean);
            }
        }
        match out {
            Cow::Owned(clean) if clean != text => Some(clean),
            _ => None,
        }
    }

    /// Redacts every string leaf of `node`, noting each change by pointer.
    fn scrub(&self, node: &mut Value, pointer: &mut String, changes: &mut Vec<Change>) {
        let len = pointer.len();
        match node {
            Value::String(text) => {
                if let Some(redacted) = self.clean(text) {
                    let original = std::mem::replace(text, redacted.clone());
                    changes.push(Change {
                        pointer: pointer.clone(),
                        original,
                        redacted,
                    });
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let _ = write!(pointer, "/{index}");
                    self.scrub(item, pointer, changes);
                    pointer.truncate(len);
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    let _ = write!(pointer, "/{}", key.replace('~', "~0").replace('/', "~1"));
                    self.scrub(item, pointer, changes);
                    pointer.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

impl Rule {
    /// `text` with every non-empty match replaced, or `None` when nothing changed.
    fn apply(&self, text: &str) -> Option<String> {
        let spans: Vec<Range<usize>> = if self.group {
            self.regex
                .captures_iter(text)
                .filter_map(|caps| caps.name("secret").map(|m| m.range()))
                .collect()
        } else {
            self.regex.find_iter(text).map(|m| m.range()).collect()
        };
        let mut out = String::new();
        let mut last = 0;
        for span in spans {
            // Already redacted, or an empty match (which would only insert text).
            if span.is_empty() || text[span.clone()] == *self.replacement {
                continue;
            }
            out.push_str(&text[last..span.start]);
            out.push_str(&self.replacement);
            last = span.end;
        }
        if last == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}

/// The redacted tree as a `T`, giving up only the changes that would make
/// it unreadable.
///
/// Such a change rewrote one of the record's tags, which are snake_case
/// words of jig's own vocabulary: those changes are undone as a group per
/// word, each word kept redacted if the record still reads. Anything else
/// falls back to trying the changes one at a time, which always ends with a
/// readable record (with no change, it is the original).
fn settle<T: DeserializeOwned>(mut tree: Value, changes: &[Change]) -> Option<T> {
    if let Ok(clean) = T::deserialize(&tree) {
        return Some(clean);
    }
    let mut words: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes.iter().filter(|c| is_word(&c.original)) {
        words.entry(&change.original).or_default().push(change);
        set(&mut tree, change, &change.original);
    }
    if T::deserialize(&tree).is_err() {
        return one_at_a_time(tree, changes);
    }
    for group in words.values() {
        group.iter().for_each(|change| set(&mut tree, change, &change.redacted));
        if T::deserialize(&tree).is_err() {
            group.iter().for_each(|change| set(&mut tree, change, &change.original));
        }
    }
    T::deserialize(&tree).ok()
}

/// Undoes every change, then redoes each one that keeps the record readable.
fn one_at_a_time<T: DeserializeOwned>(mut tree: Value, changes: &[Change]) -> Option<T> {
    changes
        .iter()
        .for_each(|change| set(&mut tree, change, &change.original));
    for change in changes {
        set(&mut tree, change, &change.redacted);
        if T::deserialize(&tree).is_err() {
            set(&mut tree, change, &change.original);
        }
    }
    T::deserialize(&tree).ok()
}

fn set(tree: &mut Value, change: &Change, text: &str) {
    if let Some(leaf) = tree.pointer_mut(&change.pointer) {
        *leaf = Value::String(text.to_string());
    }
}

/// Whether `text` could be a tag: a short snake_case word.
fn is_word(text: &str) -> bool {
    (1..=40).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_shape_compiles() {
        assert_eq!(SHAPES.len(), SECRET_SHAPES.len());
    }

    #[test]
    fn credential_variables_are_redacted_and_others_kept() {
        let redactor = Redactor::from_env([
            ("OPENAI_API_KEY", "live-1234567890"),
            ("GITHUB_TOKEN", "abc\"def123"),
            ("HOME", "/root/home/dir"),
            ("SHORT_KEY", "abc"),
        ]);
        assert_eq!(
            redactor.text("key live-1234567890 and abc\"def123 in /root/home/dir"),
            "key [REDACTED:OPENAI_API_KEY] and [REDACTED:GITHUB_TOKEN] in /root/home/dir"
        );
        // Inside JSON text, such as a tool call's arguments, the value is escaped.
        assert_eq!(
            redactor.text(r#"{"command":"echo abc\"def123"}"#),
            r#"{"command":"echo [REDACTED:GITHUB_TOKEN]"}"#
        );
        let item = jig_protocol::Item::user("my key is live-1234567890");
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
    }

    #[test]
    fn patterns_that_match_nothing_or_everything_empty_are_refused() {
        for pattern in ["", ".*", "a*", "^", "(?m)$"] {
            let err = Redactor::default().add_pattern(pattern).unwrap_err();
            assert!(matches!(err, PatternError::MatchesEmpty { .. }), "{pattern}: {err}");
            assert!(err.to_string().contains("matches the empty string"), "{err}");
        }
        let err = Redactor::default().add_pattern("(").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("redact pattern `(` is not a valid regular expression")
        );
        // An empty match inside a longer text changes nothing either.
        let mut redactor = Redactor::default();
        redactor.add_pattern(r"\b").unwrap();
        assert!(matches!(redactor.text("two words"), Cow::Borrowed(_)));
    }

    #[test]
    fn credential_shapes_are_caught_without_a_variable() {
        let redactor = Redactor::default();
        let cases = [
            (
                "DATABASE=postgres://app:s3cr@t-pw@db.internal:5432/main",
                "DATABASE=postgres://app:[REDACTED:password]@db.internal:5432/main",
            ),
            ("redis://:hunter22@cache/0", "redis://:[REDACTED:password]@cache/0"),
            (
                "token ghp_0123456789abcdefghijABCDEFGHIJ012345.",
                "token [REDACTED:github-token].",
            ),
            (
                "github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyz",
                "[REDACTED:github-token]",
            ),
            ("OPENAI=sk-proj-abcDEF123_456-ghiJKL789", "OPENAI=[REDACTED:api-key]"),
            (
                "x-api-key: sk-ant-api03-AbCdEf0123456789-_xyzAA",
                "x-api-key: [REDACTED:api-key]",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE ok", "aws [REDACTED:aws-access-key] ok"),
            ("slack xoxb-1234567890-abcdefghij", "slack [REDACTED:slack-token]"),
            (
                "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\nz",
                "a\n[REDACTED:private-key]\nz",
            ),
            (
                "cut -----BEGIN RSA PRIVATE KEY-----\nMIIEow",
                "cut [REDACTED:private-key]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redactor.text(text), expected, "{text}");
            // Redacting twice changes nothing more.
            assert_eq!(redactor.text(expected), expected);
        }
        for clean in [
            "https://example.com/a:b@c",
            "http://localhost:8080/path",
            "ask-me-anything-about-the-task",
            "git@github.com:owner/repo.git",
            "-----BEGIN PUBLIC KEY-----",
        ] {
            assert_eq!(redactor.text(clean), clean);
        }
    }
}

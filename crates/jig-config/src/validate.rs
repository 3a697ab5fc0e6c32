//! Range checks on config values that their types cannot express: costs
//! and prices are finite and not negative, counts are at least 1, the
//! compaction threshold is a share of the window, temperature is not
//! negative, every `redact_patterns` entry compiles and cannot match
//! the empty string, every `[shell_environment_policy]` pattern is a glob,
//! and `[telemetry] otlp_endpoint` is an http(s) URL.
//!
//! Invariant: every check is one row of [`CHECKS`], and a failure names the
//! file, line and column of the offending value (spans come from
//! `toml_edit`, which keeps them). Runs after the schema parse, so each value
//! already has its declared type; a value of another type is left to it.

use std::ops::Range;
use std::path::Path;

use toml_edit::{Document, Item, Value};

use crate::error::{ConfigError, ECHO_LIMIT, clip};
use crate::file::invalid;

/// What a value must satisfy.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// A whole number of at least 1.
    AtLeastOne,
    /// A finite number of at least 0.
    NonNegative,
    /// A share of the context window.
    Threshold,
    /// A list of regular expressions that each need at least one character.
    Patterns,
    /// An `http://` or `https://` URL.
    HttpUrl,
    /// A list of globs over environment variable names.
    Globs,
}

/// The compaction threshold's accepted range, inclusive.
const THRESHOLD_RANGE: (f64, f64) = (0.1, 0.95);

/// Dotted paths (`*` is any table name) and what their value must satisfy.
const CHECKS: &[(&[&str], Rule)] = &[
    (&["max_turns"], Rule::AtLeastOne),
    (&["max_tokens"], Rule::AtLeastOne),
    (&["max_cost_usd"], Rule::NonNegative),
    (&["compaction", "threshold"], Rule::Threshold),
    (&["local", "context_size"], Rule::AtLeastOne),
    (&["local", "threads"], Rule::AtLeastOne),
    (&["local", "contexts"], Rule::AtLeastOne),
    (&["local", "max_output_tokens"], Rule::AtLeastOne),
    (&["local", "temperature"], Rule::NonNegative),
    (&["profiles", "*", "context_window"], Rule::AtLeastOne),
    (&["prices", "*", "input"], Rule::NonNegative),
    (&["prices", "*", "cached_input"], Rule::NonNegative),
    (&["prices", "*", "output"], Rule::NonNegative),
    (&["redact_patterns"], Rule::Patterns),
    (&["telemetry", "otlp_endpoint"], Rule::HttpUrl),
    (&["shell_environment_policy", "exclude"], Rule::Globs),
    (&["shell_environment_policy", "include_only"], Rule::Globs),
];

/// Checks every value of `text` (read from `path`) that [`CHECKS`] covers.
pub(crate) fn check(path: &Path, text: &str) -> Result<(), ConfigError> {
    let doc = Document::parse(text).map_err(|err| {
        let offset = err.span().map_or(0, |s| s.start);
        invalid(path, text, offset, err.message().to_owned())
    })?;
    for (keys, rule) in CHECKS {
        let mut found = Vec::new();
        collect(doc.as_item(), keys, String::new(), &mut found);
        for (key, item) in found {
            let Some(value) = item.as_value() else { continue };
            if let Err((span, message)) = apply(*rule, &key, value) {
                return Err(invalid(path, text, span.start, message));
            }
        }
    }
    Ok(())
}

/// Every item at `keys` below `item`, with its dotted name.
fn collect<'a>(item: &'a Item, keys: &[&str], name: String, out: &mut Vec<(String, &'a Item)>) {
    let Some((first, rest)) = keys.split_first() else {
        out.push((name, item));
        return;
    };
    let Some(table) = item.as_table_like() else { return };
    let join = |key: &str| match name.is_empty() {
        true => key.to_owned(),
        false => format!("{name}.{}", crate::settings::quote_key(key)),
    };
    if *first == "*" {
        for (key, child) in table.iter() {
            collect(child, rest, join(key), out);
        }
    } else if let Some(child) = table.get(first) {
        collect(child, rest, join(first), out);
    }
}

type Failure = (Range<usize>, String);

fn apply(rule: Rule, key: &str, value: &Value) -> Result<(), Failure> {
    let span = value.span().unwrap_or(0..0);
    let number = match value {
        Value::Integer(n) => Some(*n.value() as f64),
        Value::Float(x) => Some(*x.value()),
        _ => None,
    };
    let fail = |what: String| Err((span.clone(), what));
    match (rule, number) {
        (Rule::AtLeastOne, Some(n)) if n < 1.0 => {
            let hint = if key == "max_turns" {
                "; leave it out for no limit"
            } else {
                ""
            };
            fail(format!("{key} must be at least 1, not {n}{hint}"))
        }
        (Rule::NonNegative, Some(x)) if !x.is_finite() || x < 0.0 => {
            fail(format!("{key} must be a finite number of at least 0, not {x}"))
        }
        (Rule::Threshold, Some(x)) if !(THRESHOLD_RANGE.0..=THRESHOLD_RANGE.1).contains(&x) => fail(format!(
            "{key} must be between {} and {} (the share of the context window that triggers compaction), not {x}",
            THRESHOLD_RANGE.0, THRESHOLD_RANGE.1
        )),
        (Rule::HttpUrl, _) => match value.as_str().map(crate::telemetry::check_url) {
            Some(Err(expected)) => fail(format!(
                "{key} must be {expected}, not \"{}\"",
                clip(value.as_str().unwrap_or(""), ECHO_LIMIT)
            )),
            _ => Ok(()),
        },
        (Rule::Patterns, _) => match value.as_array() {
            Some(list) => list.iter().try_for_each(|entry| pattern(key, entry)),
            None => Ok(()),
        },
        (Rule::Globs, _) => match value.as_array() {
            Some(list) => list.iter().try_for_each(|entry| glob(key, entry)),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// One glob over variable names (`*`, `?`, `[…]`), as `globset` reads it.
fn glob(key: &str, entry: &Value) -> Result<(), Failure> {
    let span = entry.span().unwrap_or(0..0);
    let Some(text) = entry.as_str() else { return Ok(()) };
    match globset::Glob::new(text) {
        Ok(_) => Ok(()),
        Err(err) => Err((
            span,
            format!(
                "{key} entry \"{}\" is not a valid pattern: {}; use `*` for any run of characters and `?` for one",
                clip(text, ECHO_LIMIT),
                err.kind()
            ),
        )),
    }
}

/// One `redact_patterns` entry: a valid regex that needs at least one
/// character to match (one that can match nothing would redact nothing).
fn pattern(key: &str, entry: &Value) -> Result<(), Failure> {
    let span = entry.span().unwrap_or(0..0);
    let Some(text) = entry.as_str() else { return Ok(()) };
    let shown = clip(text, ECHO_LIMIT);
    if let Err(err) = regex::Regex::new(text) {
        // The regex error quotes the whole pattern over several lines; keep its last line.
        let why = err.to_string();
        let why = why
            .lines()
            .last()
            .unwrap_or("invalid syntax")
            .trim_start_matches("error: ");
        return Err((
            span,
            format!("{key} entry \"{shown}\" is not a valid regular expression: {why}"),
        ));
    }
    let empty = regex_syntax::parse(text).is_ok_and(|hir| hir.properties().minimum_len() == Some(0));
    if empty {
        return Err((
            span,
            format!(
                "{key} entry \"{shown}\" can match the empty string, so it would redact nothing; \
                 make it need at least one character (e.g. `x+` rather than `x*`)"
            ),
        ));
    }
    Ok(())
}

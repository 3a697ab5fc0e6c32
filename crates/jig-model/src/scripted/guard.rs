//! Checks a scripted response's [`Expect`] guard against the request it is
//! about to answer.
//!
//! Invariant: a failed guard names the script, the 1-based response number,
//! what was expected and what the request held (at most [`SHOWN_CHARS`]
//! characters of it), so a diverging run can be diagnosed from the error
//! alone. This module only reads the request; it must not change it.

use jig_protocol::{Item, Role, ToolOutput, ToolStatus};

use super::Expect;
use crate::ModelError;

/// How much of a mismatching text an error shows.
pub(crate) const SHOWN_CHARS: usize = 800;

/// Checks every field of `expect` against `items`, in field order.
pub(crate) fn check(script: &str, number: usize, expect: &Expect, items: &[Item]) -> Result<(), ModelError> {
    let mismatch =
        |what: String| ModelError::ScriptMismatch(format!("model script {script}, response #{number}: {what}"));
    let last_output = items.iter().rev().find_map(|item| match item {
        Item::ToolOutput(output) => Some(output),
        _ => None,
    });
    if let Some(needle) = &expect.last_output_contains {
        let expected = format!("expected the last tool output to contain {needle:?}");
        match last_output {
            None => {
                return Err(mismatch(format!("{expected}, but the request has no tool output")));
            }
            Some(ToolOutput { output, .. }) if !output.contains(needle.as_str()) => {
                return Err(mismatch(format!("{expected}, but it was:\n{}", shown(output))));
            }
            Some(_) => {}
        }
    }
    if let Some(status) = expect.last_status {
        let expected = format!("expected the last tool output to have status {}", name(status));
        match last_output {
            None => {
                return Err(mismatch(format!("{expected}, but the request has no tool output")));
            }
            Some(output) if output.status != status => {
                return Err(mismatch(format!(
                    "{expected}, but it was {}:\n{}",
                    name(output.status),
                    shown(&output.output)
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(needle) = &expect.user_contains {
        let expected = format!("expected the last user message to contain {needle:?}");
        let last_user = items.iter().rev().find_map(|item| match item {
            Item::Message { role: Role::User, text } => Some(text),
            _ => None,
        });
        match last_user {
            None => {
                return Err(mismatch(format!("{expected}, but the request has no user message")));
            }
            Some(text) if !text.contains(needle.as_str()) => {
                return Err(mismatch(format!("{expected}, but it was:\n{}", shown(text))));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The first [`SHOWN_CHARS`] characters of `text`, noting what was cut.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!("{}\n[... {rest} more characters]", &text[..cut])
        }
    }
}

/// The script spelling of a status.
fn name(status: ToolStatus) -> &'static str {
    match status {
        ToolStatus::Ok => "ok",
        ToolStatus::Error => "error",
        ToolStatus::Interrupted => "interrupted",
    }
}

//! Asking the model for the summary, and the item that carries it.
//!
//! [`summary_instruction`] is the user message appended to the conversation
//! (after the items to be dropped) for one extra model request that writes
//! the summary; [`summary_item`] wraps the answer and the ledger digest in
//! the [`Item::Compaction`] that stands in for the dropped items.
//!
//! Invariant: the instruction always demands text only (no tool calls) and
//! exact paths, commands and identifiers, whatever template is used, because
//! the summary is what the model will work from. This module must not call a
//! model or decide what is dropped.

use jig_protocol::Item;

/// The sections a summary has unless the session configures its own.
pub const DEFAULT_TEMPLATE: &str = "\
## Goal
What the user asked for, in their terms, and what done looks like.

## Constraints and user preferences
Rules, limits and preferences the user stated (style, tools to use or avoid, files not to touch).

## Decisions
What was decided and why, including approaches tried and abandoned.

## Files touched
Each file read, created, edited or deleted, with what changed and why.

## Commands run and results
Each significant command with its outcome (exit code, pass/fail counts, key output).

## Errors
Errors met, whether each is fixed, and how.

## Current plan
The steps left, in order, with what is already done.

## Open questions
What is still unknown or waiting on the user.

## Next step
The single next action to take.";

/// The user-role message that asks for the summary: write the summary
/// only, no tool calls, keep exact paths, commands and identifiers, follow
/// `template` (default [`DEFAULT_TEMPLATE`]), and give `focus` priority
/// when a person asked for one.
pub fn summary_instruction(template: Option<&str>, focus: Option<&str>) -> String {
    let template = template.unwrap_or(DEFAULT_TEMPLATE).trim();
    let mut text = String::from(
        "The conversation so far is about to be compacted: the messages above will be replaced by your summary, \
         and you will continue the task from it alone. Write the summary now.\n\n\
         Rules:\n\
         - Write the summary only. Do not call any tool and do not continue the task.\n\
         - Keep exact file paths, commands, function and type names, identifiers, error messages and numbers; \
         never paraphrase them.\n\
         - Fold in any earlier summary: nothing it recorded may be lost unless it is no longer true.\n\
         - Be complete but terse; leave a section empty (write \"none\") rather than guessing.\n",
    );
    if let Some(focus) = focus.map(str::trim).filter(|focus| !focus.is_empty()) {
        text.push_str(&format!(
            "- The user asked this summary to focus on: {focus}. Give it priority and the most detail.\n"
        ));
    }
    text.push_str("\nUse these sections:\n\n");
    text.push_str(template);
    text
}

/// The item that replaces the dropped items. Its summary text is exactly
/// `"{summary}\n\nLedger: {digest}"`, with `summary` trimmed of surrounding
/// whitespace; `responses` is the number of model responses it stands for,
/// the one that wrote the summary included.
pub fn summary_item(summary: &str, digest: &str, responses: u64) -> Item {
    Item::Compaction {
        summary: format!("{}\n\nLedger: {digest}", summary.trim()),
        responses,
    }
}

//! Integration tests of jig-compact: one binary, a module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ledger;
mod plan;
mod recall;
mod summary;
mod tokens;

use jig_protocol::{Item, ToolCall, ToolOutput, ToolStatus};

/// A tool call with JSON arguments.
pub fn call(id: &str, name: &str, args: serde_json::Value) -> Item {
    raw_call(id, name, &args.to_string())
}

/// A tool call whose arguments are raw text (freeform tools).
pub fn raw_call(id: &str, name: &str, arguments: &str) -> Item {
    Item::ToolCall(ToolCall {
        call_id: id.to_string(),
        name: name.to_string(),
        arguments: arguments.to_string(),
    })
}

/// A successful tool output.
pub fn out(id: &str, text: &str) -> Item {
    output(id, text, ToolStatus::Ok)
}

/// A tool output with `status`.
pub fn output(id: &str, text: &str, status: ToolStatus) -> Item {
    Item::ToolOutput(ToolOutput {
        call_id: id.to_string(),
        output: text.to_string(),
        status,
        images: Vec::new(),
    })
}

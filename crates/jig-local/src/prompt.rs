//! From a [`ModelRequest`] to the chat messages an embedded model reads.
//!
//! The system message is jig's instructions plus the tool list
//! ([`crate::toolcall::tools_prompt`]). Each model response becomes one
//! assistant message — its text followed by its tool calls, written in the
//! layout the grammar enforces — and the outputs that answer it become one
//! user message of `<tool_response>` blocks, the convention Hermes, Qwen and
//! SmolLM models were trained on. Only the roles `system`, `user` and
//! `assistant` are used, so every chat template renders the conversation.
//!
//! Invariant: rendering is append-only — the messages for a conversation are
//! a prefix of the messages for any conversation that extends it — which is
//! what lets the engine reuse its KV cache from one request to the next.

use jig_model::ModelRequest;
use jig_protocol::{Item, Role, ToolCall};

use crate::toolcall::{self, CallLayout, Listing};

/// One chat message, ready for the model's chat template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    /// The text.
    pub content: String,
}

/// The messages for `request`, with tool calls in `layout` and the tools
/// listed as `listing` says.
pub fn messages(request: &ModelRequest<'_>, layout: CallLayout, listing: Listing) -> Vec<ChatMessage> {
    let mut system = request.instructions.to_owned();
    if !request.tools.is_empty() {
        system.push_str("\n\n");
        system.push_str(&toolcall::tools_prompt(request.tools, layout, listing));
    }
    let mut out = vec![ChatMessage {
        role: "system",
        content: system,
    }];
    let mut i = 0;
    let items = request.items;
    while i < items.len() {
        i = match &items[i] {
            Item::Message {
                role: Role::Assistant, ..
            }
            | Item::ToolCall(_)
            | Item::Reasoning { .. } => assistant_turn(items, i, layout, &mut out),
            Item::Message { role, text } => {
                let role = if *role == Role::System { "system" } else { "user" };
                push(&mut out, role, text.clone());
                i + 1
            }
            Item::ToolOutput(_) => {
                let mut blocks = Vec::new();
                while let Some(Item::ToolOutput(output)) = items.get(i) {
                    blocks.push(format!("<tool_response>\n{}\n</tool_response>", output.output));
                    i += 1;
                }
                push(&mut out, "user", blocks.join("\n"));
                i
            }
            Item::Compaction { summary, .. } => {
                push(&mut out, "user", Item::compaction_text(summary));
                i + 1
            }
        };
    }
    out
}

/// Renders the model response starting at `start` (its text, then its tool
/// calls) as one assistant message; returns the index after it.
fn assistant_turn(items: &[Item], start: usize, layout: CallLayout, out: &mut Vec<ChatMessage>) -> usize {
    let mut text = String::new();
    let mut calls: Vec<&ToolCall> = Vec::new();
    let mut i = start;
    while let Some(item) = items.get(i) {
        match item {
            Item::Message {
                role: Role::Assistant,
                text: t,
            } if calls.is_empty() => text.push_str(t),
            Item::Reasoning { .. } => {}
            Item::ToolCall(call) => calls.push(call),
            _ => break,
        }
        i += 1;
    }
    if !calls.is_empty() {
        text.push_str(&toolcall::render_calls(&calls, layout));
    }
    push(out, "assistant", text);
    i
}

fn push(out: &mut Vec<ChatMessage>, role: &'static str, content: String) {
    out.push(ChatMessage { role, content });
}

#[cfg(test)]
mod tests {
    use super::*;
    use jig_protocol::{ToolOutput, ToolStatus};

    fn call(id: &str) -> Item {
        Item::ToolCall(ToolCall {
            call_id: id.into(),
            name: "list_dir".into(),
            arguments: r#"{"path": "."}"#.into(),
        })
    }

    fn output(id: &str) -> Item {
        Item::ToolOutput(ToolOutput {
            call_id: id.into(),
            output: "src/".into(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        })
    }

    #[test]
    fn a_response_is_one_assistant_message_and_its_outputs_one_user_message() {
        let items = vec![
            Item::user("look around"),
            Item::assistant("Listing.\n"),
            call("a"),
            call("b"),
            output("a"),
            output("b"),
            Item::assistant("Done."),
        ];
        let request = ModelRequest {
            session_id: "s",
            instructions: "be brief",
            items: &items,
            tools: &[],
            output_schema: None,
        };
        let m = messages(&request, CallLayout::Array, Listing::Full);
        let roles: Vec<&str> = m.iter().map(|m| m.role).collect();
        assert_eq!(roles, ["system", "user", "assistant", "user", "assistant"]);
        assert_eq!(
            m[2].content,
            "Listing.\n<tool_call>[{\"name\": \"list_dir\", \"arguments\": {\"path\": \".\"}}, {\"name\": \"list_dir\", \"arguments\": {\"path\": \".\"}}]</tool_call>"
        );
        assert!(
            m[3].content
                .starts_with("<tool_response>\nsrc/\n</tool_response>\n<tool_response>")
        );
        // Append-only: the messages of a prefix are a prefix of the messages.
        let shorter = ModelRequest {
            items: &items[..4],
            ..request
        };
        let m2 = messages(&shorter, CallLayout::Array, Listing::Full);
        assert_eq!(m2[..], m[..m2.len()]);
    }
}

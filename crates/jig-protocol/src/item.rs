//! Conversation items: what the model sees, in order.
//!
//! A model response contributes assistant [`Item::Message`]s, [`Item::Reasoning`]
//! and [`Item::ToolCall`]s; the harness answers every tool call with exactly one
//! [`Item::ToolOutput`] carrying the same `call_id`, in call order.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Harness instructions (system / developer prompt).
    System,
    /// The person (or a simulated user).
    User,
    /// The model.
    Assistant,
}

/// One entry of the conversation history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    /// A text message.
    Message {
        /// The author.
        role: Role,
        /// The text.
        text: String,
    },
    /// Model reasoning (a summary, or opaque content a provider wants back).
    /// The optional fields are what a provider needs to accept the reasoning
    /// back in a later request; rollouts written before they existed load
    /// with them empty.
    Reasoning {
        /// Human-readable reasoning text or summary.
        text: String,
        /// The provider's id of the reasoning item (OpenAI `rs_…`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The reasoning itself, encrypted by the provider (OpenAI, with
        /// `store: false`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encrypted_content: Option<String>,
        /// The signature that vouches for the text (Anthropic thinking).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// A tool call made by the model.
    ToolCall(ToolCall),
    /// The harness's answer to a tool call.
    ToolOutput(ToolOutput),
    /// A summary standing in for older items that compaction removed from
    /// the context (they stay in the rollout). Providers send it as a user
    /// message.
    Compaction {
        /// The structured summary the model wrote.
        summary: String,
        /// Model responses the replaced items held, plus the one that wrote
        /// the summary: deterministic providers count on from here.
        responses: u64,
    },
}

impl Item {
    /// A user message.
    pub fn user(text: impl Into<String>) -> Self {
        Item::Message {
            role: Role::User,
            text: text.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(text: impl Into<String>) -> Self {
        Item::Message {
            role: Role::Assistant,
            text: text.into(),
        }
    }

    /// Reasoning text with no provider data attached.
    pub fn reasoning(text: impl Into<String>) -> Self {
        Item::Reasoning {
            text: text.into(),
            id: None,
            encrypted_content: None,
            signature: None,
        }
    }

    /// The text providers send for a compaction summary, as a user message.
    pub fn compaction_text(summary: &str) -> String {
        format!("Earlier parts of this conversation were compacted to save context. Summary of them:\n\n{summary}")
    }

    /// Whether the model produced this item (as opposed to the user or harness).
    pub fn is_from_model(&self) -> bool {
        matches!(
            self,
            Item::Message {
                role: Role::Assistant,
                ..
            } | Item::Reasoning { .. }
                | Item::ToolCall(_)
        )
    }
}

/// Number of model responses `items` hold: maximal runs of model-produced
/// items, counting on from a compaction summary's own count. Deterministic
/// providers use it as their position, and compaction to number the
/// responses a summary stands for; one rule for both keeps them in step.
pub fn count_responses(items: &[Item]) -> u64 {
    let mut count = 0u64;
    let mut in_run = false;
    for item in items {
        if let Item::Compaction { responses, .. } = item {
            count = *responses;
            in_run = false;
            continue;
        }
        let from_model = item.is_from_model();
        if from_model && !in_run {
            count += 1;
        }
        in_run = from_model;
    }
    count
}

/// A tool call as the model made it. `arguments` is kept as the raw JSON
/// text the model produced, so malformed arguments survive to be reported back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCall {
    /// Identifier pairing the call with its output.
    pub call_id: String,
    /// Tool name as offered to the model.
    pub name: String,
    /// Arguments as raw JSON text.
    pub arguments: String,
}

/// How a tool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// The tool ran and reports success.
    Ok,
    /// The tool (or the router) reports an error the model can act on.
    Error,
    /// The call began but did not finish (interrupt, crash); its effects are unknown.
    Interrupted,
}

/// The harness's answer to one tool call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolOutput {
    /// The `call_id` of the [`ToolCall`] this answers.
    pub call_id: String,
    /// Text shown to the model.
    pub output: String,
    /// How the call ended.
    pub status: ToolStatus,
    /// Images the tool put into the conversation (`view_image`, Claude
    /// Code's `Read` of an image), sent after `output` to a model that sees
    /// images. Empty for every other tool, and then left out of the JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ToolImage>,
}

/// An image in a tool's output, already fitted to the provider's limits.
///
/// The encoded bytes travel in the item itself, base64, and so land in the
/// rollout. A reference to the file plus its hash would keep rollouts
/// small, but a resumed or replayed session could then no longer send the
/// same request once the file changed or went away (and the prompt cache
/// would miss); the tool bounds what is stored instead, by resizing to the
/// provider's limits (a few hundred KiB for a typical screenshot, at most
/// a few MiB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolImage {
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    pub media_type: String,
    /// The encoded image, base64 (standard alphabet, padded).
    pub data: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ToolImage {
    /// The image as a `data:` URL (OpenAI's `input_image`, Chat
    /// Completions' `image_url`).
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.media_type, self.data)
    }

    /// Tokens the image costs a model, estimated by Anthropic's published
    /// rule (width × height / 750); OpenAI's tile count for images within
    /// its limits comes out in the same range. Never below 85, OpenAI's
    /// base cost of any image.
    pub fn estimated_tokens(&self) -> u64 {
        (u64::from(self.width) * u64::from(self.height)).div_ceil(750).max(85)
    }
}

/// A tool as offered to the model: name, description and JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolSpec {
    /// Tool name.
    pub name: String,
    /// The tool group the model was trained to see this tool in (Codex's
    /// `multi_agent_v1`). The Responses API offers a namespace's tools inside
    /// one `namespace` tool and the model's call names it again; every other
    /// wire offers the tools as plain functions. Tool names stay unique
    /// across namespaces, so the name alone still picks the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema of the arguments object (for [`ToolFormat::Function`]).
    pub parameters: serde_json::Value,
    /// How the model sends the call's input.
    #[serde(default, skip_serializing_if = "ToolFormat::is_function")]
    pub format: ToolFormat,
}

/// How a tool's input travels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolFormat {
    /// A JSON object matching `parameters` (a function tool).
    #[default]
    Function,
    /// Free text constrained by a grammar (OpenAI "custom" tools, e.g. Codex's
    /// `apply_patch`). The call's `arguments` hold the raw text. Providers
    /// without freeform tools offer it as a function with one string
    /// parameter, `input`.
    Freeform {
        /// Grammar syntax, e.g. `lark`.
        syntax: String,
        /// The grammar itself.
        definition: String,
    },
}

impl ToolFormat {
    /// Whether this is the default JSON function format.
    pub fn is_function(&self) -> bool {
        matches!(self, ToolFormat::Function)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_without_provider_fields_loads_and_stays_short() {
        let old: Item =
            serde_json::from_str(r#"{"type":"reasoning","text":"think"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old, Item::reasoning("think"));
        let text = serde_json::to_string(&old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, r#"{"type":"reasoning","text":"think"}"#);
    }
}

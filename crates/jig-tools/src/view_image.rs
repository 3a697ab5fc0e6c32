//! The `view_image` tool (Codex's name and shape: one `path` argument):
//! puts a PNG, JPEG, GIF or WebP from the workspace into the conversation.
//!
//! The tool does not know the wire format; it knows what the session's
//! model takes ([`ImageInput`], from the profile), fits the image to those
//! limits ([`crate::images`]) and hands it back as
//! [`crate::ToolEffect::Images`]. The provider's encoder then sends it the
//! way that API wants an image in a tool result. For a text-only model the
//! call fails with a message that says so, and no bytes are read or sent.

use jig_protocol::{ToolFormat, ToolSpec};
use serde::Deserialize;
use serde_json::json;

use crate::images::{self, ImageInput};
use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// `view_image`: attach an image file from the workspace.
#[derive(Debug, Clone, Copy, Default)]
pub struct ViewImageTool {
    images: ImageInput,
}

impl ViewImageTool {
    /// The tool for a model that takes `images` (text-only by default).
    pub fn new(images: ImageInput) -> Self {
        ViewImageTool { images }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewImageArgs {
    path: String,
}

const DESCRIPTION: &str = "Attach an image file from the workspace (PNG, JPEG, GIF or WebP) to the \
conversation so you can see it: screenshots, diagrams, rendered output. Images larger than the model \
accepts are scaled down.";

#[async_trait::async_trait]
impl Tool for ViewImageTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "view_image".into(),
            description: DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "path": {
                        "type": "string",
                        "description": "Path of the image file, relative to the workspace root (absolute paths inside the workspace work too)."
                    }
                },
                "required": ["path"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ViewImageArgs = parse_args("view_image", args)?;
        let ImageInput::Accepted(limits) = self.images else {
            return Err(ToolError::RespondToModel(format!(
                "view_image is not available: {}",
                images::TEXT_ONLY
            )));
        };
        images::attach(&ctx.cwd, &args.path, limits).await
    }
}

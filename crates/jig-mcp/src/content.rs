//! A tool call's result as the text the model reads.
//!
//! Text blocks are passed through; images, audio and embedded blobs are
//! summarised in one line each (their bytes would only waste the context
//! and most models read no images through tool results); embedded text
//! resources are given with their URI; resource links are named. Structured
//! content is added as JSON only when there is no other content, since
//! servers send it alongside a text copy of the same data.

use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};

/// The text of `result`'s content.
pub fn render(result: &CallToolResult) -> String {
    let mut parts: Vec<String> = result.content.iter().map(block).collect();
    if parts.is_empty()
        && let Some(value) = &result.structured_content
    {
        parts.push(value.to_string());
    }
    parts.join("\n")
}

fn block(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Text(text) => text.text.clone(),
        ContentBlock::Image(image) => format!(
            "[image: {}, {} bytes base64, not shown]",
            image.mime_type,
            image.data.len()
        ),
        ContentBlock::Audio(audio) => format!(
            "[audio: {}, {} bytes base64, not shown]",
            audio.mime_type,
            audio.data.len()
        ),
        ContentBlock::Resource(embedded) => match &embedded.resource {
            ResourceContents::TextResourceContents { uri, text, .. } => format!("[resource {uri}]\n{text}"),
            ResourceContents::BlobResourceContents {
                uri, mime_type, blob, ..
            } => format!(
                "[resource {uri}: {}, {} bytes base64, not shown]",
                mime_type.as_deref().unwrap_or("binary"),
                blob.len()
            ),
            other => format!("[resource of a kind jig does not know: {}]", kind_of(other)),
        },
        ContentBlock::ResourceLink(link) => match &link.description {
            Some(description) => format!("[resource link {} ({}): {description}]", link.uri, link.name),
            None => format!("[resource link {} ({})]", link.uri, link.name),
        },
        other => format!("[content of a kind jig does not know: {}]", kind_of(other)),
    }
}

/// The `type` of a block jig does not know, from its JSON.
fn kind_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

//! Shared helpers: build requests by hand and drain a provider's stream.

use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use jig_model::http::{Jitter, RetryPolicy};
use jig_model::{ModelClient, ModelError, ModelRequest, ResponseEvent};
use jig_protocol::{Item, ToolCall, ToolOutput, ToolStatus};

/// Tiny delays, no jitter, short limits: tests never wait for real.
pub fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(40),
        headers_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_secs(2),
        jitter: Jitter::None,
    }
}

/// A request over `items`.
pub fn request(items: &[Item]) -> ModelRequest<'_> {
    ModelRequest {
        session_id: "test-session",
        instructions: "be brief",
        items,
        tools: &[],
        output_schema: None,
    }
}

/// Every event of one response, or the error that refused it.
pub async fn collect(model: &dyn ModelClient, items: Vec<Item>) -> Result<Vec<ResponseEvent>, ModelError> {
    let stream = model.stream(&request(&items)).await?;
    stream.collect::<Vec<_>>().await.into_iter().collect()
}

/// The concatenated text deltas of `events`.
/// `events` without the [`ResponseEvent::Model`] a server's stream ends
/// with, checking it sits just before `Completed` (the wire tests check its
/// value); for tests about everything else in the stream.
pub fn without_model(events: Vec<ResponseEvent>) -> Vec<ResponseEvent> {
    for (at, event) in events.iter().enumerate() {
        if matches!(event, ResponseEvent::Model(_)) {
            assert!(
                matches!(events.get(at + 1), Some(ResponseEvent::Completed { .. })),
                "the model is reported just before completion: {events:?}"
            );
        }
    }
    events
        .into_iter()
        .filter(|event| !matches!(event, ResponseEvent::Model(_)))
        .collect()
}

pub fn text_of(events: &[ResponseEvent]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::TextDelta(delta) => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

/// Writes `text` to `name` in a new temp dir; keep the dir alive while using the path.
pub fn write_temp(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// A model-made tool call item.
pub fn call(id: &str, name: &str) -> Item {
    Item::ToolCall(ToolCall {
        call_id: id.to_string(),
        name: name.to_string(),
        arguments: "{}".to_string(),
    })
}

/// The harness's answer to call `id`.
pub fn output(id: &str, text: &str, status: ToolStatus) -> Item {
    Item::ToolOutput(ToolOutput {
        call_id: id.to_string(),
        output: text.to_string(),
        status,
        images: Vec::new(),
    })
}

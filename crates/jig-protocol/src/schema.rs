//! JSON Schema of the protocol, published as `docs/protocol.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Envelope, Event, Op, RolloutRecord};

/// Every top-level message of the protocol, for schema generation only.
#[derive(Serialize, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Protocol {
    /// Front-end → session.
    op: Op,
    /// Session → front-end.
    event: Event,
    /// Session → a front-end following many sessions.
    envelope: Envelope,
    /// One line of `rollout.jsonl`.
    rollout_record: RolloutRecord,
}

/// The JSON Schema (draft 2020-12) of [`Op`], [`Event`], [`Envelope`] and [`RolloutRecord`],
/// pretty-printed with a trailing newline.
pub fn protocol_schema() -> String {
    let schema = schemars::schema_for!(Protocol);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

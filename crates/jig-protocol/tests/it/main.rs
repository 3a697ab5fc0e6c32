//! Integration tests of the protocol's JSON shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jig_protocol::*;

/// The published schema must match the code. Regenerate with
/// `JIG_UPDATE_SCHEMA=1 cargo test -p jig-protocol`.
#[test]
fn published_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/protocol.schema.json");
    let current = schema::protocol_schema();
    if std::env::var_os("JIG_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &current).unwrap();
    }
    let published = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        published == current,
        "docs/protocol.schema.json is stale: run `JIG_UPDATE_SCHEMA=1 cargo test -p jig-protocol`"
    );
}

#[test]
fn json_shapes_are_tagged_snake_case() {
    let op = serde_json::to_string(&Op::UserInput { text: "hi".into() }).unwrap();
    assert_eq!(op, r#"{"type":"user_input","text":"hi"}"#);
    let ev = Event::TurnCompleted {
        turn_id: 1,
        outcome: TurnOutcome::MaxTurns { limit: 3 },
        last_message: None,
    };
    insta::assert_snapshot!(serde_json::to_string(&ev).unwrap(), @r#"{"type":"turn_completed","turn_id":1,"outcome":{"type":"max_turns","limit":3}}"#);
    let rec = RolloutRecord::Item {
        item: Item::ToolOutput(ToolOutput {
            call_id: "c1".into(),
            output: "ok".into(),
            status: ToolStatus::Interrupted,
            images: Vec::new(),
        }),
    };
    insta::assert_snapshot!(serde_json::to_string(&rec).unwrap(), @r#"{"type":"item","item":{"type":"tool_output","call_id":"c1","output":"ok","status":"interrupted"}}"#);
}

#[test]
fn records_round_trip() {
    let recs = vec![
        RolloutRecord::Response {
            items: vec![
                Item::assistant("looking"),
                Item::ToolCall(ToolCall {
                    call_id: "c1".into(),
                    name: "shell".into(),
                    arguments: r#"{"command":"ls"}"#.into(),
                }),
            ],
            usage: TokenUsage {
                input_tokens: 3,
                cached_input_tokens: 1,
                output_tokens: 2,
            },
        },
        RolloutRecord::Event {
            event: Event::Error { message: "x".into() },
        },
    ];
    for rec in recs {
        let text = serde_json::to_string(&rec).unwrap();
        let back: RolloutRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, rec);
    }
}

//! The replay provider, fed hand-written `rollout.jsonl` files.

use jig_model::replay::ReplayModel;
use jig_model::scripted::{ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_model::{ModelClient, ModelError, ReasoningPart, ResponseEvent};
use jig_protocol::{Event, Item, ROLLOUT_FORMAT_VERSION, RolloutRecord, SessionMeta, TokenUsage, ToolCall, ToolStatus};

use crate::support::{collect, output, text_of, write_temp};

fn line(record: &RolloutRecord) -> String {
    let mut text = serde_json::to_string(record).unwrap();
    text.push('\n');
    text
}

fn meta() -> RolloutRecord {
    RolloutRecord::SessionMeta(SessionMeta {
        session_id: "s1".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
        cwd: "/tmp/w".into(),
        model: "scripted:fix.toml".into(),
        instructions: "be brief".into(),
        dialect: None,
        parent_session_id: None,
        jig_version: "0.1.0".into(),
        format: ROLLOUT_FORMAT_VERSION,
    })
}

fn usage(input_tokens: u64, output_tokens: u64) -> TokenUsage {
    TokenUsage {
        input_tokens,
        cached_input_tokens: 0,
        output_tokens,
    }
}

fn recorded_call() -> ToolCall {
    ToolCall {
        call_id: "call_abc".into(),
        name: "search".into(),
        arguments: r#"{"pattern": "fn divide"}"#.into(),
    }
}

/// A two-response session: reasoning + text + call, then a final answer.
fn rollout() -> String {
    [
        meta(),
        RolloutRecord::Item {
            item: Item::user("fix divide"),
        },
        RolloutRecord::Response {
            items: vec![
                Item::reasoning("look first"),
                Item::assistant("Searching for the function now."),
                Item::ToolCall(recorded_call()),
            ],
            usage: usage(100, 20),
        },
        RolloutRecord::Event {
            event: Event::TurnStarted { turn_id: 1 },
        },
        RolloutRecord::Item {
            item: output("call_abc", "src/lib.rs:3", ToolStatus::Ok),
        },
        RolloutRecord::Response {
            items: vec![Item::assistant("Done.")],
            usage: usage(150, 5),
        },
    ]
    .iter()
    .map(line)
    .collect()
}

fn after_first() -> Vec<Item> {
    vec![
        Item::user("fix divide"),
        Item::reasoning("look first"),
        Item::assistant("Searching for the function now."),
        Item::ToolCall(recorded_call()),
        output("call_abc", "src/lib.rs:3", ToolStatus::Ok),
    ]
}

#[tokio::test]
async fn replays_recorded_responses_in_order() {
    let (_dir, path) = write_temp("rollout.jsonl", &rollout());
    let model = ReplayModel::from_rollout(&path).unwrap();
    assert_eq!(model.spec(), format!("replay:{}", path.display()));
    assert_eq!(model.len(), 2);

    let first = collect(&model, vec![Item::user("fix divide")]).await.unwrap();
    assert_eq!(first[0], ResponseEvent::Reasoning(ReasoningPart::text("look first")));
    assert_eq!(text_of(&first), "Searching for the function now.");
    assert_eq!(
        first[first.len() - 2..],
        [
            ResponseEvent::ToolCall(recorded_call()),
            ResponseEvent::Completed { usage: usage(100, 20) },
        ]
    );

    let second = collect(&model, after_first()).await.unwrap();
    assert_eq!(
        second,
        [
            ResponseEvent::TextDelta("Done.".into()),
            ResponseEvent::Completed { usage: usage(150, 5) },
        ]
    );
}

#[tokio::test]
async fn torn_last_line_is_skipped() {
    let mut text = rollout();
    text.push_str(r#"{"type":"response","items":[{"type":"mess"#);
    let (_dir, path) = write_temp("rollout.jsonl", &text);
    let model = ReplayModel::from_rollout(&path).unwrap();
    assert_eq!(model.len(), 2);
    let second = collect(&model, after_first()).await.unwrap();
    assert_eq!(text_of(&second), "Done.");
}

#[test]
fn damaged_line_before_the_last_is_a_load_error() {
    let mut lines: Vec<String> = rollout().lines().map(str::to_string).collect();
    lines[2] = "{\"type\":\"response\",".to_string();
    let (dir, path) = write_temp("rollout.jsonl", &lines.join("\n"));
    let err = ReplayModel::from_rollout(&path).unwrap_err();
    assert!(matches!(err, ModelError::Load { .. }), "{err:?}");
    let message = err.to_string().replace(&dir.path().display().to_string(), "[dir]");
    insta::assert_snapshot!(message, @"cannot load model script [dir]/rollout.jsonl: line 3, column 19: not a rollout record: EOF while parsing a value; the rollout is damaged before its last line, so it cannot be replayed");
}

#[test]
fn rollout_without_responses_is_a_load_error() {
    let text = [meta(), RolloutRecord::Item { item: Item::user("hi") }]
        .iter()
        .map(line)
        .collect::<String>();
    let (_dir, path) = write_temp("rollout.jsonl", &text);
    let err = ReplayModel::from_rollout(&path).unwrap_err();
    let ModelError::Load { reason, .. } = err else {
        panic!("{err:?}")
    };
    assert!(reason.starts_with("the rollout records no model response"), "{reason}");
}

#[tokio::test]
async fn replay_past_the_end_is_exhausted() {
    let (dir, path) = write_temp("rollout.jsonl", &rollout());
    let model = ReplayModel::from_rollout(&path).unwrap();
    let mut items = after_first();
    items.push(Item::assistant("Done."));
    items.push(Item::user("one more thing"));
    let err = collect(&model, items).await.unwrap_err();
    assert!(matches!(err, ModelError::Exhausted(_)), "{err:?}");
    let message = err.to_string().replace(&dir.path().display().to_string(), "[dir]");
    assert_eq!(
        message,
        "replay of [dir]/rollout.jsonl has no response #3 (the rollout recorded 2); the session \
         needed more model requests than were recorded, so it diverged from the recording"
    );
}

/// Records a scripted session the way the harness writes its rollout, then
/// checks that replaying it serves exactly the events the script did.
#[tokio::test]
async fn replay_of_a_scripted_session_serves_the_same_events() {
    let script = ScriptedModel::new(
        "roundtrip",
        vec![
            ScriptedResponse::message("Let me run the tests, then read the file.")
                .with_reasoning("tests first")
                .with_tool_call(ScriptedToolCall::new("shell", serde_json::json!({"cmd": "cargo test"})))
                .with_tool_call(ScriptedToolCall::raw("read_file", "{bad json")),
            ScriptedResponse::message("All green."),
        ],
    );
    let mut items = vec![Item::user("check it")];
    let mut records = vec![meta(), RolloutRecord::Item { item: items[0].clone() }];
    let mut served = Vec::new();
    for _ in 0..2 {
        let events = collect(&script, items.clone()).await.unwrap();
        let (response_items, usage) = as_items(&events);
        items.extend(response_items.clone());
        records.push(RolloutRecord::Response {
            items: response_items.clone(),
            usage,
        });
        for item in &response_items {
            if let Item::ToolCall(call) = item {
                let answer = output(&call.call_id, "ok", ToolStatus::Ok);
                items.push(answer.clone());
                records.push(RolloutRecord::Item { item: answer });
            }
        }
        served.push(events);
    }
    let (_dir, path) = write_temp("rollout.jsonl", &records.iter().map(line).collect::<String>());
    let replay = ReplayModel::from_rollout(&path).unwrap();
    let mut items = vec![Item::user("check it")];
    for expected in served {
        let events = collect(&replay, items.clone()).await.unwrap();
        assert_eq!(events, expected);
        let (response_items, _) = as_items(&events);
        items.extend(response_items.clone());
        // Outputs follow the whole response: interleaving them would split it in two.
        for item in &response_items {
            if let Item::ToolCall(call) = item {
                items.push(output(&call.call_id, "ok", ToolStatus::Ok));
            }
        }
    }
}

/// The items and usage a harness would record for `events`.
fn as_items(events: &[ResponseEvent]) -> (Vec<Item>, TokenUsage) {
    let mut items = Vec::new();
    let mut usage = TokenUsage::default();
    for event in events {
        match event {
            ResponseEvent::Reasoning(part) => items.push(part.clone().into_item()),
            ResponseEvent::ToolCall(call) => items.push(Item::ToolCall(call.clone())),
            ResponseEvent::Completed { usage: done } => usage = *done,
            ResponseEvent::TextDelta(_)
            | ResponseEvent::Retrying { .. }
            | ResponseEvent::Skipped { .. }
            | ResponseEvent::Model(_) => {}
        }
    }
    let text = text_of(events);
    if !text.is_empty() {
        let at = items
            .iter()
            .position(|item| matches!(item, Item::ToolCall(_)))
            .unwrap_or(items.len());
        items.insert(at, Item::assistant(text));
    }
    (items, usage)
}

//! A `jig undo` reaches the model: resume rebuilds the conversation with a
//! note naming the restored files, after the undone calls' outputs and never
//! between a call and its output.

use jig_core::resume::rebuild;
use jig_protocol::{FileState, Item, Role, RolloutRecord, SessionMeta, ToolCall, ToolOutput, ToolStatus, Undo};

fn meta() -> RolloutRecord {
    RolloutRecord::SessionMeta(SessionMeta {
        session_id: "s".into(),
        created_at: "2026-12-01T00:00:00Z".into(),
        cwd: "/tmp".into(),
        model: "scripted:x.toml".into(),
        instructions: String::new(),
        dialect: None,
        parent_session_id: None,
        jig_version: "0".into(),
        format: jig_protocol::ROLLOUT_FORMAT_VERSION,
    })
}

fn call(id: &str) -> RolloutRecord {
    RolloutRecord::Response {
        items: vec![Item::ToolCall(ToolCall {
            call_id: id.into(),
            name: "apply_patch".into(),
            arguments: "{}".into(),
        })],
        usage: Default::default(),
    }
}

fn output(id: &str) -> RolloutRecord {
    RolloutRecord::Item {
        item: Item::ToolOutput(ToolOutput {
            call_id: id.into(),
            output: "ok".into(),
            status: ToolStatus::Ok,
            images: Vec::new(),
        }),
    }
}

fn undo() -> RolloutRecord {
    RolloutRecord::Undo(Undo {
        to_call_id: "c1".into(),
        undone: vec!["c1".into()],
        restored: vec![
            FileState {
                path: "a.txt".into(),
                sha256: Some("00".into()),
            },
            FileState {
                path: "new.txt".into(),
                sha256: None,
            },
        ],
        failed: vec![],
        forced: false,
    })
}

fn notes(items: &[Item]) -> Vec<(usize, &str)> {
    items
        .iter()
        .enumerate()
        .filter_map(|(at, item)| match item {
            Item::Message { role: Role::User, text } if text.starts_with("[jig]") => Some((at, text.as_str())),
            _ => None,
        })
        .collect()
}

#[test]
fn an_undo_is_told_to_the_model_as_a_note() {
    let records = [meta(), call("c1"), output("c1"), undo()];
    let rebuilt = rebuild(std::path::Path::new("rollout.jsonl"), &records).unwrap();
    let notes = notes(&rebuilt.items);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].0, 2);
    assert_eq!(
        notes[0].1,
        "[jig] The user ran `jig undo`: files were restored to their state before tool call c1 \
         (undoing tool calls c1). Restored: a.txt, new.txt (deleted: it did not exist before). \
         Read these files again before you edit them."
    );
    assert!(rebuilt.open_turn.is_none(), "a note starts no turn");
}

#[test]
fn a_note_waits_for_the_outputs_of_waiting_calls() {
    let records = [meta(), call("c1"), undo(), output("c1")];
    let rebuilt = rebuild(std::path::Path::new("rollout.jsonl"), &records).unwrap();
    assert_eq!(
        notes(&rebuilt.items)[0].0,
        2,
        "after the output, not between call and output"
    );
}

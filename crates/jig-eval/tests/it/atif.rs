//! ATIF out and in. Real rollouts of the core suite's reference and bad
//! scripts (`fixtures/atif/rollouts/`), and one built here with what those
//! lack (approvals, a freeform patch, an interrupted call, compaction,
//! cost), grade exactly alike after export and import. A Claude Code
//! trajectory shaped as Harbor's converter writes it
//! (`harbor/agents/installed/claude_code.py`, harbor 0.26.0) is graded by
//! Claude's tools with the outcomes its run earned. Every file under
//! `fixtures/atif/invalid/` (each one Harbor's own validator refuses, see
//! `.ci/atif-check`) is refused with the JSON path at fault. A terminus-2
//! trajectory shaped as Harbor's golden files gets turns from its user
//! steps and its keystrokes graded as shell commands.

mod synthetic;

use std::path::PathBuf;

use jig_eval::atif::{self, Trajectory};
use jig_eval::traits::{TraitName, TraitOptions, TraitScore, grade};
use jig_protocol::{Event, Item, RolloutRecord, ToolCall, ToolStatus};
use serde_json::{Value, json};
use synthetic::{PATCH, synthetic};

fn dir() -> PathBuf {
    super::fixtures().join("atif")
}

/// Export, write, read back strictly, import.
fn round_trip(records: &[RolloutRecord]) -> (Trajectory, Vec<RolloutRecord>) {
    let trajectory = atif::export(records).unwrap();
    let text = serde_json::to_string_pretty(&trajectory).unwrap();
    let parsed = atif::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(parsed, trajectory);
    let imported = atif::import(&parsed);
    assert_eq!(imported.left_out, Vec::<String>::new());
    (trajectory, imported.records)
}

/// A grade with record numbers taken out of the evidence: the import
/// leaves out events that only repeat the steps, so records move.
fn comparable(scores: &[TraitScore]) -> Vec<(TraitName, bool, bool, String, Vec<String>)> {
    scores
        .iter()
        .map(|s| {
            let evidence = s.evidence.iter().map(|e| without_record_numbers(&e.what)).collect();
            (s.name, s.applicable, s.passed, format!("{:.4}", s.score), evidence)
        })
        .collect()
}

/// `record 12` → `record #`.
fn without_record_numbers(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("record ") {
        out.push_str(&rest[..at + 7]);
        rest = &rest[at + 7..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push('#');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

fn read_rollout(path: &std::path::Path) -> Vec<RolloutRecord> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn every_recorded_rollout_grades_alike_after_a_round_trip() {
    let mut rollouts: Vec<PathBuf> = std::fs::read_dir(dir().join("rollouts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rollouts.sort();
    assert!(rollouts.len() >= 6);
    let mut failed = Vec::new();
    for path in &rollouts {
        let records = read_rollout(path);
        let (_, imported) = round_trip(&records);
        let options = TraitOptions::default();
        let before = grade(&records, &options);
        let after = grade(&imported, &options);
        assert_eq!(comparable(&after), comparable(&before), "{}", path.display());
        failed.extend(before.iter().filter(|s| s.applicable && !s.passed).map(|s| s.name));
    }
    // The bad scripts fail what they are named for, so the round trip is
    // seen keeping failures as well as passes.
    for name in [
        TraitName::AskedBeforeDestructive,
        TraitName::PlanKeptCurrent,
        TraitName::UsedTrainedTools,
        TraitName::NoForbiddenCommands,
        TraitName::ReadBeforeEdit,
    ] {
        assert!(failed.contains(&name), "{name} failed in no fixture: {failed:?}");
    }
}

#[test]
fn approvals_freeform_calls_interrupts_compaction_and_cost_survive_a_round_trip() {
    let records = synthetic();
    let (trajectory, imported) = round_trip(&records);

    // What ATIF readers see.
    assert_eq!(trajectory.schema_version, "ATIF-v1.7");
    assert_eq!(trajectory.agent.name, "jig");
    assert_eq!(trajectory.agent.model_name.as_deref(), Some("openai/gpt-5-codex"));
    let steps = serde_json::to_value(&trajectory.steps).unwrap();
    assert_eq!(steps[0]["source"], "system");
    assert_eq!(steps[0]["timestamp"], "2026-12-03T07:00:00.000Z");
    let patch_step = steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tool_calls"][0]["function_name"] == "apply_patch")
        .unwrap();
    assert_eq!(patch_step["tool_calls"][0]["arguments"], json!({ "input": PATCH }));
    assert_eq!(patch_step["observation"]["results"][0]["source_call_id"], "c4");
    let final_metrics = trajectory.final_metrics.as_ref().unwrap();
    assert_eq!(final_metrics.total_prompt_tokens, Some(2800));
    assert_eq!(final_metrics.total_cached_tokens, Some(1400));
    assert_eq!(final_metrics.total_cost_usd, Some(0.05));
    assert_eq!(final_metrics.total_steps, Some(trajectory.steps.len() as u64));

    // What comes back: the calls verbatim, their outputs and statuses, the
    // approval between the call and its output, the compaction record.
    let calls = |records: &[RolloutRecord]| -> Vec<ToolCall> {
        records
            .iter()
            .flat_map(|r| match r {
                RolloutRecord::Response { items, .. } => items.clone(),
                _ => Vec::new(),
            })
            .filter_map(|i| match i {
                Item::ToolCall(call) => Some(call),
                _ => None,
            })
            .collect()
    };
    assert_eq!(calls(&imported), calls(&records));
    let outputs = |records: &[RolloutRecord]| -> Vec<RolloutRecord> {
        records
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    RolloutRecord::Item {
                        item: Item::ToolOutput(_)
                    } | RolloutRecord::Compaction { .. }
                        | RolloutRecord::Event {
                            event: Event::TurnStarted { .. }
                                | Event::TurnCompleted { .. }
                                | Event::PlanUpdated { .. }
                                | Event::ApprovalRequested { .. }
                                | Event::ApprovalDecided { .. }
                        }
                )
            })
            .cloned()
            .collect()
    };
    assert_eq!(outputs(&imported), outputs(&records));
    assert_eq!(imported[0], records[0]);

    let before = grade(&records, &TraitOptions::default());
    let after = grade(&imported, &TraitOptions::default());
    assert_eq!(comparable(&after), comparable(&before));
    let asked = after
        .iter()
        .find(|s| s.name == TraitName::AskedBeforeDestructive)
        .unwrap();
    assert!(asked.applicable && asked.passed, "{asked:?}");
}

fn grade_file(name: &str) -> (atif::Imported, Vec<TraitScore>) {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    let trajectory = atif::parse(&text).unwrap();
    let imported = atif::import(&trajectory);
    let scores = grade(&imported.records, &TraitOptions::default());
    (imported, scores)
}

fn outcome(scores: &[TraitScore], name: TraitName) -> (bool, bool, f64) {
    let s = scores.iter().find(|s| s.name == name).unwrap();
    (s.applicable, s.passed, (s.score * 100.0).round() / 100.0)
}

#[test]
fn a_claude_code_trajectory_is_graded_by_claude_code_tools() {
    let (imported, scores) = grade_file("claude-code.json");
    let RolloutRecord::SessionMeta(meta) = &imported.records[0] else {
        panic!("no session_meta");
    };
    assert_eq!(meta.dialect.as_deref(), Some("claude"));
    assert_eq!(meta.cwd, "/app");
    assert_eq!(meta.model, "claude-sonnet-4-5-20250929");
    // The pytest call failed (tool_result_is_error), the rest did not.
    let statuses: Vec<ToolStatus> = imported
        .records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item {
                item: Item::ToolOutput(o),
            } => Some(o.status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses.len(), 7);
    assert_eq!(statuses[4], ToolStatus::Error);
    assert_eq!(statuses.iter().filter(|s| **s == ToolStatus::Error).count(), 1);

    use TraitName::*;
    // Its first call (TodoWrite) came with no text.
    assert_eq!(outcome(&scores, PreambleBeforeFirstTool), (true, false, 0.0));
    assert_eq!(outcome(&scores, PlanCreated), (true, true, 1.0));
    // The todo list was never updated, and the answer ended the turn.
    assert_eq!(outcome(&scores, PlanKeptCurrent), (true, false, 0.0));
    // Read /app/textutil/slug.py before the Edit of it.
    assert_eq!(outcome(&scores, ReadBeforeEdit), (true, true, 1.0));
    // unittest ran after the Edit.
    assert_eq!(outcome(&scores, VerifiedAfterLastEdit), (true, true, 1.0));
    // grep through Bash, where Grep (or rg) is trained: Read and Edit count
    // for, grep against.
    assert_eq!(outcome(&scores, UsedTrainedTools), (true, false, 0.67));
    assert_eq!(outcome(&scores, NoForbiddenCommands), (true, true, 1.0));
    // `rm -rf /app/build` ran with no approval.
    assert_eq!(outcome(&scores, AskedBeforeDestructive), (true, false, 0.0));
    assert!(!outcome(&scores, WithinLimits).0);

    // Its cost, known only as a total, is what a cost limit judges.
    let limited = TraitOptions::default().with_limits(jig_eval::traits::Limits {
        max_cost_usd: Some(0.05),
        ..Default::default()
    });
    let scores = grade(&imported.records, &limited);
    assert_eq!(outcome(&scores, WithinLimits), (true, false, 0.0));
}

/// A terminus-2 trajectory, shaped as Harbor's golden
/// `tests/golden/terminus_2/hello-world-timeout.trajectory.json`: tmux
/// keystrokes through `bash_command`, the terminal's screen as a result that
/// names no call, `mark_task_complete` to finish.
#[test]
fn a_terminus_2_trajectory_has_turns_from_its_user_steps_and_keystrokes_as_commands() {
    let keystrokes = |id: u64, message: &str, keys: &str| {
        json!({
            "step_id": id, "source": "agent", "message": message,
            "tool_calls": [{ "tool_call_id": format!("call_{id}"), "function_name": "bash_command",
                             "arguments": { "keystrokes": keys, "duration": 0.1 } }],
            "observation": { "results": [
                { "source_call_id": format!("call_{id}"), "content": "ok" },
                { "content": "New Terminal Output:\n\nroot@CONTAINER_ID:/app# " },
            ]},
            "metrics": { "prompt_tokens": 100, "completion_tokens": 30, "cost_usd": 0.0005 },
        })
    };
    let trajectory = json!({
        "schema_version": "ATIF-v1.5",
        "session_id": "NORMALIZED_SESSION_ID",
        "agent": { "name": "terminus-2", "version": "2.0.0", "model_name": "openai/gpt-4o" },
        "steps": [
            { "step_id": 1, "source": "system", "message": "You are an agent." },
            { "step_id": 2, "source": "user", "message": "fix it" },
            keystrokes(3, "Analysis: looking.", "ls -la\n"),
            { "step_id": 4, "source": "user", "message": [
                { "type": "text", "text": "also this" },
                { "type": "image", "source": { "media_type": "image/png", "path": "shot.png" } },
            ]},
            keystrokes(5, "Analysis: checking.", "make test\n"),
            { "step_id": 6, "source": "agent", "message": "Done.",
              "tool_calls": [{ "tool_call_id": "call_6", "function_name": "mark_task_complete", "arguments": {} }] },
        ],
        "final_metrics": { "total_prompt_tokens": 200, "total_completion_tokens": 60, "total_cost_usd": 0.001 },
    });
    let parsed = atif::parse(&trajectory.to_string()).unwrap();
    let imported = atif::import(&parsed);
    let RolloutRecord::SessionMeta(meta) = &imported.records[0] else {
        panic!("no session_meta");
    };
    assert_eq!(meta.instructions, "You are an agent.");
    assert_eq!(meta.dialect, None);
    let turns: Vec<Value> = imported
        .records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Event {
                event: e @ (Event::TurnStarted { .. } | Event::TurnCompleted { .. }),
            } => Some(serde_json::to_value(e).unwrap()),
            _ => None,
        })
        .collect();
    // The first turn ended on a command: left open. The second ended with
    // mark_task_complete.
    assert_eq!(
        turns,
        vec![
            json!({ "type": "turn_started", "turn_id": 1 }),
            json!({ "type": "turn_started", "turn_id": 2 }),
            json!({ "type": "turn_completed", "turn_id": 2, "outcome": { "type": "completed" }, "last_message": "Done." }),
        ]
    );
    let calls: Vec<(String, String)> = imported
        .records
        .iter()
        .flat_map(|r| match r {
            RolloutRecord::Response { items, .. } => items.clone(),
            _ => Vec::new(),
        })
        .filter_map(|i| match i {
            Item::ToolCall(ToolCall { name, arguments, .. }) => Some((name, arguments)),
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("bash".to_string(), r#"{"command":"ls -la"}"#.to_string()),
            ("bash".to_string(), r#"{"command":"make test"}"#.to_string()),
            ("mark_task_complete".to_string(), "{}".to_string()),
        ]
    );
    let users: Vec<&RolloutRecord> = imported
        .records
        .iter()
        .filter(|r| {
            matches!(
                r,
                RolloutRecord::Item {
                    item: Item::Message { .. }
                }
            )
        })
        .collect();
    assert_eq!(
        users[1],
        &RolloutRecord::Item {
            item: Item::user("also this")
        }
    );
    assert_eq!(
        imported.left_out,
        vec![
            "2 observation results that name no call of their step (or answer one twice)".to_string(),
            "1 image or audio parts (only text is graded)".to_string(),
        ]
    );
    let scores = grade(&imported.records, &TraitOptions::default());
    assert_eq!(outcome(&scores, TraitName::PreambleBeforeFirstTool), (true, true, 1.0));
    let forbidden = scores
        .iter()
        .find(|s| s.name == TraitName::NoForbiddenCommands)
        .unwrap();
    assert_eq!(forbidden.evidence[0].what, "2 shell commands, none forbidden");
    // Nothing was edited, so there is no check to judge.
    assert!(!outcome(&scores, TraitName::VerifiedAfterLastEdit).0);
}

#[test]
fn invalid_trajectories_are_refused_naming_the_place() {
    let cases = [
        ("agent-without-version", "agent", "missing field `version`"),
        ("arguments-as-string", "steps[2].tool_calls[0]", "expected a map"),
        (
            "call-without-function-name",
            "steps[4].tool_calls[0]",
            "missing field `function_name`",
        ),
        ("no-steps", "steps", "at least one step"),
        (
            "result-names-no-call",
            "steps[3].observation.results[0].source_call_id",
            "`toolu_99`",
        ),
        ("step-ids-skip", "steps[2].step_id", "expected 3"),
        ("tool-calls-on-user-step", "steps[0].tool_calls", "only an agent step"),
        ("unknown-source", "steps[0]", "unknown variant `human`"),
        ("unknown-step-field", "steps[1]", "unknown field `role`"),
        ("unknown-version", "schema_version", "`ATIF-v2.0`"),
    ];
    let mut files: Vec<String> = std::fs::read_dir(dir().join("invalid"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string()
        })
        .collect();
    files.sort();
    assert_eq!(files, cases.iter().map(|c| c.0.to_string()).collect::<Vec<_>>());
    for (file, at, reason) in cases {
        let text = std::fs::read_to_string(dir().join("invalid").join(format!("{file}.json"))).unwrap();
        match atif::parse(&text) {
            Err(atif::AtifError::Invalid { at: got, reason: why }) => {
                assert_eq!(got, at, "{file}: {why}");
                assert!(why.contains(reason), "{file}: {why}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    for (text, expected) in [
        ("{\"schema_version\":", "not JSON"),
        ("[1, 2]", "the file: expected a JSON object, got an array"),
        (
            "{\"schema_version\": \"ATIF-v1.7\", \"agent\": {\"name\": \"a\", \"version\": \"1\"}, \"steps\": [3]}",
            "steps[0]: expected an object, got a number",
        ),
        (
            "{\"schema_version\": \"ATIF-v1.7\", \"agent\": {\"name\": \"a\", \"version\": \"1\"}, \"steps\": [{\"step_id\": 1, \"source\": \"agent\", \"message\": 7}]}",
            "steps[0]: expected a string or an array of content parts, got a number",
        ),
    ] {
        let err = atif::parse(text).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
    // Timestamps: Harbor accepts what Python's fromisoformat reads.
    let stamped = |timestamp: &str| {
        json!({ "schema_version": "ATIF-v1.7", "agent": { "name": "a", "version": "1" },
                "steps": [{ "step_id": 1, "source": "user", "message": "hi", "timestamp": timestamp }] })
        .to_string()
    };
    for good in ["2025-10-28T14:02:03.512Z", "2025-10-28", "20251028T140203"] {
        atif::parse(&stamped(good)).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    for bad in ["yesterday", "2025€10-28T14", ""] {
        let err = atif::parse(&stamped(bad)).unwrap_err().to_string();
        assert!(err.starts_with("steps[0].timestamp: "), "{err}");
    }
}

#[test]
fn a_rollout_without_session_meta_is_not_exported() {
    let err = atif::export(&[RolloutRecord::Item { item: Item::user("hi") }]).unwrap_err();
    assert!(matches!(err, atif::AtifError::NotASession), "{err}");
}

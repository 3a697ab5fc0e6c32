//! Resume from the rollout alone: unfinished turns continue, calls that never
//! ended are reported and not re-run, torn tails are tolerated, corruption
//! is reported.

use jig_core::CoreError;
use jig_core::rollout::read_rollout;
use jig_protocol::{Event, Item, RolloutRecord, ToolStatus, TurnOutcome};

use crate::support::{Fixture, run, tool_ends, until_turn_end};

const SCRIPT: &str = r#"
[[response]]
text = "Step one."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo ran >> effects.log" }
[[response]]
text = "Step two."
[[response.tool_calls]]
name = "list_dir"
arguments = {}
[[response]]
text = "All done."
"#;

fn rollout_lines(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("rollout.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// Runs SCRIPT to completion and returns the session dir.
async fn finished_session(fx: &Fixture) -> std::path::PathBuf {
    let mut handle = fx.start(SCRIPT, 10);
    let (_, outcome) = run(&mut handle, "do it").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    handle.dir.clone()
}

/// Cuts the rollout right after the first record matching `cut`.
fn cut_after(dir: &std::path::Path, cut: impl Fn(&RolloutRecord) -> bool) {
    let lines = rollout_lines(dir);
    let at = lines
        .iter()
        .position(|l| cut(&serde_json::from_str(l).unwrap()))
        .unwrap();
    std::fs::write(dir.join("rollout.jsonl"), lines[..=at].join("\n") + "\n").unwrap();
}

#[tokio::test]
async fn a_call_that_began_but_never_ended_is_reported_not_rerun() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    std::fs::write(fx.ws().join("effects.log"), "ran\n").unwrap();
    cut_after(&dir, |r| {
        matches!(
            r,
            RolloutRecord::Event {
                event: Event::ToolCallBegin { .. }
            }
        )
    });
    let before = rollout_lines(&dir);

    let session = fx.resume(&dir, SCRIPT);
    assert!(session.has_unfinished_turn());
    let mut handle = session.spawn();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    assert!(matches!(events[0], Event::SessionStarted { resumed: true, .. }));
    let ends = tool_ends(&events);
    assert_eq!(ends[0].1, ToolStatus::Interrupted);
    assert!(
        ends[0].2.starts_with("interrupted: this tool call started"),
        "{}",
        ends[0].2
    );
    assert_eq!(
        std::fs::read_to_string(fx.ws().join("effects.log")).unwrap(),
        "ran\n",
        "not re-run"
    );
    let after = rollout_lines(&dir);
    assert_eq!(after[..before.len()], before[..], "nothing recorded was lost");
}

#[tokio::test]
async fn a_call_that_never_began_is_reported_as_not_run() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    std::fs::remove_file(fx.ws().join("effects.log")).unwrap();
    cut_after(&dir, |r| matches!(r, RolloutRecord::Response { .. }));
    let mut handle = fx.resume(&dir, SCRIPT).spawn();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed);
    assert!(tool_ends(&events)[0].2.starts_with("not run:"));
    assert!(!fx.ws().join("effects.log").exists());
}

#[tokio::test]
async fn a_crash_after_the_final_answer_just_closes_the_turn() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    let lines = rollout_lines(&dir);
    let last_response = lines.iter().rposition(|l| l.contains(r#""type":"response""#)).unwrap();
    std::fs::write(dir.join("rollout.jsonl"), lines[..=last_response].join("\n") + "\n").unwrap();
    let mut handle = fx.resume(&dir, SCRIPT).spawn();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed);
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(last_message.as_deref(), Some("All done."));
}

#[tokio::test]
async fn a_torn_last_line_is_dropped_and_the_session_goes_on() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    let path = dir.join("rollout.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let clean_len = text.len();
    text.push_str(r#"{"type":"event","event":{"type":"err"#);
    std::fs::write(&path, text).unwrap();
    let loaded = read_rollout(&path).unwrap();
    assert!(loaded.torn_tail);
    assert_eq!(loaded.valid_len as usize, clean_len);

    let more = format!("{SCRIPT}\n[[response]]\ntext = \"Second turn.\"\n");
    let mut handle = fx.resume(&dir, &more).spawn();
    let (_, outcome) = run(&mut handle, "and again").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    let reread = read_rollout(&path).unwrap();
    assert!(!reread.torn_tail, "the torn bytes were cut before appending");
    let users = reread
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
        .count();
    assert_eq!(users, 2);
}

#[tokio::test]
async fn a_corrupt_line_in_the_middle_is_an_error_naming_the_line() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    let mut lines = rollout_lines(&dir);
    lines[2] = "not json".into();
    std::fs::write(dir.join("rollout.jsonl"), lines.join("\n") + "\n").unwrap();
    let err = jig_core::Session::resume(
        dir.clone(),
        &fx.config(5),
        crate::support::model(SCRIPT),
        jig_tools::ToolRouter::builtin(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, CoreError::CorruptRollout { line: 3, .. }), "{err}");
    assert!(
        err.to_string().contains("line 3 is not a valid rollout record"),
        "{err}"
    );
}

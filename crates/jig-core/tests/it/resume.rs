//! Resume from the rollout alone: unfinished turns continue, calls that never
//! ended are reported and not re-run, torn tails are tolerated, corruption
//! is reported; one writer at a time, inconsistent rollouts and unknown
//! formats are refused, and an interrupted turn can be taken up again.

use jig_core::CoreError;
use jig_core::rollout::read_rollout;
use jig_protocol::{Event, Item, Op, RolloutRecord, ToolStatus, TurnOutcome};

use crate::support::{Fixture, run, shut_down, tool_ends, until_tool_call_begins, until_turn_end};

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
    let dir = handle.dir.clone();
    shut_down(handle).await;
    dir
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

/// Resumes `dir` on SCRIPT and returns the error it must give.
fn resume_error(fx: &Fixture, dir: &std::path::Path) -> CoreError {
    jig_core::Session::resume(
        dir.to_path_buf(),
        &fx.config(5),
        crate::support::model(SCRIPT),
        jig_tools::ToolRouter::builtin(),
    )
    .err()
    .unwrap()
}

/// Writes the rollout back with line `at` repeated right after itself.
fn duplicate_line(dir: &std::path::Path, at: impl Fn(&str) -> bool) {
    let mut lines = rollout_lines(dir);
    let index = lines.iter().position(|l| at(l)).unwrap();
    lines.insert(index + 1, lines[index].clone());
    std::fs::write(dir.join("rollout.jsonl"), lines.join("\n") + "\n").unwrap();
}

#[tokio::test]
async fn a_second_writer_is_refused_naming_the_holder_until_the_first_is_gone() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    let first = fx.resume(&dir, SCRIPT);
    let err = resume_error(&fx, &dir);
    assert!(matches!(err, CoreError::SessionBusy { .. }), "{err}");
    let pid = std::process::id().to_string();
    assert!(err.to_string().contains(&format!("process {pid}")), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("lock")).unwrap().trim(), pid);
    drop(first);
    // The lock file stays behind; the lock itself went with its holder.
    assert!(dir.join("lock").exists());
    let mut handle = fx
        .resume(&dir, &format!("{SCRIPT}\n[[response]]\ntext = \"Again.\"\n"))
        .spawn();
    let (_, outcome) = run(&mut handle, "once more").await;
    assert_eq!(outcome, TurnOutcome::Completed);
}

#[tokio::test]
async fn a_turn_completed_twice_is_refused_as_inconsistent() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    duplicate_line(&dir, |l| l.contains(r#""type":"turn_completed""#));
    let err = resume_error(&fx, &dir);
    assert!(matches!(err, CoreError::InconsistentRollout { .. }), "{err}");
    assert!(err.to_string().contains("turn 1 completes a second time"), "{err}");
    assert!(err.to_string().contains("two processes"), "{err}");
}

#[tokio::test]
async fn a_call_id_given_twice_or_answered_twice_is_refused_as_inconsistent() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    let clean = rollout_lines(&dir);
    duplicate_line(&dir, |l| l.contains(r#""type":"response""#));
    let err = resume_error(&fx, &dir);
    assert!(
        err.to_string().contains("is given again while its first call waits"),
        "{err}"
    );

    std::fs::write(dir.join("rollout.jsonl"), clean.join("\n") + "\n").unwrap();
    duplicate_line(&dir, |l| l.contains(r#""type":"tool_output""#));
    let err = resume_error(&fx, &dir);
    assert!(matches!(err, CoreError::InconsistentRollout { .. }), "{err}");
    assert!(err.to_string().contains("which is not waiting for one"), "{err}");
}

#[tokio::test]
async fn a_rollout_in_an_unknown_format_is_refused_naming_both_versions() {
    let fx = Fixture::new();
    let dir = finished_session(&fx).await;
    let mut lines = rollout_lines(&dir);
    lines[0] = lines[0].replace(r#""format":1"#, r#""format":99"#);
    std::fs::write(dir.join("rollout.jsonl"), lines.join("\n") + "\n").unwrap();
    let err = resume_error(&fx, &dir);
    assert!(matches!(err, CoreError::UnsupportedFormat { found: 99, .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("format 99") && text.contains("format 1 only"), "{text}");
    assert!(jig_core::store::read_meta(&dir).is_err(), "read_meta refuses it too");
}

#[tokio::test]
async fn an_interrupted_turn_is_taken_up_again_without_a_new_prompt() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "sleep 100" }
[[response]]
text = "Picked up where I stopped."
[response.expect]
last_status = "interrupted"
"#;
    let mut handle = fx.start(script, 10);
    handle.submit(Op::UserInput { text: "start".into() });
    until_tool_call_begins(&mut handle).await;
    handle.submit(Op::Interrupt);
    let (_, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Interrupted);
    let dir = handle.dir.clone();
    shut_down(handle).await;

    let mut session = fx.resume(&dir, script);
    assert!(!session.has_unfinished_turn());
    assert_eq!(session.stopped_turn(), Some(&TurnOutcome::Interrupted));
    assert!(session.continue_stopped_turn());
    let mut handle = session.spawn();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    assert!(events.contains(&Event::TurnStarted { turn_id: 2 }), "{events:#?}");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(last_message.as_deref(), Some("Picked up where I stopped."));
}

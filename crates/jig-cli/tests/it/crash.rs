//! Crash consistency: `jig exec` is killed with SIGKILL at many points of a
//! scripted session (including mid-tool-call), then `jig resume --last`
//! finishes it — at every other point with a prompt, which then runs as a
//! turn of its own after the unfinished one. Nothing recorded
//! before the kill is lost, no completed tool call runs twice, and the
//! session completes.

use jig_protocol::{Event, Item, Role, RolloutRecord, TurnOutcome};

use crate::support::{Env, exec, markers, output_unless_hung, records, stderr};

/// The prompt given to the resumes after an odd number of records.
const PROMPT: &str = "and then this";

/// Every shell step appends a unique marker to effects.log, so a re-run shows.
const SCRIPT: &str = r#"
[[response]]
text = "Starting."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo s1 >> effects.log" }
[[response]]
[[response.tool_calls]]
name = "update_plan"
arguments = { plan = [{ step = "work", status = "in_progress" }] }
[[response]]
text = "Reading in parallel."
[[response.tool_calls]]
name = "read_file"
arguments = { path = "effects.log" }
[[response.tool_calls]]
name = "list_dir"
arguments = {}
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo s2 >> effects.log" }
[[response.tool_calls]]
name = "shell"
arguments = { command = ["bash", "-c", "echo s3 >> effects.log"] }
[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Add File: notes.txt\n+note\n*** End Patch\n" }
[[response]]
[[response.tool_calls]]
name = "search"
arguments = { pattern = "s[0-9]" }
[[response]]
text = "Last command."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo s4 >> effects.log" }
[[response]]
text = "Finished."
[[response]]
text = "Second turn."
[response.expect]
user_contains = "and then this"
"#;

#[test]
fn kill_9_at_every_record_then_resume_completes_without_loss_or_repeats() {
    // A clean run tells how many records the session writes.
    let clean = Env::new();
    let model = format!("scripted:{}", clean.file("s.toml", SCRIPT).display());
    assert!(exec(&clean, &model, None).status.success());
    let total = records(&clean.only_session().join("rollout.jsonl")).len() as u64;
    assert!(
        total >= 50,
        "want at least 50 kill points, the session writes {total} records"
    );

    let mut resumed = 0;
    for kill_after in 2..total {
        // Half the points cost no more than one resume each.
        let prompt = (kill_after % 2 == 1).then_some(PROMPT);
        let env = Env::new();
        let model = format!("scripted:{}", env.file("s.toml", SCRIPT).display());
        let out = exec(&env, &model, Some(kill_after));
        assert_eq!(out.status.code(), None, "killed by a signal at record {kill_after}");
        let rollout = env.only_session().join("rollout.jsonl");
        let before = std::fs::read_to_string(&rollout).unwrap();
        assert_eq!(
            records(&rollout).len() as u64,
            kill_after,
            "every synced record is on disk"
        );

        // Whether the task's prompt was recorded before the kill.
        let has_input = records(&rollout)
            .iter()
            .any(|r| matches!(r, RolloutRecord::Item { .. }));

        let mut resume = env.jig();
        resume.args(["resume", "--last"]).args(prompt);
        let out = output_unless_hung(resume);
        let after = std::fs::read_to_string(&rollout).unwrap();
        assert!(
            after.starts_with(&before),
            "kill at {kill_after}: recorded lines were changed"
        );
        if !has_input && prompt.is_none() {
            // Killed before the prompt was recorded: nothing to continue.
            assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
            continue;
        }
        assert!(
            out.status.success(),
            "kill at {kill_after}: resume failed\n{}",
            stderr(&out)
        );
        resumed += 1;
        let completed = records(&rollout).iter().rev().find_map(|r| match r {
            RolloutRecord::Event {
                event: Event::TurnCompleted { outcome, .. },
            } => Some(outcome.clone()),
            _ => None,
        });
        assert_eq!(completed, Some(TurnOutcome::Completed), "kill at {kill_after}");
        for (marker, count) in markers(&env.ws()) {
            assert_eq!(count, 1, "kill at {kill_after}: {marker} ran {count} times");
        }
        if has_input && prompt.is_some() {
            // The unfinished turn first, then the prompt as a turn of its own.
            assert_prompt_ran_as_its_own_turn(&records(&rollout), kill_after);
        }
    }
    assert!(resumed >= 45, "only {resumed} kill points exercised resume");
}

/// The resumed prompt was recorded after the first turn completed, and
/// both turns completed.
fn assert_prompt_ran_as_its_own_turn(records: &[RolloutRecord], kill_after: u64) {
    let prompt_at = records.iter().position(
        |r| matches!(r, RolloutRecord::Item { item: Item::Message { role: Role::User, text } } if text == PROMPT),
    );
    let ends: Vec<(usize, u64)> = records
        .iter()
        .enumerate()
        .filter_map(|(at, r)| match r {
            RolloutRecord::Event {
                event: Event::TurnCompleted { turn_id, .. },
            } => Some((at, *turn_id)),
            _ => None,
        })
        .collect();
    let [(first_end, 1), (_, 2)] = ends[..] else {
        panic!("kill at {kill_after}: want turns 1 and 2 completed, got {ends:?}");
    };
    assert!(
        prompt_at.is_some_and(|at| at > first_end),
        "kill at {kill_after}: the prompt must start turn 2, not join turn 1"
    );
}

#[test]
fn a_kill_in_the_middle_of_a_running_command_is_reported_not_rerun() {
    let env = Env::new();
    // The command itself kills jig after leaving its mark; it finds jig by
    // the PID in the session's lock (its parent may be the sandbox helper).
    let command = format!(
        "echo started >> effects.log; kill -9 $(cat '{}'/sessions/*/lock)",
        env.home().display()
    );
    let script = format!(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = {{ command = {command:?} }}\n\
         [[response]]\ntext = \"Recovered.\"\n[response.expect]\nlast_status = \"interrupted\"\n\
         last_output_contains = \"started but jig stopped\"\n"
    );
    let model = format!("scripted:{}", env.file("s.toml", &script).display());
    // The sandbox stops commands from signalling jig, so this one runs without it.
    let out = env
        .jig()
        .args([
            "exec",
            "--sandbox",
            "danger-full-access",
            "--model",
            &model,
            "do the work",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "jig was killed: {}", stderr(&out));
    let out = env.run(&["resume", "--last"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(markers(&env.ws()).get("started"), Some(&1));
}

#[test]
fn fault_injection_never_reaches_the_commands_jig_runs() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo fault=${JIG_FAULT_KILL_AFTER_RECORDS:-unset}" }
[[response]]
text = "done"
[response.expect]
last_output_contains = "fault=unset"
"#;
    let model = format!("scripted:{}", env.file("script.toml", script).display());
    // Far more records than the session writes: jig itself is never killed.
    let out = crate::support::exec(&env, &model, Some(10_000));
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
}

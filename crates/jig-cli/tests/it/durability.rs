//! Session durability beyond kill -9: a disk that fills mid-turn (a real
//! failing write: `RLIMIT_FSIZE` with `SIGXFSZ` ignored, so `write` returns
//! `EFBIG` just as a full disk returns `ENOSPC`), one writer per session,
//! the command an interrupt suggests, and rollouts that are not sessions.
//!
//! Every jig run here goes through `output_unless_hung`: the bugs these
//! tests guard against were hangs.

use std::process::{Command, Output, Stdio};

use jig_protocol::{Event, Item, Role, RolloutRecord, TurnOutcome};

use crate::support::{Env, markers, output_unless_hung, records, stderr, stdout};

/// Two steps whose outputs (16 KiB each once capped) do not fit under the
/// file-size limit, each leaving a marker first; then a final answer, and
/// the answer to a later prompt.
const BIG_STEPS: &str = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo s1 >> effects.log; head -c 20000 /dev/zero | tr '\\0' x" }
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo s2 >> effects.log; head -c 20000 /dev/zero | tr '\\0' y" }
[[response]]
text = "Finished."
[[response]]
text = "Second turn."
[response.expect]
user_contains = "and then this"
"#;

/// `jig ARGS` with a soft file-size limit of `kib` KiB and `SIGXFSZ` ignored.
fn jig_with_file_limit(env: &Env, kib: u64, args: &[&str]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!(r#"trap '' XFSZ; ulimit -S -f {kib}; exec "$0" "$@""#))
        .arg(env!("CARGO_BIN_EXE_jig"))
        .args(args)
        .env("JIG_HOME", env.home())
        .env_remove("JIG_FAULT_KILL_AFTER_RECORDS")
        .current_dir(env.ws())
        .stdin(Stdio::null());
    output_unless_hung(cmd)
}

fn run(env: &Env, args: &[&str]) -> Output {
    let mut cmd = env.jig();
    cmd.args(args);
    output_unless_hung(cmd)
}

/// The outcome of every recorded `turn_completed`, in order.
fn outcomes(env: &Env) -> Vec<TurnOutcome> {
    records(&env.only_session().join("rollout.jsonl"))
        .into_iter()
        .filter_map(|r| match r {
            RolloutRecord::Event {
                event: Event::TurnCompleted { outcome, .. },
            } => Some(outcome),
            _ => None,
        })
        .collect()
}

#[test]
fn a_disk_that_fills_mid_turn_fails_the_turn_and_a_later_resume_repeats_nothing() {
    let env = Env::new();
    let model = format!("scripted:{}", env.file("s.toml", BIG_STEPS).display());
    // Room for the session's first record and a few small ones, not for an output.
    let first_line = {
        let probe = Env::new();
        let out = run(
            &probe,
            &["exec", "-s", "danger-full-access", "--model", &model, "do the work"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(probe.only_session().join("rollout.jsonl")).unwrap();
        text.lines().next().unwrap().len() as u64
    };
    let kib = first_line / 1024 + 8;

    let exec = ["exec", "-s", "danger-full-access", "--model", &model, "do the work"];
    let out = jig_with_file_limit(&env, kib, &exec);
    assert_eq!(
        out.status.code(),
        Some(1),
        "fails, not killed or hung: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("File too large"), "{}", stderr(&out));
    assert!(stderr(&out).contains("rollout.jsonl"), "{}", stderr(&out));

    // The disk is still full: resume fails the same way instead of hanging.
    let out = jig_with_file_limit(&env, kib, &["resume", "--last", "-s", "danger-full-access"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("File too large"), "{}", stderr(&out));

    // Space again: the turn finishes, then the prompt runs as its own turn.
    let out = run(&env, &["resume", "--last", "-s", "danger-full-access", "and then this"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), "Second turn.");
    assert_eq!(outcomes(&env), [TurnOutcome::Completed, TurnOutcome::Completed]);
    for (marker, count) in markers(&env.ws()) {
        assert_eq!(count, 1, "{marker} ran {count} times");
    }
}

#[test]
fn resume_with_a_prompt_finishes_the_unfinished_turn_then_runs_the_prompt_as_a_new_turn() {
    let env = Env::new();
    let model = format!("scripted:{}", env.file("s.toml", BIG_STEPS).display());
    // Killed right after the first command's output was recorded.
    let mut cmd = env.jig();
    cmd.args(["exec", "-s", "danger-full-access", "--model", &model, "do the work"])
        .env("JIG_FAULT_KILL_AFTER_RECORDS", "7");
    let out = output_unless_hung(cmd);
    assert_eq!(out.status.code(), None, "killed: {}", stderr(&out));
    assert!(outcomes(&env).is_empty());

    let out = run(&env, &["resume", "--last", "-s", "danger-full-access", "and then this"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), "Second turn.");
    let records = records(&env.only_session().join("rollout.jsonl"));
    let first_end = records
        .iter()
        .position(|r| {
            matches!(
                r,
                RolloutRecord::Event {
                    event: Event::TurnCompleted { turn_id: 1, .. }
                }
            )
        })
        .unwrap();
    let prompt = records
        .iter()
        .position(|r| match r {
            RolloutRecord::Item {
                item: Item::Message { role: Role::User, text },
            } => text == "and then this",
            _ => false,
        })
        .unwrap();
    assert!(prompt > first_end, "the prompt is no interjection into turn 1");
    assert_eq!(outcomes(&env), [TurnOutcome::Completed, TurnOutcome::Completed]);
    for (marker, count) in markers(&env.ws()) {
        assert_eq!(count, 1, "{marker} ran {count} times");
    }
}

#[test]
fn after_an_interrupt_the_suggested_resume_command_continues_the_work() {
    let env = Env::new();
    // The command finds jig by the PID in the session's lock, waits until jig
    // handles SIGINT, then sends it as Ctrl-C would.
    let command = format!(
        "echo started >> effects.log; jig=$(cat '{home}'/sessions/*/lock); \
         until (( 0x$(awk '/SigCgt/ {{print $2}}' /proc/$jig/status) & 2 )); do sleep 0.01; done; \
         kill -INT $jig; sleep 60",
        home = env.home().display()
    );
    let script = format!(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = {{ command = {command:?} }}\n\
         [[response]]\ntext = \"Picked up again.\"\n[response.expect]\nlast_status = \"interrupted\"\n"
    );
    let model = format!("scripted:{}", env.file("s.toml", &script).display());
    // The sandbox stops commands from signalling jig, so this one runs without it.
    let out = run(
        &env,
        &["exec", "-s", "danger-full-access", "--model", &model, "do the work"],
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let hint = "run `jig resume --last` to continue";
    assert!(stderr(&out).contains(hint), "{}", stderr(&out));

    let out = run(&env, &["resume", "--last", "-s", "danger-full-access"]);
    assert!(out.status.success(), "the suggested command works: {}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), "Picked up again.");
    assert_eq!(outcomes(&env), [TurnOutcome::Interrupted, TurnOutcome::Completed]);
    assert_eq!(markers(&env.ws()).get("started"), Some(&1), "not run again");

    // A session whose last turn ended normally still needs a prompt.
    let out = run(&env, &["resume", "--last"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("give a PROMPT"), "{}", stderr(&out));
}

#[test]
fn a_second_jig_on_a_busy_session_is_refused_naming_the_first() {
    let env = Env::new();
    // The running session's own command tries to resume it.
    let command = format!(
        "JIG_HOME='{home}' '{jig}' resume --last 'x' > second.out 2>&1; echo $? > second.code",
        home = env.home().display(),
        jig = env!("CARGO_BIN_EXE_jig"),
    );
    let script = format!(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = {{ command = {command:?} }}\n\
         [[response]]\ntext = \"Done.\"\n[[response]]\ntext = \"Taken over.\"\n"
    );
    let model = format!("scripted:{}", env.file("s.toml", &script).display());
    let out = run(
        &env,
        &["exec", "-s", "danger-full-access", "--model", &model, "do the work"],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let read = |name: &str| std::fs::read_to_string(env.ws().join(name)).unwrap();
    // The holder left its PID in the lock file.
    let lock = env.only_session().join("lock");
    let first = std::fs::read_to_string(&lock).unwrap().trim().to_string();
    assert_eq!(read("second.code").trim(), "1", "{}", read("second.out"));
    let second = read("second.out");
    assert!(second.contains(&format!("is in use by process {first} (")), "{second}");
    assert!(second.contains("exec"), "names the holder's command: {second}");
    let users = records(&env.only_session().join("rollout.jsonl"))
        .into_iter()
        .filter(|r| {
            matches!(
                r,
                RolloutRecord::Item {
                    item: Item::Message { role: Role::User, .. }
                }
            )
        })
        .count();
    assert_eq!(users, 1, "the refused resume wrote nothing");

    // The holder is gone and its PID still in the lock file: taken over.
    let out = run(&env, &["resume", "--last", "again"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), "Taken over.");
}

#[test]
fn an_empty_or_unknown_format_rollout_is_an_error_not_an_empty_session() {
    let env = Env::new();
    let dir = env.home().join("sessions").join("0000-empty");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rollout.jsonl"), "").unwrap();
    let out = run(&env, &["sessions", "show", "0000-empty"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("the rollout is empty"), "{}", stderr(&out));
    let out = run(&env, &["resume", "0000-empty", "go on"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("the rollout is empty"), "{}", stderr(&out));

    let model = format!(
        "scripted:{}",
        env.file("s.toml", "[[response]]\ntext = \"Hi.\"\n").display()
    );
    assert!(run(&env, &["exec", "--model", &model, "hello"]).status.success());
    let session = env.home().join("sessions");
    let dir = std::fs::read_dir(&session)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.ends_with("0000-empty"))
        .unwrap();
    let path = dir.join("rollout.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen(r#""format":1"#, r#""format":7"#, 1);
    std::fs::write(&path, text).unwrap();
    let id = dir.file_name().unwrap().to_str().unwrap().to_string();
    for args in [
        vec!["resume", id.as_str(), "go on"],
        vec!["sessions", "show", id.as_str()],
    ] {
        let out = run(&env, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("rollout format 7") && err.contains("reads format 1 only"),
            "{err}"
        );
    }
}

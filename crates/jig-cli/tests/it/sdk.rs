//! Driving jig from a program: `jig exec --json --input-format jsonl`
//! reads Ops as JSON lines on stdin and prints events as JSON lines, so a
//! program runs a multi-turn session — prompts, an approval, an answer to a
//! question, an interjection — through the real binary.

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::process::{ChildStdout, Stdio};

use serde_json::{Value, json};

use crate::support::Env;

/// Reads events until one of type `kind` from the root session.
fn until(lines: &mut Lines<BufReader<ChildStdout>>, kind: &str, seen: &mut Vec<Value>) -> Value {
    for line in lines.by_ref() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        seen.push(event.clone());
        if event["type"] == kind {
            return event;
        }
    }
    panic!("the events ended before a {kind} event: {seen:#?}");
}

#[test]
fn a_program_drives_a_multi_turn_session_over_stdin() {
    let env = Env::new();
    let script = env.file(
        "sdk.toml",
        r#"
[[response]]
text = "First turn done."
[response.expect]
user_contains = "one"

[[response]]
text = "Making the file."
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch made.txt" }

[[response]]
[[response.tool_calls]]
name = "ask_user"
arguments = { question = "Name the release?", options = ["v1", "v2"] }

[[response]]
text = "Released as v2; noted the interjection."
[response.expect]
last_output_contains = "The user answered: v2"
"#,
    );
    let model = format!("scripted:{}", script.display());
    let mut jig = env
        .jig()
        .args([
            "exec",
            "--json",
            "--input-format",
            "jsonl",
            "--dialect",
            "generic",
            "-a",
            "untrusted",
            "--model",
            &model,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = jig.stdin.take().unwrap();
    let mut lines = BufReader::new(jig.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let mut send = |op: Value| writeln!(stdin, "{op}").unwrap();

    send(json!({"type": "user_input", "text": "one"}));
    let first = until(&mut lines, "session_started", &mut seen);
    assert_eq!(first["protocol_version"], jig_protocol::PROTOCOL_VERSION);
    let done = until(&mut lines, "turn_completed", &mut seen);
    assert_eq!(done["last_message"], "First turn done.");
    until(&mut lines, "session_idle", &mut seen);

    // A line that is no Op is reported and skipped; nothing is lost.
    send(json!({"type": "no_such_op"}));
    send(json!({"type": "user_input", "text": "two"}));
    let asked = until(&mut lines, "approval_requested", &mut seen);
    assert_eq!(asked["command"], "touch made.txt");
    send(json!({"type": "approval", "request_id": asked["request_id"], "decision": "approve"}));
    let question = until(&mut lines, "input_requested", &mut seen);
    assert_eq!(question["request"]["questions"][0]["question"], "Name the release?");
    send(json!({"type": "interject", "text": "also note the date"}));
    send(json!({
        "type": "answer",
        "request_id": question["request_id"],
        "answer": {"kind": "answers", "answers": {"answer": ["v2"]}},
    }));
    let done = until(&mut lines, "turn_completed", &mut seen);
    assert_eq!(done["outcome"]["type"], "completed");
    assert_eq!(done["last_message"], "Released as v2; noted the interjection.");
    // The end of input ends the run once the session has settled.
    drop(stdin);
    for line in lines {
        seen.push(serde_json::from_str(&line.unwrap()).unwrap());
    }
    let status = jig.wait().unwrap();
    let mut err = String::new();
    jig.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("stdin line 2 is not an op"), "{err}");
    assert!(env.ws().join("made.txt").exists());
    let turns = seen.iter().filter(|e| e["type"] == "turn_completed").count();
    assert_eq!(turns, 2, "{seen:#?}");
    let interjected = std::fs::read_to_string(env.only_session().join("rollout.jsonl")).unwrap();
    assert!(interjected.contains("also note the date"));
}

#[test]
fn jsonl_input_needs_json_output() {
    let env = Env::new();
    let out = env.run(&["exec", "--input-format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input-format jsonl needs --json"));
}

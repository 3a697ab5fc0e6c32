//! The agent asks the person mid-task (`request_user_input`,
//! `AskUserQuestion`, `ask_user`), through the real `jig` binary: answered
//! on a terminal (a pseudo-terminal), answered by a JSON line with
//! `--json`, and refused at once when nobody can answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::{Env, stderr, stdout, wait_for};

/// A codex-dialect script: asks two questions, then checks what the tool
/// returned (`expect`), so a wrong answer fails the run.
fn codex_script(env: &Env, expected: &str) -> String {
    let path = env.file(
        "ask.toml",
        &format!(
            r#"
[[response]]
text = "Two decisions are yours."
[[response.tool_calls]]
name = "request_user_input"
arguments = {{ questions = [
  {{ id = "scope", header = "Scope", question = "How far should the fix go?", options = [
    {{ label = "Minimal", description = "Only the failing function." }},
    {{ label = "Thorough", description = "Also the callers." }} ] }},
  {{ id = "tests", header = "Tests", question = "Add a regression test?", options = [
    {{ label = "Yes", description = "One test." }},
    {{ label = "No", description = "None." }} ] }} ] }}
[[response]]
text = "Going with your answers."
[response.expect]
last_output_contains = '{expected}'
"#
        ),
    );
    format!("scripted:{}", path.display())
}

#[test]
fn a_json_line_answers_the_questions() {
    let env = Env::new();
    let model = codex_script(
        &env,
        r#"{"answers":{"scope":{"answers":["Thorough"]},"tests":{"answers":["no tests please"]}}}"#,
    );
    let mut jig = env
        .jig()
        .args(["exec", "--json", "--dialect", "codex", "--model", &model, "fix it"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = jig.stdin.take().unwrap();
    let mut lines = BufReader::new(jig.stdout.take().unwrap()).lines();
    let mut events = Vec::new();
    for line in lines.by_ref() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        events.push(event.clone());
        if event["type"] == "input_requested" {
            let request = &event["request"];
            assert_eq!(request["kind"], "questions");
            assert_eq!(request["questions"][0]["id"], "scope");
            assert_eq!(request["questions"][0]["options"][1]["label"], "Thorough");
            let answer = serde_json::json!({
                "type": "answer",
                "request_id": event["request_id"],
                "answer": {"kind": "answers", "answers": {"scope": ["Thorough"], "tests": ["no tests please"]}},
            });
            writeln!(stdin, "{answer}").unwrap();
        }
    }
    drop(stdin);
    let status = jig.wait().unwrap();
    let mut err = String::new();
    jig.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(events[0]["type"], "session_started");
    assert_eq!(events[0]["protocol_version"], jig_protocol::PROTOCOL_VERSION);
    assert!(events.iter().any(|e| e["type"] == "input_answered"));
}

#[test]
fn with_nobody_to_ask_the_model_is_told_at_once() {
    let env = Env::new();
    let model = codex_script(&env, "nobody can answer questions in this session");
    // No terminal and no --json: stdin is /dev/null.
    let out = env.run(&["exec", "--dialect", "codex", "--model", &model, "fix it"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("your own answer") && !err.contains("[Scope]"),
        "nothing is asked: {err}"
    );
    assert_eq!(stdout(&out).trim(), "Going with your answers.");
}

#[test]
fn ask_user_question_answers_come_back_in_claude_codes_words() {
    let env = Env::new();
    let script = env.file(
        "claude.toml",
        r#"
[[response]]
[[response.tool_calls]]
name = "AskUserQuestion"
arguments = { questions = [ { question = "Which database?", header = "DB", multiSelect = false, options = [
  { label = "SQLite", description = "A file." }, { label = "Postgres", description = "A server." } ] } ] }
[[response]]
text = "SQLite it is."
[response.expect]
last_output_contains = 'User has answered your questions: "Which database?"="SQLite".'
"#,
    );
    let model = format!("scripted:{}", script.display());
    let mut jig = env
        .jig()
        .args(["exec", "--json", "--dialect", "claude", "--model", &model, "pick"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = jig.stdin.take().unwrap();
    for line in BufReader::new(jig.stdout.take().unwrap()).lines() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["type"] == "input_requested" {
            let answer = serde_json::json!({
                "type": "answer",
                "request_id": event["request_id"],
                "answer": {"kind": "answers", "answers": {"q1": ["SQLite"]}},
            });
            writeln!(stdin, "{answer}").unwrap();
        }
    }
    drop(stdin);
    assert_eq!(jig.wait().unwrap().code(), Some(0));
}

/// On a terminal the questions are shown with numbered options; a number
/// picks one, other text is the person's own answer.
#[test]
fn a_person_at_a_terminal_answers_by_number_and_in_their_own_words() {
    let env = Env::new();
    let model = codex_script(
        &env,
        r#"{"answers":{"scope":{"answers":["Minimal"]},"tests":{"answers":["only if cheap"]}}}"#,
    );
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let mut jig = env
        .jig()
        .args(["exec", "--dialect", "codex", "--model", &model, "fix it"])
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    let mut master = std::fs::File::from(pty.master);
    let screen = Arc::new(Mutex::new(String::new()));
    let reader = {
        let screen = Arc::clone(&screen);
        let mut master = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once jig has exited and the slave is closed.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let shown = |text: &'static str| {
        let screen = Arc::clone(&screen);
        move || screen.lock().unwrap().contains(text).then_some(())
    };
    wait_for(shown("1. Minimal — Only the failing function."));
    wait_for(shown("number, or your own answer"));
    master.write_all(b"1\n").unwrap();
    wait_for(shown("Add a regression test?"));
    master.write_all(b"only if cheap\n").unwrap();
    let mut out = String::new();
    jig.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let status = jig.wait().unwrap();
    drop(master);
    let _ = reader.join();
    let screen = screen.lock().unwrap().clone();
    assert_eq!(status.code(), Some(0), "{screen}");
    assert!(screen.contains("[Scope] How far should the fix go?"), "{screen}");
    assert_eq!(out.trim(), "Going with your answers.");
}

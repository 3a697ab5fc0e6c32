//! The simulated user through `jig eval run`, on one small task written
//! here: the scripted user answers the reference script's question, sends
//! the change after its first turn, and the interview traits and checks
//! land in the results; a model-driven user (`--user-model`, the scripted
//! provider standing in for the model) that gives away a fact nobody asked
//! about is caught by the leak guard, and `asked_about` does not credit it.
//! The whole `evals/interview` suite is in `eval_interview.rs`.

use std::path::{Path, PathBuf};

use jig_eval::interview::{CheckKind, UserRecord, Why};
use serde_json::Value;

use crate::support::{Env, stderr, stdout};

const TASK: &str = r#"
[verifier]
timeout_sec = 60.0
[agent]
timeout_sec = 120.0

[jig]
graders = ["asked_about", "question_budget", "adapted_to_change", "respected_constraint"]
reference_script = "jig/reference.toml"

[jig.user]
persona = "A terse person."
requirements = "A greeting in greeting.txt for Bob (they first say Alice), formal; seed.txt stays."
max_questions = 1

[[jig.user.facts]]
name = "who"
about = ["who", "whom"]
answer = "Greet Alice."
reveals = ["alice"]

[[jig.user.facts]]
name = "tone"
about = ["tone", "formal"]
answer = "Keep it formal."
reveals = ["formal"]
ambiguity = false

[[jig.user.changes]]
name = "bob"
after = "first_turn"
message = "Sorry, greet Bob instead."
check = "grep -q Bob /app/greeting.txt"

[[jig.user.constraints]]
name = "seed"
check = "test -f /app/seed.txt"
"#;

const REFERENCE: &str = r#"
[[response]]
text = "First: who is it for?"
[[response.tool_calls]]
name = "ask_user"
arguments = { question = "Whom should the greeting address?", options = ["Alice", "Carol"] }

[[response]]
text = "Writing it."
[response.expect]
last_output_contains = "The user answered: Alice"
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Add File: greeting.txt\n+Hello Alice\n*** End Patch\n" }

[[response]]
text = "Done: greeting.txt greets Alice."

[[response]]
text = "Switching to Bob."
[response.expect]
user_contains = "greet Bob instead"
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Update File: greeting.txt\n@@\n-Hello Alice\n+Hello Bob\n*** End Patch\n" }

[[response]]
text = "Done: greeting.txt greets Bob now."
"#;

/// A suite holding the one task.
fn suite(env: &Env) -> PathBuf {
    let task = env.dir.path().join("suite/greeting");
    let write = |rel: &str, text: &str| {
        let path = task.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("task.toml", TASK);
    write("instruction.md", "Write a greeting in /app/greeting.txt.\n");
    write(
        "environment/Dockerfile",
        "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY app/ /app/\n",
    );
    write("environment/app/seed.txt", "seed\n");
    write(
        "tests/test.sh",
        "mkdir -p /logs/verifier\nif grep -q Bob /app/greeting.txt; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n",
    );
    write("jig/reference.toml", REFERENCE);
    env.dir.path().join("suite")
}

fn run(env: &Env, extra: &[&str]) -> Value {
    let suite = suite(env);
    let mut args = vec!["eval", "run", suite.to_str().unwrap(), "--model", "reference", "--json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
}

fn traits(sample: &Value) -> Vec<(String, bool)> {
    sample["traits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["passed"].as_bool().unwrap()))
        .collect()
}

fn user_log(env: &Env, report: &Value) -> Vec<UserRecord> {
    let run = report["run_id"].as_str().unwrap();
    let path: PathBuf = env.home().join("evals").join(run).join("greeting/0/user.jsonl");
    assert!(Path::new(&path).is_file(), "{} is missing", path.display());
    jig_eval::interview::log::read(&path)
}

#[test]
fn the_scripted_user_answers_sends_the_change_and_the_interview_traits_pass() {
    let env = Env::new();
    let report = run(&env, &[]);
    let sample = &report["samples"][0];
    assert_eq!(sample["status"], "passed", "{sample}");
    assert_eq!(
        traits(sample),
        [
            ("asked_about".to_owned(), true),
            ("question_budget".to_owned(), true),
            ("respected_constraint".to_owned(), true),
            ("adapted_to_change".to_owned(), true),
        ]
    );
    let log = user_log(&env, &report);
    assert_eq!(
        log[0],
        UserRecord::Started {
            driver: "scripted".into()
        }
    );
    assert!(
        log.iter()
            .any(|r| matches!(r, UserRecord::Question { facts, answer, .. } if facts == &["who"] && answer == "Alice"))
    );
    assert!(
        log.iter()
            .any(|r| matches!(r, UserRecord::Said { why: Why::Change { name }, turn: 1, .. } if name == "bob"))
    );
    let checks: Vec<(CheckKind, bool)> = log
        .iter()
        .filter_map(|r| match r {
            UserRecord::Check { kind, passed, .. } => Some((*kind, *passed)),
            _ => None,
        })
        .collect();
    assert_eq!(checks, [(CheckKind::Constraint, true), (CheckKind::Change, true)]);
    assert!(!log.iter().any(|r| matches!(r, UserRecord::Leak { .. })));
}

#[test]
fn a_model_driven_user_that_gives_a_fact_away_is_caught_by_the_leak_guard() {
    let env = Env::new();
    let user = env.file(
        "user.toml",
        "[[response]]\ntext = \"Alice. And make it formal.\"\n[response.expect]\nuser_contains = \"Whom should the greeting address?\"\n",
    );
    let user_model = format!("scripted:{}", user.display());
    let report = run(&env, &["--user-model", &user_model]);
    let sample = &report["samples"][0];
    // The reference script still gets "Alice" and finishes the task.
    assert_eq!(sample["status"], "passed", "{sample}");
    let log = user_log(&env, &report);
    assert_eq!(
        log[0],
        UserRecord::Started {
            driver: format!("model:{user_model}")
        }
    );
    let leaks: Vec<&str> = log
        .iter()
        .filter_map(|r| match r {
            UserRecord::Leak { fact, .. } => Some(fact.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(leaks, ["tone"]);
    // The leak is flagged with the grades, where reports show it.
    let asked = &sample["traits"][0];
    assert_eq!(asked["name"], "asked_about");
    let flagged = asked["evidence"].as_array().unwrap().iter().any(|e| {
        e["what"]
            .as_str()
            .unwrap()
            .starts_with("the simulated user gave tone away unasked")
    });
    assert!(flagged, "{asked}");
    // The run keeps its user model, so a resume plays the same user.
    let shown = env.run(&["eval", "show", report["run_id"].as_str().unwrap(), "--json"]);
    let shown: Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["summary"]["run"]["user_model"], user_model.as_str(), "{shown}");
}

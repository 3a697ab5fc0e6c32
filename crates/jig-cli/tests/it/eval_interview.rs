//! `jig eval run` on the interview suite `evals/interview`, with the scripted
//! simulated user: the oracle reaches every task's final (changed) state,
//! doing nothing solves none, the reference scripts ask, build and adapt
//! with every graded trait passing, and each bad script (guesses instead of
//! asking, interrogates, ignores the change of mind, breaks a constraint)
//! fails exactly the traits its task declares with exactly its reward.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jig_eval::task::Suite;
use serde_json::Value;

use crate::support::{Env, repo_root, stderr, stdout};

/// The traits only a task with a simulated user has.
const INTERVIEW_TRAITS: [&str; 4] = [
    "asked_about",
    "question_budget",
    "adapted_to_change",
    "respected_constraint",
];

/// The kinds of bad behaviour the suite must show, each in some task.
const BAD_KINDS: [&str; 4] = ["no_questions", "interrogates", "ignores_change", "breaks_constraint"];

fn interview() -> PathBuf {
    repo_root().join("evals/interview")
}

fn suite() -> Suite {
    Suite::load(interview()).unwrap()
}

/// Runs `jig eval run ARGS --json`; returns the exit code and the report.
fn eval(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["eval", "run"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = env.run(&all);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: stdout {} stderr {}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap_or(-1), report)
}

fn samples(report: &Value) -> &Vec<Value> {
    report["samples"].as_array().expect("samples")
}

fn reward(sample: &Value) -> Option<f64> {
    match &sample["reward"] {
        Value::Number(n) => n.as_f64(),
        Value::Object(named) => named.get("reward").and_then(Value::as_f64),
        _ => None,
    }
}

/// The graded traits a sample failed.
fn missed(sample: &Value) -> BTreeSet<String> {
    sample["traits"]
        .as_array()
        .expect("traits")
        .iter()
        .filter(|t| t["applicable"] == true && t["passed"] == false)
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn every_interview_task_has_a_user_a_change_and_two_bad_scripts() {
    let suite = suite();
    assert!(suite.tasks().count() >= 8, "{} tasks", suite.tasks().count());
    let mut kinds = BTreeSet::new();
    for task in suite.tasks() {
        let name = &task.name;
        let user = task
            .config
            .jig
            .user
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no [jig.user]"));
        assert!(user.facts.iter().any(|f| f.ambiguity), "{name}: nothing to ask about");
        assert!(!user.changes.is_empty(), "{name}: no change of mind");
        let graders: BTreeSet<&str> = task.config.jig.graders.iter().map(String::as_str).collect();
        for interview_trait in ["asked_about", "question_budget", "adapted_to_change"] {
            assert!(
                graders.contains(interview_trait),
                "{name}: {interview_trait} not graded"
            );
        }
        assert_eq!(
            graders.contains("respected_constraint"),
            !user.constraints.is_empty(),
            "{name}: respected_constraint is graded exactly where there is a constraint"
        );
        assert!(
            task.config.jig.reference_script.is_some(),
            "{name}: no reference script"
        );
        assert!(
            task.config.jig.bad_scripts.len() >= 2,
            "{name}: fewer than two bad scripts"
        );
        assert!(task.solve_script.is_some(), "{name}: no solution/solve.sh");
        kinds.extend(task.config.jig.bad_scripts.keys().cloned());
    }
    for kind in BAD_KINDS {
        assert!(kinds.contains(kind), "no task has a `{kind}` bad script: {kinds:?}");
    }
    assert!(interview().join("suite.toml").is_file(), "the suite's judge rubric");
}

#[test]
fn the_oracle_reaches_every_interview_tasks_final_state() {
    let env = Env::new();
    let tasks = suite().tasks().count();
    let (code, report) = eval(&env, &[interview().to_str().unwrap(), "--agent", "oracle"]);
    assert_eq!(samples(&report).len(), tasks);
    for sample in samples(&report) {
        assert_eq!(sample["status"], "passed", "{sample}");
        assert_eq!(reward(sample), Some(1.0), "{sample}");
    }
    assert_eq!(code, 0);
}

#[test]
fn doing_nothing_solves_no_interview_task() {
    let env = Env::new();
    let tasks = suite().tasks().count();
    let (code, report) = eval(&env, &[interview().to_str().unwrap(), "--agent", "nop"]);
    assert_eq!(samples(&report).len(), tasks);
    for sample in samples(&report) {
        assert_eq!(sample["status"], "failed", "{sample}");
        assert_eq!(reward(sample), Some(0.0), "{sample}");
    }
    assert_eq!(code, 1, "a run with a failed sample exits 1");
}

#[test]
fn the_reference_scripts_ask_build_and_adapt_with_every_graded_trait() {
    let suite = suite();
    let graded: BTreeMap<String, Vec<String>> = suite
        .tasks()
        .map(|task| (task.name.clone(), task.config.jig.graders.clone()))
        .collect();
    let env = Env::new();
    let (code, report) = eval(&env, &[interview().to_str().unwrap(), "--model", "reference"]);
    assert_eq!(samples(&report).len(), graded.len());
    for sample in samples(&report) {
        let task = sample["task"].as_str().unwrap();
        assert_eq!(sample["status"], "passed", "{sample}");
        assert_eq!(missed(sample), BTreeSet::new(), "{task}: {}", sample["traits"]);
        // Each graded interview trait was judged, not passed for want of
        // anything to judge.
        let traits = sample["traits"].as_array().unwrap();
        for name in graded[task].iter().filter(|n| INTERVIEW_TRAITS.contains(&n.as_str())) {
            let found = traits
                .iter()
                .find(|t| t["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{task}: {name} not graded: {traits:?}"));
            assert_eq!(found["applicable"], true, "{task}: {found}");
            assert_eq!(found["passed"], true, "{task}: {found}");
        }
        // The user's change of mind started a later turn, and the script
        // ran to its end.
        let rollout = sample["rollout_path"].as_str().expect("a rollout is kept");
        let text = std::fs::read_to_string(rollout).unwrap();
        let turns: Vec<Value> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|record| record["event"]["type"] == "turn_completed")
            .collect();
        assert!(turns.len() >= 2, "{task}: {} turns in {rollout}", turns.len());
        let last = turns.last().unwrap();
        assert_eq!(last["event"]["outcome"]["type"], "completed", "{task}: {last}");
    }
    assert_eq!(code, 0);
}

#[test]
fn each_interview_bad_script_fails_exactly_the_traits_its_task_declares() {
    let suite = suite();
    // bad script name -> task name -> (breaks, reward)
    let mut declared: BTreeMap<String, BTreeMap<String, (BTreeSet<String>, f64)>> = BTreeMap::new();
    for task in suite.tasks() {
        for (name, bad) in &task.config.jig.bad_scripts {
            declared
                .entry(name.clone())
                .or_default()
                .insert(task.name.clone(), (bad.breaks.iter().cloned().collect(), bad.reward));
        }
    }
    let env = Env::new();
    for (name, tasks) in &declared {
        let model = format!("bad:{name}");
        let (_, report) = eval(&env, &[interview().to_str().unwrap(), "--model", &model]);
        for sample in samples(&report) {
            assert_ne!(sample["status"], "error", "bad script {name}: {sample}");
        }
        let got: BTreeMap<String, (BTreeSet<String>, f64)> = samples(&report)
            .iter()
            .map(|s| {
                let task = s["task"].as_str().unwrap().to_owned();
                (task, (missed(s), reward(s).unwrap_or_else(|| panic!("no reward: {s}"))))
            })
            .collect();
        assert_eq!(&got, tasks, "bad script {name}");
    }
}

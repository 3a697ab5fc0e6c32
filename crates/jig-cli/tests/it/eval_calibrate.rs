//! `jig eval calibrate`: the judge's agreement with human labels. The
//! shipped set (`evals/calibration/labels.jsonl`, a recorded judge's
//! answers beside a person's) gives the kappa computed by hand in
//! `evals/calibration/README.md`; a live scripted judge over a real run's
//! samples is compared the same way; a broken labels file is refused with
//! its line.

use serde_json::{Value, json};

use crate::support::{Env, repo_root, stderr, stdout};

fn json_out(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = env.run(&all);
    let value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: stdout {} stderr {}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap_or(-1), value)
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn the_shipped_labels_give_the_hand_computed_kappa() {
    let env = Env::new();
    let labels = repo_root().join("evals/calibration/labels.jsonl");
    let (code, report) = json_out(&env, &["eval", "calibrate", labels.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    let overall = &report["overall"];
    assert_eq!(overall["pairs"], 16);
    assert!(close(&overall["accuracy"], 11.0 / 16.0), "{overall}");
    assert!(close(&overall["kappa"], 81.0 / 161.0), "{overall}");
    assert_eq!(
        overall["confusion"],
        json!({"labels": [1, 3, 5], "counts": [[2, 1, 0], [1, 3, 1], [0, 2, 6]]})
    );
    let per: Vec<(String, f64)> = report["per_criterion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1]["kappa"].as_f64().unwrap()))
        .collect();
    assert_eq!(per.len(), 2);
    assert_eq!(per[0].0, "communication");
    assert!((per[0].1 - 1.0 / 3.0).abs() < 1e-9, "{per:?}");
    assert_eq!(per[1].0, "process");
    assert!((per[1].1 - 7.0 / 13.0).abs() < 1e-9, "{per:?}");
    let disagreements = report["disagreements"].as_array().unwrap();
    assert_eq!(disagreements.len(), 5);
    assert!(
        disagreements.iter().any(
            |d| d["subject"].as_str().unwrap().ends_with("js-semver-sort.greps.jsonl")
                && d["human"] == 3
                && d["judge"] == 1
                && d["rationale"].as_str().unwrap().contains("grep")
        ),
        "{disagreements:?}"
    );
}

#[test]
fn a_live_judge_is_compared_with_labels_on_a_runs_samples() {
    let env = Env::new();
    let core = repo_root().join("evals/core");
    let (_, run) = json_out(
        &env,
        &[
            "eval",
            "run",
            core.to_str().unwrap(),
            "--filter",
            "py-fix-*",
            "--model",
            "reference",
        ],
    );
    let run_id = run["run_id"].as_str().unwrap();
    let tasks: Vec<String> = run["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task"].as_str().unwrap().to_owned())
        .collect();
    assert!(tasks.len() >= 3);
    // The judge gives every sample process 4; the person says 4 for the
    // first task and 2 for the others.
    let judge = env.file(
        "judge.json",
        &json!({"responses": [{"text": json!({
            "scores": {"process": 4, "communication": 5, "task_rubric": 4},
            "rationale": "read before the edit, tested after it",
            "cited": [2],
        }).to_string()}]})
        .to_string(),
    );
    let lines: Vec<String> = tasks
        .iter()
        .enumerate()
        .map(|(i, task)| {
            json!({"run": &run_id[..13], "task": task, "sample": 0, "criterion": "process", "label": if i == 0 { 4 } else { 2 }})
                .to_string()
        })
        .collect();
    let labels = env.file("labels.jsonl", &(lines.join("\n") + "\n"));
    let (code, report) = json_out(
        &env,
        &[
            "eval",
            "calibrate",
            labels.to_str().unwrap(),
            "--judge",
            &format!("scripted:{}", judge.display()),
        ],
    );
    assert_eq!(code, 0, "{report}");
    let n = tasks.len() as f64;
    assert_eq!(report["overall"]["pairs"], tasks.len());
    assert!(close(&report["overall"]["accuracy"], 1.0 / n), "{report}");
    // Every judge score is 4: chance agreement equals the observed one, so
    // kappa is 0.
    assert!(close(&report["overall"]["kappa"], 0.0), "{report}");
    let disagreements = report["disagreements"].as_array().unwrap();
    assert_eq!(disagreements.len(), tasks.len() - 1);
    assert_eq!(disagreements[0]["rationale"], "read before the edit, tested after it");
}

#[test]
fn a_broken_labels_file_is_refused_with_its_line() {
    let env = Env::new();
    let labels = env.file(
        "labels.jsonl",
        "{\"rollout\": \"a.jsonl\", \"criterion\": \"process\", \"label\": 3, \"judge_label\": 3}\n{\"criterion\": \"process\", \"label\": 2}\n",
    );
    let out = env.run(&["eval", "calibrate", labels.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("labels.jsonl:2: a label names either a run's sample"),
        "{}",
        stderr(&out)
    );
}

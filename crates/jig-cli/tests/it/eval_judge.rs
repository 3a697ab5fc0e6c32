//! The LLM judge end to end: `jig eval run --judge` and `jig eval judge`
//! with a scripted judge over real runs of `evals/core` tasks. Each judge
//! script's `expect` guard checks the rendered trajectory the judge was
//! sent (a read for the good run, the blind patch and the workspace diff
//! for the bad one), so a judge that was shown the wrong thing fails the
//! test. A malformed answer is asked again once; a second one leaves the
//! sample `ungraded` with the reason, and the run goes on.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::{Env, repo_root, stderr, stdout};

fn core() -> String {
    repo_root().join("evals/core").display().to_string()
}

/// Runs `jig ARGS --json`; returns the exit code and the JSON report.
fn json(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = env.run(&all);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: stdout {} stderr {}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap_or(-1), report)
}

/// A judge script: each response is `(text, user_contains)`.
fn judge_script(env: &Env, name: &str, responses: &[(String, Option<&str>)]) -> PathBuf {
    let responses: Vec<Value> = responses
        .iter()
        .map(|(text, guard)| match guard {
            Some(needle) => json!({"text": text, "expect": {"user_contains": needle}}),
            None => json!({"text": text}),
        })
        .collect();
    env.file(name, &json!({ "responses": responses }).to_string())
}

fn answer(process: i64, communication: i64, task: i64, cited: &[u64]) -> String {
    json!({
        "scores": {"process": process, "communication": communication, "task_rubric": task},
        "rationale": format!("process {process}, communication {communication}"),
        "cited": cited,
    })
    .to_string()
}

fn judgement(sample: &Value) -> &Value {
    &sample["judgement"]
}

fn scores(sample: &Value) -> Vec<(String, i64)> {
    judgement(sample)["scores"]
        .as_array()
        .unwrap_or_else(|| panic!("no scores: {sample}"))
        .iter()
        .map(|s| {
            (
                s["criterion"].as_str().unwrap().to_owned(),
                s["score"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_good_and_a_bad_trajectory_get_the_scores_their_judges_gave() {
    let env = Env::new();
    // The good run reads lru.py before patching it; its judge is only
    // answered when the trajectory it is shown has that read.
    let good = judge_script(
        &env,
        "good-judge.json",
        &[(answer(5, 5, 4, &[2]), Some("tool call read_file"))],
    );
    let spec = format!("scripted:{}", good.display());
    let (code, report) = json(
        &env,
        &[
            "eval",
            "run",
            &core(),
            "--filter",
            "py-fix-lru-cache",
            "--model",
            "reference",
            "--judge",
            &spec,
        ],
    );
    assert_eq!(code, 0, "{report}");
    let sample = &report["samples"][0];
    assert_eq!(judgement(sample)["status"], "graded", "{sample}");
    assert_eq!(
        scores(sample),
        [
            ("process".to_owned(), 5),
            ("communication".to_owned(), 5),
            ("task_rubric".to_owned(), 4)
        ]
    );
    assert_eq!(judgement(sample)["cited"], json!([2]));
    assert_eq!(judgement(sample)["judge"], spec);
    // The judge's tokens are its own, not the agent's.
    let judge_tokens = judgement(sample)["usage"]["input_tokens"].as_u64().unwrap();
    assert!(judge_tokens > 0);
    assert_ne!(sample["usage"]["input_tokens"].as_u64().unwrap(), 0);
    let summary = &report["summary"]["judge"];
    assert_eq!(summary["graded"], 1);
    assert_eq!(summary["usage"]["input_tokens"].as_u64().unwrap(), judge_tokens);
    // The workspace's final diff was kept with the sample.
    let diff = sample["workspace_diff"].as_str().expect("a diff");
    assert!(diff.contains("diff --git a/app/lru.py b/app/lru.py"), "{diff}");
    assert!(diff.contains("+            self._entries.move_to_end(key)"), "{diff}");

    // The bad run patches from memory; its judge is only answered when it
    // is shown the workspace's diff.
    let bad = judge_script(
        &env,
        "bad-judge.json",
        &[(
            answer(1, 3, 3, &[4]),
            Some("## Final diff of the workspace\ndiff --git a/app/lru.py b/app/lru.py"),
        )],
    );
    let (code, report) = json(
        &env,
        &[
            "eval",
            "run",
            &core(),
            "--filter",
            "py-fix-lru-cache",
            "--model",
            "bad:edits_blind",
            "--judge",
            &format!("scripted:{}", bad.display()),
        ],
    );
    assert_eq!(code, 0, "the blind patch still passes the verifier: {report}");
    let sample = &report["samples"][0];
    assert_eq!(
        scores(sample),
        [
            ("process".to_owned(), 1),
            ("communication".to_owned(), 3),
            ("task_rubric".to_owned(), 3)
        ]
    );
}

#[test]
fn a_malformed_answer_is_asked_again_and_a_second_one_leaves_the_sample_ungraded() {
    let env = Env::new();
    let refusing = judge_script(
        &env,
        "refusing-judge.json",
        &[
            ("I'm sorry, I can't grade this.".to_owned(), None),
            (
                json!({"scores": {"process": 9}}).to_string(),
                Some("That answer cannot be used"),
            ),
        ],
    );
    let (code, report) = json(
        &env,
        &[
            "eval",
            "run",
            &core(),
            "--filter",
            "py-fix-*",
            "--model",
            "reference",
            "--judge",
            &format!("scripted:{}", refusing.display()),
        ],
    );
    let samples = report["samples"].as_array().unwrap();
    assert!(samples.len() >= 3, "every py-fix task ran: {report}");
    assert_eq!(code, 0, "the judge's failure is not the sample's: {report}");
    for sample in samples {
        assert_eq!(sample["status"], "passed", "{sample}");
        let judgement = judgement(sample);
        assert_eq!(judgement["status"], "ungraded", "{sample}");
        let reason = judgement["reason"].as_str().unwrap();
        assert!(reason.contains("not a JSON object"), "{reason}");
        assert!(
            reason.contains("asked again: the score for `process` is 9, outside its scale 1–5"),
            "{reason}"
        );
    }
    assert_eq!(report["summary"]["judge"]["ungraded"], samples.len());

    // A first answer citing a record the judge was never shown is refused,
    // and the corrected second answer stands.
    let corrected = judge_script(
        &env,
        "corrected-judge.json",
        &[
            (answer(4, 4, 4, &[99_999]), None),
            (
                answer(4, 5, 4, &[2]),
                Some("record 99999, which is not in the trajectory shown"),
            ),
        ],
    );
    let run_id = report["run_id"].as_str().unwrap();
    let (code, rejudged) = json(
        &env,
        &[
            "eval",
            "judge",
            run_id,
            "--judge",
            &format!("scripted:{}", corrected.display()),
        ],
    );
    assert_eq!(code, 0, "{rejudged}");
    assert_eq!(rejudged["judged"], samples.len());
    assert_eq!(rejudged["judge"]["graded"], samples.len());
    let (_, shown) = json(&env, &["eval", "show", run_id]);
    for sample in shown["samples"].as_array().unwrap() {
        assert_eq!(judgement(sample)["status"], "graded", "{sample}");
        assert_eq!(scores(sample)[1], ("communication".to_owned(), 5));
    }
}

#[test]
fn a_broken_suite_rubric_stops_the_run_before_anything_runs() {
    let env = Env::new();
    let suite = env.ws().join("suite");
    crate::support::copy_dir(
        &repo_root().join("evals/core/py-fix-slugify"),
        &suite.join("py-fix-slugify"),
    );
    std::fs::write(
        suite.join("suite.toml"),
        "[[rubric]]\nname = \"Bad Name\"\ndescription = \"x\"\n",
    )
    .unwrap();
    let judge = judge_script(&env, "judge.json", &[(answer(1, 1, 1, &[]), None)]);
    let out = env.run(&[
        "eval",
        "run",
        suite.to_str().unwrap(),
        "--model",
        "reference",
        "--judge",
        &format!("scripted:{}", judge.display()),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("rubric criterion `Bad Name`"), "{}", stderr(&out));
    let (_, runs) = json(&env, &["eval", "list"]);
    assert_eq!(runs, json!([]), "no run was started");
}

//! `jig eval export --format atif` and `jig eval import-trajectory` with
//! the real binary: a real run of the core suite's `py-fix-slugify` with
//! its reference script is exported, the file passes jig's strict ATIF
//! reader (Harbor's own validator checks the same export in
//! `.ci/atif-check`), and importing it back grades every trait as the run
//! did; a two-step sample exports one trajectory per step. A Claude Code
//! trajectory (jig-eval's fixture) is graded with the outcomes its run
//! earned; an unknown format and a malformed file are errors that say what
//! is wrong.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Env, repo_root, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("crates/jig-eval/tests/fixtures/atif").join(name)
}

/// Runs the slugify task with its reference script; returns the run's
/// JSON report.
fn slugify_run(env: &Env) -> Value {
    let core = repo_root().join("evals/core");
    let out = env.run(&[
        "eval",
        "run",
        core.to_str().unwrap(),
        "--filter",
        "py-fix-slugify",
        "--model",
        "reference",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn import_json(env: &Env, file: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["eval", "import-trajectory", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    let report = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap_or(-1), report)
}

/// `name → (applicable, passed, score)` of a report's traits.
fn traits(report: &Value) -> Vec<(String, bool, bool, String)> {
    report["traits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["applicable"].as_bool().unwrap(),
                t["passed"].as_bool().unwrap(),
                format!("{:.2}", t["score"].as_f64().unwrap()),
            )
        })
        .collect()
}

#[test]
fn an_exported_run_reads_back_and_grades_as_the_run_did() {
    let env = Env::new();
    let run = slugify_run(&env);
    let run_id = run["run_id"].as_str().unwrap();
    let dir = env.dir.path().join("atif");
    let out = env.run(&[
        "eval",
        "export",
        &run_id[..8],
        "--format",
        "atif",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("wrote 1 ATIF-v1.7 trajectories of run"),
        "{}",
        stdout(&out)
    );

    let file = dir.join("jig-py-fix-slugify-0.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let trajectory = jig_eval::atif::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(trajectory.schema_version, "ATIF-v1.7");
    assert_eq!(trajectory.agent.name, "jig");
    let raw: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(raw["extra"]["jig"]["eval"]["run_id"], run_id);
    assert_eq!(raw["extra"]["jig"]["eval"]["status"], "passed");
    assert_eq!(raw["extra"]["jig"]["eval"]["reward"]["reward"], 1.0);
    let sample = &run["samples"][0];
    let usage = &sample["usage"];
    assert_eq!(raw["final_metrics"]["total_prompt_tokens"], usage["input_tokens"]);
    assert_eq!(raw["final_metrics"]["total_completion_tokens"], usage["output_tokens"]);

    // The run graded the traits its task names; the import grades them all,
    // and those agree. (The reference script makes no plan, which the task
    // does not ask for and the import, grading every trait, fails: exit 1.)
    let (code, report) = import_json(&env, &file, &[]);
    assert_eq!(report["dialect"], "generic");
    assert_eq!(report["agent"]["name"], "jig");
    let imported = traits(&report);
    let graded = traits(sample);
    assert!(graded.len() >= 5, "{graded:?}");
    for trait_ in &graded {
        assert!(imported.contains(trait_), "{trait_:?} not in {imported:?}");
    }
    let failed: Vec<&str> = imported
        .iter()
        .filter(|(_, applicable, passed, _)| *applicable && !passed)
        .map(|t| t.0.as_str())
        .collect();
    assert_eq!(failed, ["plan_created"]);
    assert_eq!(code, 1);

    // And every trait agrees with `jig eval traits` on the original rollout.
    let session = Path::new(sample["rollout_path"].as_str().unwrap()).parent().unwrap();
    let out = env.run(&["eval", "traits", session.to_str().unwrap(), "--json"]);
    let original: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(imported, traits(&original));
    assert_eq!(report["session_id"], original["session_id"]);
}

#[test]
fn another_agents_trajectory_is_graded_with_its_dialect() {
    let env = Env::new();
    let file = fixture("claude-code.json");
    let (code, report) = import_json(&env, &file, &[]);
    assert_eq!(report["dialect"], "claude");
    let failed: Vec<String> = traits(&report)
        .into_iter()
        .filter(|(_, applicable, passed, _)| *applicable && !passed)
        .map(|(name, ..)| name)
        .collect();
    assert_eq!(
        failed,
        [
            "preamble_before_first_tool",
            "plan_kept_current",
            "used_trained_tools",
            "asked_before_destructive"
        ]
    );
    assert_eq!(code, 1, "a failed trait exits 1");

    // --dialect overrides what the agent's name implies.
    let (_, generic) = import_json(&env, &file, &["--dialect", "generic"]);
    assert_eq!(generic["dialect"], "generic");
    let trained = generic["traits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "used_trained_tools")
        .unwrap();
    assert_eq!(
        trained["evidence"][0]["what"], "2 of 3 calls used the generic dialect's trained tools",
        "{trained}"
    );

    let out = env.run(&["eval", "import-trajectory", file.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.starts_with("ATIF-v1.7 trajectory of claude-code 2.0.28, 9 steps\n"),
        "{text}"
    );
    assert!(text.contains("✗ asked_before_destructive"), "{text}");
    assert!(
        text.contains("`rm -rf /app/build` ran without an approval request"),
        "{text}"
    );
}

#[test]
fn a_sample_whose_rollout_is_gone_is_reported_and_export_exits_1() {
    let env = Env::new();
    let run = slugify_run(&env);
    let rollout = run["samples"][0]["rollout_path"].as_str().unwrap();
    std::fs::remove_file(rollout).unwrap();
    let dir = env.dir.path().join("atif");
    let out = env.run(&[
        "eval",
        "export",
        run["run_id"].as_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: cannot export jig/py-fix-slugify sample 0: cannot read the rollout "),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("wrote 0 ATIF-v1.7 trajectories"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_input_is_an_error_that_says_what_is_wrong() {
    let env = Env::new();
    let out = env.run(&["eval", "export", "0000", "--format", "csv", "-o", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: unknown export format `csv`; known formats: atif\n"
    );

    let file = fixture("invalid/call-without-function-name.json");
    let out = env.run(&["eval", "import-trajectory", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).ends_with(
            "call-without-function-name.json is not a valid ATIF trajectory: steps[4].tool_calls[0]: missing field `function_name`\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");

    let empty = env.file("empty.json", "");
    let out = env.run(&["eval", "import-trajectory", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a valid ATIF trajectory: not JSON"),
        "{}",
        stderr(&out)
    );
}

/// A two-step task the jig agent solves with one script, played once per
/// step (each step is its own session).
fn two_step_task(dir: &Path) {
    let files: &[(&str, &str)] = &[
        (
            "task.toml",
            "[[steps]]\nname = \"one\"\n[[steps]]\nname = \"two\"\n\n[jig]\nreference_script = \"jig/reference.toml\"\n",
        ),
        ("environment/Dockerfile", "FROM debian:bookworm-slim\nWORKDIR /app\n"),
        (
            "jig/reference.toml",
            "[[response]]\ntext = \"Writing both files.\"\n[[response.tool_calls]]\nname = \"shell\"\narguments = { command = [\"bash\", \"-lc\", \"echo 1 > /app/one.txt; echo 2 > /app/two.txt\"] }\n\n[[response]]\ntext = \"Done.\"\n",
        ),
        ("steps/one/instruction.md", "Write /app/one.txt.\n"),
        (
            "steps/one/tests/test.sh",
            "mkdir -p /logs/verifier; [ -f /app/one.txt ] && echo 1 > /logs/verifier/reward.txt || echo 0 > /logs/verifier/reward.txt\n",
        ),
        ("steps/two/instruction.md", "Write /app/two.txt.\n"),
        (
            "steps/two/tests/test.sh",
            "mkdir -p /logs/verifier; [ -f /app/two.txt ] && echo 1 > /logs/verifier/reward.txt || echo 0 > /logs/verifier/reward.txt\n",
        ),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn a_multi_step_sample_exports_one_trajectory_per_step() {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    two_step_task(&suite.join("steps-task"));
    let out = env.run(&["eval", "run", suite.to_str().unwrap(), "--model", "reference", "--json"]);
    let run: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(run["samples"][0]["status"], "passed", "{run}");
    let dir = env.dir.path().join("atif");
    let out = env.run(&[
        "eval",
        "export",
        run["run_id"].as_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["steps-task-0-step1.json", "steps-task-0-step2.json"]);
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        jig_eval::atif::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let raw: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(raw["extra"]["jig"]["eval"]["step"], i + 1);
        assert_eq!(raw["extra"]["jig"]["eval"]["steps"], 2);
        let user = raw["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "user")
            .unwrap();
        let expected = ["Write /app/one.txt.", "Write /app/two.txt."][i];
        assert!(user["message"].as_str().unwrap().contains(expected), "{user}");
    }
}

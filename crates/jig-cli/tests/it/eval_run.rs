//! `jig eval run` on the built-in suite `evals/core` and on small broken
//! suites: the oracle solves every task, doing nothing solves none, the
//! reference scripts solve every task with every graded trait, each bad
//! script fails exactly what its task declares; a broken task is one
//! sample's error while the run goes on; a run killed with `kill -9`
//! finishes with `--resume` without running a finished sample again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use jig_eval::task::Suite;
use serde_json::Value;

use crate::support::{Env, repo_root, stderr, stdout};

fn core() -> PathBuf {
    repo_root().join("evals/core")
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

fn missed(sample: &Value) -> BTreeSet<String> {
    sample["traits"]
        .as_array()
        .expect("traits")
        .iter()
        .filter(|t| t["applicable"] == true && t["passed"] == false)
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect()
}

/// The last tool outputs and the failure of a sample's rollout, for the
/// message of an assertion about it (what the agent saw before it stopped).
fn last_outputs(sample: &Value) -> String {
    let Some(text) = sample["rollout_path"]
        .as_str()
        .and_then(|p| std::fs::read_to_string(p).ok())
    else {
        return "(no rollout)".to_owned();
    };
    let records: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let shown: Vec<String> = records
        .iter()
        .filter(|r| r["item"]["type"] == "tool_output" || r["event"]["type"] == "turn_completed")
        .map(|r| {
            if r["item"].is_null() {
                r["event"].to_string()
            } else {
                r["item"].to_string()
            }
        })
        .collect();
    shown[shown.len().saturating_sub(3)..].join("\n")
}

fn core_tasks() -> usize {
    Suite::load(core()).unwrap().tasks().count()
}

#[test]
fn the_oracle_solves_every_core_task() {
    let env = Env::new();
    let (code, report) = eval(&env, &[core().to_str().unwrap(), "--agent", "oracle"]);
    assert_eq!(samples(&report).len(), core_tasks());
    assert!(core_tasks() >= 24);
    for sample in samples(&report) {
        assert_eq!(sample["status"], "passed", "{sample}");
        assert_eq!(reward(sample), Some(1.0), "{sample}");
    }
    assert_eq!(code, 0);
}

#[test]
fn doing_nothing_solves_no_core_task() {
    let env = Env::new();
    let (code, report) = eval(&env, &[core().to_str().unwrap(), "--agent", "nop"]);
    assert_eq!(samples(&report).len(), core_tasks());
    for sample in samples(&report) {
        assert_eq!(sample["status"], "failed", "{sample}");
        assert_eq!(reward(sample), Some(0.0), "{sample}");
    }
    assert_eq!(code, 1, "a run with a failed sample exits 1");
}

#[test]
fn the_reference_scripts_solve_every_core_task_with_every_graded_trait() {
    let env = Env::new();
    let (code, report) = eval(&env, &[core().to_str().unwrap(), "--model", "reference"]);
    assert_eq!(samples(&report).len(), core_tasks());
    for sample in samples(&report) {
        assert_eq!(sample["status"], "passed", "{sample}\n{}", last_outputs(sample));
        assert_eq!(missed(sample), BTreeSet::new(), "{}", sample["task"]);
        assert!(!sample["traits"].as_array().unwrap().is_empty(), "{sample}");
        assert!(sample["usage"]["output_tokens"].as_u64().unwrap() > 0, "{sample}");
        let rollout = sample["rollout_path"].as_str().expect("a rollout is kept");
        // The verifier checks files; the script must also have run to its end.
        let text = std::fs::read_to_string(rollout).unwrap();
        let last_turn = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .rfind(|record| record["event"]["type"] == "turn_completed")
            .unwrap_or_else(|| panic!("no turn ended in {rollout}"));
        assert_eq!(
            last_turn["event"]["outcome"]["type"], "completed",
            "{}: {last_turn}",
            sample["task"]
        );
    }
    assert_eq!(code, 0);
    // Grading again from the stored rollouts changes nothing.
    let run = report["run_id"].as_str().unwrap();
    let out = env.run(&["eval", "regrade", run]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("re-graded {} samples", core_tasks())),
        "{}",
        stdout(&out)
    );
    let shown = env.run(&["eval", "show", run, "--json"]);
    let shown: Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["samples"], report["samples"]);
}

#[test]
fn each_bad_script_fails_exactly_the_traits_its_task_declares() {
    let suite = Suite::load(core()).unwrap();
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
    assert!(declared.len() >= 6, "{declared:?}");
    let env = Env::new();
    for (name, tasks) in &declared {
        let model = format!("bad:{name}");
        let (_, report) = eval(&env, &[core().to_str().unwrap(), "--model", &model]);
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

/// A task directory written from parts.
fn task(dir: &Path, toml: &str, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir.join("environment")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::create_dir_all(dir.join("solution")).unwrap();
    std::fs::write(dir.join("task.toml"), toml).unwrap();
    std::fs::write(dir.join("instruction.md"), "Write done.txt in /app.\n").unwrap();
    std::fs::write(
        dir.join("environment/Dockerfile"),
        "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY seed.txt ./\n",
    )
    .unwrap();
    std::fs::write(dir.join("environment/seed.txt"), "seed\n").unwrap();
    std::fs::write(
        dir.join("tests/test.sh"),
        "mkdir -p /logs/verifier\nif [ -f /app/done.txt ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n",
    )
    .unwrap();
    std::fs::write(dir.join("solution/solve.sh"), "echo done > /app/done.txt\n").unwrap();
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const TOML: &str = "[verifier]\ntimeout_sec = 60.0\n[agent]\ntimeout_sec = 60.0\n";

#[test]
fn a_broken_task_is_one_samples_error_and_the_run_goes_on() {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    task(&suite.join("a-good"), TOML, &[]);
    task(&suite.join("b-bad-toml"), "[verifier\ntimeout_sec = 1\n", &[]);
    task(&suite.join("c-no-instruction"), TOML, &[]);
    std::fs::remove_file(suite.join("c-no-instruction/instruction.md")).unwrap();
    task(&suite.join("d-no-reward"), TOML, &[("tests/test.sh", "echo checked\n")]);
    task(
        &suite.join("e-garbage-reward"),
        TOML,
        &[(
            "tests/test.sh",
            "mkdir -p /logs/verifier; echo lots > /logs/verifier/reward.txt\n",
        )],
    );
    task(
        &suite.join("f-verifier-timeout"),
        "[verifier]\ntimeout_sec = 0.5\n",
        &[("tests/test.sh", "while :; do :; done\n")],
    );
    task(
        &suite.join("g-agent-timeout"),
        "[agent]\ntimeout_sec = 0.5\n",
        &[("solution/solve.sh", "while :; do :; done\n")],
    );
    task(
        &suite.join("h-needs-container"),
        TOML,
        &[(
            "environment/Dockerfile",
            "FROM python:3.13-slim\nWORKDIR /app\nRUN pip install numpy\n",
        )],
    );
    let (code, report) = eval(&env, &[suite.to_str().unwrap(), "--agent", "oracle"]);
    assert_eq!(code, 1);
    let by_task: BTreeMap<String, &Value> = samples(&report)
        .iter()
        .map(|s| (s["task"].as_str().unwrap().to_owned(), s))
        .collect();
    assert_eq!(by_task.len(), 8, "{by_task:?}");
    let reason = |task: &str| {
        let sample = by_task
            .get(task)
            .unwrap_or_else(|| panic!("{task} missing: {by_task:?}"));
        assert_eq!(sample["status"], "error", "{sample}");
        sample["reason"].as_str().unwrap().to_owned()
    };
    assert_eq!(by_task["a-good"]["status"], "passed");
    assert!(reason("b-bad-toml").contains("task.toml"), "{}", reason("b-bad-toml"));
    assert!(
        reason("c-no-instruction").contains("instruction.md"),
        "{}",
        reason("c-no-instruction")
    );
    assert!(
        reason("d-no-reward").contains("reward.txt"),
        "{}",
        reason("d-no-reward")
    );
    assert!(
        reason("e-garbage-reward").contains("lots"),
        "{}",
        reason("e-garbage-reward")
    );
    assert!(
        reason("f-verifier-timeout").contains("verifier ran past"),
        "{}",
        reason("f-verifier-timeout")
    );
    assert!(
        reason("g-agent-timeout").contains("agent ran past"),
        "{}",
        reason("g-agent-timeout")
    );
    let container = by_task["h-needs-container"];
    assert_eq!(container["status"], "needs_container", "{container}");
    assert_eq!(container["line"], 3, "{container}");
    assert!(
        container["text"].as_str().unwrap().contains("RUN pip install numpy"),
        "{container}"
    );
}

#[test]
fn a_run_killed_mid_way_finishes_with_resume_and_runs_no_finished_sample_again() {
    stopped_then_resumed(nix::sys::signal::Signal::SIGKILL);
}

#[test]
fn ctrl_c_stops_a_run_cleanly_and_resume_finishes_it() {
    stopped_then_resumed(nix::sys::signal::Signal::SIGINT);
}

/// Stops a run with `signal` while its third sample blocks, then resumes it.
fn stopped_then_resumed(signal: nix::sys::signal::Signal) {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    task(&suite.join("a-quick"), TOML, &[]);
    task(&suite.join("b-quick"), TOML, &[]);
    // The gate is a file in the task's solution/, which the oracle's view
    // shows at /solution (a bind, so a file made later appears there too).
    let gate = suite.join("c-blocks/solution/open");
    let blocking =
        "touch /app/started\nwhile [ ! -e /solution/open ]; do sleep 0.05; done\necho done > /app/done.txt\n";
    task(&suite.join("c-blocks"), TOML, &[("solution/solve.sh", blocking)]);
    task(&suite.join("d-after"), TOML, &[]);

    let mut runner = env
        .jig()
        .args([
            "eval",
            "run",
            suite.to_str().unwrap(),
            "--agent",
            "oracle",
            "--concurrency",
            "1",
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let evals = env.home().join("evals");
    let started = crate::support::wait_for(|| {
        std::fs::read_dir(&evals)
            .ok()?
            .filter_map(Result::ok)
            .map(|run| run.path().join("c-blocks/0/root/app/started"))
            .find(|p| p.exists())
    });
    let run_dir = started.ancestors().nth(5).unwrap().to_path_buf();
    let run_id = run_dir.file_name().unwrap().to_str().unwrap().to_owned();
    let finished_inode =
        |task: &str| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(run_dir.join(task).join("0")).unwrap());
    let before = (finished_inode("a-quick"), finished_inode("b-quick"));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(runner.id() as i32), signal).unwrap();
    let status = runner.wait().unwrap();
    if signal == nix::sys::signal::Signal::SIGINT {
        assert_eq!(
            status.code(),
            Some(130),
            "Ctrl-C exits 130 after stopping the running sample"
        );
    }

    let shown = env.run(&["eval", "show", &run_id, "--json"]);
    let shown: Value = serde_json::from_str(&stdout(&shown)).unwrap();
    let recorded: Vec<&str> = samples(&shown).iter().map(|s| s["task"].as_str().unwrap()).collect();
    assert_eq!(recorded, ["a-quick", "b-quick"], "only finished samples are recorded");
    assert!(shown["summary"]["run"]["finished_at"].is_null());

    std::fs::write(&gate, "").unwrap();
    let (code, resumed) = eval(&env, &["--resume", &run_id]);
    assert_eq!(code, 0, "{resumed}");
    assert_eq!(resumed["run_id"], run_id.as_str());
    assert_eq!(
        (finished_inode("a-quick"), finished_inode("b-quick")),
        before,
        "finished samples were not run again"
    );
    let key = |s: &Value| {
        (
            s["task"].clone(),
            s["status"].clone(),
            s["reward"].clone(),
            s["traits"].clone(),
        )
    };
    let (_, fresh) = eval(
        &env,
        &[suite.to_str().unwrap(), "--agent", "oracle", "--concurrency", "1"],
    );
    let resumed: Vec<_> = samples(&resumed).iter().map(key).collect();
    let fresh: Vec<_> = samples(&fresh).iter().map(key).collect();
    assert_eq!(resumed, fresh, "a resumed run ends as an uninterrupted one");
    assert_eq!(resumed.len(), 4);
}

#[test]
fn a_tasks_limits_hold_the_reference_to_its_request_budget() {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    let script = r#"
[[response]]
text = "Writing the file the task asks for."
[[response.tool_calls]]
name = "shell"
arguments = { command = ["sh", "-c", "echo done > done.txt"] }

[[response]]
text = "Wrote done.txt."
"#;
    let limits = |requests: u32| {
        format!(
            "{TOML}[jig]\ngraders = [\"within_limits\"]\nreference_script = \"jig/reference.toml\"\n[jig.limits]\nmax_model_requests = {requests}\n"
        )
    };
    task(&suite.join("a-roomy"), &limits(2), &[("jig/reference.toml", script)]);
    task(&suite.join("b-tight"), &limits(1), &[("jig/reference.toml", script)]);
    let (_, report) = eval(&env, &[suite.to_str().unwrap(), "--model", "reference"]);
    let by_task: BTreeMap<String, &Value> = samples(&report)
        .iter()
        .map(|s| (s["task"].as_str().unwrap().to_owned(), s))
        .collect();
    assert_eq!(by_task["a-roomy"]["status"], "passed", "{}", by_task["a-roomy"]);
    assert_eq!(missed(by_task["a-roomy"]), BTreeSet::new());
    assert_eq!(by_task["b-tight"]["status"], "passed", "the verifier still passes it");
    assert_eq!(missed(by_task["b-tight"]), BTreeSet::from(["within_limits".to_owned()]));
}

#[test]
fn another_cli_agent_gets_the_instruction_on_stdin_and_cannot_see_the_tests() {
    let env = Env::new();
    // Outside /tmp (private in every view), so only hiding keeps it unseen.
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let suite = scratch.path().join("suite");
    task(&suite.join("a-task"), TOML, &[]);
    let tests = suite.join("a-task/tests/test.sh");
    // The agent copies its instruction, looks for the verifier where the task
    // keeps it and in the view, and writes done.txt only when it sees neither.
    let agent = format!(
        "cmd:cat > /app/instruction.txt; if [ ! -e {} ] && [ ! -e /tests ]; then echo done > /app/done.txt; fi",
        tests.display()
    );
    let (code, report) = eval(&env, &[suite.to_str().unwrap(), "--agent", &agent]);
    let sample = &samples(&report)[0];
    assert_eq!(sample["status"], "passed", "{sample}");
    assert_eq!(code, 0);
    let run = report["run_id"].as_str().unwrap();
    let app = env.home().join("evals").join(run).join("a-task/0/root/app");
    assert_eq!(
        std::fs::read_to_string(app.join("instruction.txt")).unwrap(),
        "Write done.txt in /app.\n"
    );
    assert_eq!(report["summary"]["run"]["agent"], agent.as_str());
}

/// A two-step task in Harbor's layout: the task's tests/ holds a helper
/// both steps' verifiers source, each step its own instruction, tests and
/// solution; step one gates step two.
fn two_step_task(dir: &Path) {
    let files: &[(&str, &str)] = &[
        (
            "task.toml",
            "[[steps]]\nname = \"one\"\nmin_reward = 1.0\n[[steps]]\nname = \"two\"\n",
        ),
        (
            "environment/Dockerfile",
            "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY seed.txt ./\n",
        ),
        ("environment/seed.txt", "seed\n"),
        (
            "tests/lib.sh",
            "reward() { mkdir -p /logs/verifier; if [ -f \"$1\" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt; }\n",
        ),
        ("steps/one/instruction.md", "Write /app/one.txt.\n"),
        ("steps/one/tests/test.sh", ". /tests/lib.sh; reward /app/one.txt\n"),
        ("steps/one/solution/solve.sh", "echo 1 > /app/one.txt\n"),
        ("steps/two/instruction.md", "Write /app/two.txt.\n"),
        ("steps/two/tests/test.sh", ". /tests/lib.sh; reward /app/two.txt\n"),
        ("steps/two/solution/solve.sh", "echo 2 > /app/two.txt\n"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn a_multi_step_task_runs_its_steps_in_order_and_rolls_up_their_rewards() {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    two_step_task(&suite.join("steps-task"));
    let single = |args: &[&str]| {
        let mut all = vec![suite.to_str().unwrap()];
        all.extend_from_slice(args);
        let (_, report) = eval(&env, &all);
        let sample = samples(&report)[0].clone();
        let run = report["run_id"].as_str().unwrap().to_owned();
        (sample, env.home().join("evals").join(run).join("steps-task/0"))
    };

    let (solved, _) = single(&["--agent", "oracle"]);
    assert_eq!(solved["status"], "passed", "{solved}");
    assert_eq!(reward(&solved), Some(1.0));

    // Step one passes, step two fails: the mean of the two.
    let (half, dir) = single(&["--agent", "cmd:echo 1 > /app/one.txt"]);
    assert_eq!(half["status"], "failed", "{half}");
    assert_eq!(reward(&half), Some(0.5));
    assert!(dir.join("out/verifier-1.stdout").exists(), "step two was verified");

    // Step one misses its gate: step two never runs.
    let (gated, dir) = single(&["--agent", "nop"]);
    assert_eq!(gated["status"], "failed", "{gated}");
    assert_eq!(reward(&gated), Some(0.0));
    assert!(dir.join("out/verifier-0.stdout").exists());
    assert!(
        !dir.join("out/verifier-1.stdout").exists(),
        "a missed gate stops the steps"
    );
}

//! `jig eval run --batch` against a fake of both vendors' live and batch
//! endpoints (`jig_testkit::FakeVendor`): 6 rollouts × 4 steps run live,
//! then batched with one request failing in its batch, one batch expiring
//! and results returned out of order; the batched run is killed with
//! `kill -9` while its third batch runs and finished with `--resume`, which
//! waits on that batch instead of submitting it again. The batched run's
//! results equal the live run's, and its report prices it against the same
//! requests made live.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use jig_testkit::FakeVendor;
use jig_testkit::fake_vendor::{Answer, Api, Faults, Model, Turn};
use serde_json::{Value, json};

use crate::support::{Env, output_unless_hung, stderr, stdout, wait_for};

/// The model every rollout talks to: three shell steps, then a final text,
/// chosen by how many tool results the request carries. Usage grows with
/// the conversation; the prefix is cached only when the request keeps its
/// cache key (`prompt_cache_key`, `cache_control`).
fn model() -> Model {
    Arc::new(|api: Api, body: &Value| {
        let (step, names, cache_key) = match api {
            Api::Responses => {
                let items = body["input"].as_array().cloned().unwrap_or_default();
                let step = items.iter().filter(|i| i["type"] == "function_call_output").count();
                (step, names(&body["tools"]), body["prompt_cache_key"].is_string())
            }
            Api::Messages => {
                let messages = body["messages"].as_array().cloned().unwrap_or_default();
                let step = messages
                    .iter()
                    .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
                    .filter(|b| b["type"] == "tool_result")
                    .count();
                (step, names(&body["tools"]), body.to_string().contains("cache_control"))
            }
        };
        let call = |command: &str| {
            let id = match api {
                Api::Responses => format!("call_{step}"),
                Api::Messages => format!("toolu_{step}"),
            };
            if names.iter().any(|n| n == "exec_command") {
                let arguments = json!({"cmd": command});
                Turn::Call {
                    id,
                    name: "exec_command".into(),
                    arguments,
                }
            } else {
                let arguments = json!({"command": command, "description": "a step"});
                Turn::Call {
                    id,
                    name: "Bash".into(),
                    arguments,
                }
            }
        };
        let turn = match step {
            0 => call("echo one > one.txt"),
            1 => call("cat one.txt"),
            2 => call("echo done > done.txt"),
            _ => Turn::Text("Done: one.txt and done.txt are written.".into()),
        };
        let step = step as u64;
        Answer {
            turn,
            input: 20_000 + 10_000 * step,
            cached: if cache_key { 10_000 * step } else { 0 },
            output: 400,
        }
    })
}

fn names(tools: &Value) -> Vec<String> {
    tools
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect()
}

/// Three tasks; with `--samples 2`, six rollouts.
fn suite(env: &Env) -> PathBuf {
    let suite = env.dir.path().join("suite");
    for name in ["a-first", "b-second", "c-third"] {
        let dir = suite.join(name);
        for sub in ["environment", "tests", "solution"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let toml = "[verifier]\ntimeout_sec = 60.0\n[agent]\ntimeout_sec = 120.0\n";
        std::fs::write(dir.join("task.toml"), toml).unwrap();
        std::fs::write(
            dir.join("instruction.md"),
            format!("{name}: write one.txt, then done.txt.\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("environment/Dockerfile"),
            "FROM debian:bookworm-slim\nWORKDIR /workspace\nCOPY seed.txt ./\n",
        )
        .unwrap();
        std::fs::write(dir.join("environment/seed.txt"), "seed\n").unwrap();
        std::fs::write(
            dir.join("tests/test.sh"),
            "mkdir -p /logs/verifier\nif [ -f /workspace/one.txt ] && [ -f /workspace/done.txt ]; then echo 1; else echo 0; fi \
             > /logs/verifier/reward.txt\n",
        )
        .unwrap();
        std::fs::write(dir.join("solution/solve.sh"), "touch one.txt done.txt\n").unwrap();
    }
    suite
}

struct Vendor {
    fake: FakeVendor,
    _runtime: tokio::runtime::Runtime,
    vars: [(&'static str, String); 2],
}

fn vendor(api: Api) -> Vendor {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let faults = Faults {
        fail: Some((0, 0)),
        expire: Some(1),
        hold_from: Some(2),
    };
    let fake = runtime.block_on(FakeVendor::start(model(), faults));
    let vars = match api {
        Api::Responses => [
            ("OPENAI_BASE_URL", fake.base_url()),
            ("OPENAI_API_KEY", "sk-test".to_owned()),
        ],
        Api::Messages => [
            ("ANTHROPIC_BASE_URL", fake.root_url()),
            ("ANTHROPIC_API_KEY", "sk-ant-test".to_owned()),
        ],
    };
    Vendor {
        fake,
        _runtime: runtime,
        vars,
    }
}

fn jig(env: &Env, vendor: &Vendor, args: &[&str]) -> std::process::Command {
    let mut cmd = env.jig();
    cmd.args(["eval", "run"]).args(args).arg("--json");
    for (name, value) in &vendor.vars {
        cmd.env(name, value);
    }
    cmd
}

fn eval(env: &Env, vendor: &Vendor, args: &[&str]) -> Value {
    let out = output_unless_hung(jig(env, vendor, args));
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: stdout {} stderr {}", stdout(&out), stderr(&out)))
}

/// What must not differ between a live and a batched run of the same samples.
fn outcomes(report: &Value) -> Vec<Value> {
    let mut samples: Vec<Value> = report["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!([
                s["task"],
                s["sample_index"],
                s["status"],
                s["reward"],
                s["traits"],
                s["usage"],
                s["cost_usd"]
            ])
        })
        .collect();
    samples.sort_by_key(Value::to_string);
    samples
}

fn submitted(state: &Path) -> usize {
    std::fs::read_to_string(state)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"kind\":\"submitted\""))
        .count()
}

fn live_then_batched_with_a_crash(api: Api, model: &str) {
    let env = Env::new();
    let suite = suite(&env);
    let suite = suite.to_str().unwrap();
    let vendor = vendor(api);
    let run = ["--model", model, "--samples", "2"];

    let live = eval(&env, &vendor, &[&[suite][..], &run[..]].concat());
    assert_eq!(live["samples"].as_array().unwrap().len(), 6, "{live}");
    for sample in live["samples"].as_array().unwrap() {
        assert_eq!(sample["status"], "passed", "{sample}");
    }
    let live_requests = vendor.fake.live_requests().len();
    assert_eq!(live_requests, 24, "6 rollouts × 4 steps");
    assert_eq!(vendor.fake.batches_created(), 0);

    let mut runner = jig(
        &env,
        &vendor,
        &[&[suite][..], &run[..], &["--batch", "--batch-poll", "0.01"][..]].concat(),
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let evals = env.home().join("evals");
    // The third batch is accepted (and held running): the crash comes after step 2.
    let state = wait_for(|| {
        std::fs::read_dir(&evals)
            .ok()?
            .filter_map(Result::ok)
            .map(|run| run.path().join("batch/state.jsonl"))
            .find(|state| submitted(state) == 3)
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(runner.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    runner.wait().unwrap();
    assert_eq!(vendor.fake.batches_created(), 3);
    let run_id = state
        .ancestors()
        .nth(2)
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();

    vendor.fake.release();
    let resumed = eval(&env, &vendor, &["--resume", &run_id, "--batch-poll", "0.01"]);
    assert_eq!(resumed["run_id"], run_id.as_str());
    assert_eq!(
        outcomes(&resumed),
        outcomes(&live),
        "the batched run ends as the live one"
    );

    assert_eq!(
        vendor.fake.batches_created(),
        4,
        "one batch per step; the batch accepted before the crash was not submitted again"
    );
    let lines = vendor.fake.batch_lines();
    assert_eq!(lines.len(), 24, "each step's six requests in its batch");
    for line in &lines {
        match api {
            Api::Responses => assert!(line.body["prompt_cache_key"].is_string(), "{}", line.body),
            Api::Messages => assert!(line.body.to_string().contains("cache_control"), "{}", line.body),
        }
    }
    assert_eq!(vendor.fake.problems(), Vec::<String>::new());
    assert_eq!(vendor.fake.unauthorised(), 0, "the agents' keys are forwarded");
    let fallbacks = vendor.fake.live_requests().len() - live_requests;
    assert_eq!(fallbacks, 4, "one failed and three expired requests went live, once");

    let batch = &resumed["batch"];
    assert_eq!(batch["batches"], 4, "{batch}");
    assert_eq!(batch["requests"], 24, "{batch}");
    assert_eq!(batch["batched"], 20, "{batch}");
    assert_eq!(batch["fallbacks"], 4, "{batch}");
    assert_eq!(batch["steps"], 4, "{batch}");
    // After the crash, step 2's requests came again with step 1's tool
    // output printed anew (Codex's exec output has a wall time); their stored
    // answers were still given, and counted.
    assert!(batch["reused_stale"].as_u64().unwrap() <= 6, "{batch}");
    let batch_usd = batch["cost"]["batch_usd"].as_f64().unwrap();
    let live_usd = batch["cost"]["live_usd"].as_f64().unwrap();
    let sampled: f64 = live["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["cost_usd"].as_f64().unwrap())
        .sum();
    assert!(
        (live_usd - sampled).abs() < 1e-9,
        "the live price of the same requests: {live_usd} vs {sampled}"
    );
    assert!(batch_usd < live_usd, "{batch}");
    // The report stays with the run: resuming the finished run prints it as text.
    let mut again = env.jig();
    again.args(["eval", "run", "--resume", &run_id]);
    for (name, value) in &vendor.vars {
        again.env(name, value);
    }
    let again = output_unless_hung(again);
    let vendor_name = model.split(':').next().unwrap();
    let expected = format!("batch ({vendor_name}): 4 steps, 4 batches, 24 requests (20 batched, 4 fell back to live");
    assert!(stdout(&again).contains(&expected), "{}", stdout(&again));
    assert!(stdout(&again).contains(" live (42% less)"), "{}", stdout(&again));
    eprintln!(
        "{model}: batch ${batch_usd:.4} against ${live_usd:.4} live ({:.0}% less), {} fallbacks, \
         {} reused with other tool output, {} ms waiting on batches",
        100.0 * (live_usd - batch_usd) / live_usd,
        batch["fallbacks"],
        batch["reused_stale"],
        batch["batch_wait_ms"]
    );
}

#[test]
fn openai_batches_match_the_live_run_through_a_crash() {
    live_then_batched_with_a_crash(Api::Responses, "openai:gpt-5-mini");
}

#[test]
fn anthropic_batches_match_the_live_run_through_a_crash() {
    live_then_batched_with_a_crash(Api::Messages, "anthropic:claude-haiku-4-5");
}

#[test]
fn batch_refuses_a_model_without_a_batch_api() {
    let env = Env::new();
    let suite = suite(&env);
    let out = env.run(&[
        "eval",
        "run",
        suite.to_str().unwrap(),
        "--batch",
        "--model",
        "reference",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--batch needs the jig agent with --model openai:MODEL or anthropic:MODEL"),
        "{}",
        stderr(&out)
    );
}

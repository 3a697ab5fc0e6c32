//! `jig bench eval SUITE` runs a tiny scripted suite through the runner at
//! concurrency 1 and 2 and each task's script as a bare `jig exec`; a task
//! whose script needs the view's `/app` is reported and left out of the
//! comparison, and a sample that does not pass is a warning, never hidden.
//! What is asserted is the report's shape, never a time.

use std::path::Path;

use crate::support::{Env, stderr, stdout};

/// Adds `done.txt` in the working directory, relative to it.
const ADD_DONE: &str = r#"
[[response]]
text = "Adding done.txt."
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = """
*** Begin Patch
*** Add File: done.txt
+done
*** End Patch
""" }

[[response]]
text = "Wrote done.txt."
[response.expect]
last_status = "ok"
"#;

/// Reads the seed at its absolute path first (only the view has `/app`),
/// then adds `done.txt`.
const READ_APP_FIRST: &str = r#"
[[response]]
text = "Reading the seed."
[[response.tool_calls]]
name = "shell"
arguments = { command = ["cat", "/app/seed.txt"] }

[[response]]
text = "Adding done.txt."
[response.expect]
last_output_contains = "seed"
last_status = "ok"
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = """
*** Begin Patch
*** Add File: done.txt
+done
*** End Patch
""" }

[[response]]
text = "Wrote done.txt."
[response.expect]
last_status = "ok"
"#;

fn task(dir: &Path, script: &str) {
    for sub in ["environment", "tests", "solution", "jig"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let files = [
        (
            "task.toml",
            "[verifier]\ntimeout_sec = 60.0\n[agent]\ntimeout_sec = 60.0\n[jig]\nreference_script = \"jig/reference.toml\"\n",
        ),
        ("instruction.md", "Write done.txt in /app.\n"),
        (
            "environment/Dockerfile",
            "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY seed.txt ./\n",
        ),
        ("environment/seed.txt", "seed\n"),
        (
            "tests/test.sh",
            "mkdir -p /logs/verifier\nif [ -f /app/done.txt ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n",
        ),
        ("solution/solve.sh", "echo done > /app/done.txt\n"),
        ("jig/reference.toml", script),
    ];
    for (path, text) in files {
        std::fs::write(dir.join(path), text).unwrap();
    }
}

#[test]
fn bench_eval_compares_concurrency_and_a_bare_exec_and_names_what_it_leaves_out() {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    task(&suite.join("a-relative"), ADD_DONE);
    task(&suite.join("b-absolute"), READ_APP_FIRST);

    let out = env.run(&["bench", "eval", suite.to_str().unwrap(), "--rounds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    for line in [
        "(2 samples, model reference), 1 rounds interleaved, median of rounds",
        "concurrency 1 (ref)",
        "concurrency 2",
        "wall / round",
        "samples per second",
        "wall / sample",
        "CPU, runner process",
        "cores busy (CPU / wall)",
        "speed-up (concurrency 1 wall / concurrency 2 wall): ",
        "checked: 2/2 samples passed, every agent turn completed, in each of 1 rounds at concurrency 1 and 2",
        "per-sample overhead at concurrency 1 against a bare `jig exec` of the same script (1 of 2 tasks;",
        "bare `jig exec` (no view, no verifier; ref)",
        "agent inside the runner",
        "whole sample (view set-up, agent, verifier, record)",
        "of which the verifier",
        "left out: b-absolute: bare exec failed: `jig exec` exited with exit status: 1: ",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
    assert!(!report.contains("warning:"), "{report}");
    assert!(!report.contains("left out: a-relative"), "{report}");
    // The runner's rows and the two comparisons each carry a ratio.
    let rows = report
        .lines()
        .filter(|l| l.contains("x ") || l.trim_end().ends_with('x'))
        .count();
    assert!(rows >= 8, "{report}");
}

#[test]
fn bench_eval_warns_about_a_sample_that_does_not_pass() {
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    task(
        &suite.join("c-does-nothing"),
        "[[response]]\ntext = \"Nothing to do.\"\n",
    );
    let out = env.run(&["bench", "eval", suite.to_str().unwrap(), "--rounds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("warning: c-does-nothing did not pass: failed in 2 of 2 runs\n"),
        "{report}"
    );
    assert!(!report.contains("checked:"), "{report}");
}

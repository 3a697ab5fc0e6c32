//! `jig bench loop` shows the loop gap of a shell step split into its parts
//! against `bash -lc 'echo hi'` run in the same run, and prices large
//! tool-call arguments. What is asserted is the report's shape, never a time.

use crate::support::{Env, stderr, stdout};

#[test]
fn bench_loop_splits_a_shell_step_and_prices_large_arguments() {
    let env = Env::new();
    let out = env.run(&["bench", "loop", "--turns", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    for line in [
        "shell steps (`echo hi`)",
        "reference `bash -lc 'echo hi'` run directly:",
        "loop gap per step (session):",
        "model stream",
        "recording and sync",
        "policy",
        "sandbox: supervisor stage",
        "sandbox: confinement",
        "process spawn",
        "output capture",
        "rest of the session step",
        "jig's share of the step",
        "MiB of arguments",
        "floor, one JSON parse of the arguments:",
        "scripted model (arguments whole)",
        "OpenAI Responses SSE on 127.0.0.1",
        "CPU-s/MiB",
        "MiB peak RSS growth/MiB",
        "telemetry off:",
        "telemetry on (OTLP/HTTP):",
        "ratio on/off:",
        "CPU ratio on/off:",
        "export requests",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
}

//! `jig bench sessions` runs N scripted sessions at once against the same N
//! one after another, each checked, and then the shared local model part
//! (skipped here: no model is installed in the test's data dir). What is
//! asserted is the report's shape, never a time.

use crate::support::{Env, stderr, stdout};

#[test]
fn bench_sessions_compares_concurrent_sessions_with_sequential_ones() {
    let env = Env::new();
    let out = env
        .jig()
        .env("JIG_MODELS_DIR", env.dir.path().join("no-models"))
        .args(["bench", "sessions", "--sessions", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    for line in [
        "bench sessions: 2 scripted sessions, each: apply_patch adds note.txt, `shell` cats it, answer; sandbox ",
        "one after another (ref)",
        "2 at once",
        "wall / session",
        "CPU, jig process",
        "CPU, commands (child processes)",
        "peak RSS (VmHWM)",
        "peak RSS growth over start",
        "per-session overhead:",
        "RSS growth per extra concurrent session:",
        "checked: 2/2 sessions completed on each side, 2/2 notes read back",
        "bench sessions: shared local model: skipped (",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
    // Every figure row carries a ratio.
    let rows = report.lines().filter(|l| l.trim_end().ends_with('x')).count();
    assert!(rows >= 6, "{report}");
}

//! End to end: `jig exec` fixes the bug in the bundled example with the
//! bundled scripted model (run tests → plan → search → read → patch → test).

use crate::support::{Env, repo_root, stderr, stdout};

#[test]
fn exec_json_fixes_the_bug_in_the_example_and_streams_events() {
    let env = Env::with_example("calc");
    let script = repo_root().join("examples/scripts/fix-calc.toml");
    let out = env
        .jig()
        .env("RUST_BACKTRACE", "0")
        .args(["exec", "--json", "--model"])
        .arg(format!("scripted:{}", script.display()))
        .args(["-C", "."])
        .arg("The tests fail; find and fix the bug.")
        .output()
        .unwrap();
    assert!(out.status.success(), "exit {:?}\n{}", out.status, stderr(&out));
    let fixed = std::fs::read_to_string(env.ws().join("src/lib.rs")).unwrap();
    assert!(fixed.contains("Some(sum / values.len() as f64)"), "{fixed}");

    let lines = stdout(&out);
    for line in lines.lines() {
        let _: jig_protocol::Event = serde_json::from_str(line).unwrap();
    }
    let ws = env.ws().canonicalize().unwrap();
    let text = lines
        .replace(&ws.display().to_string(), "[WS]")
        .replace(&repo_root().display().to_string(), "[REPO]");
    // Ids, timings and absolute paths change from run to run, and so does the
    // scripted model's input-token estimate, which counts tool output lengths.
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[SESSION]"),
        (r#""duration_ms":\d+"#, r#""duration_ms":"[MS]""#),
        (r"wall time: [0-9.]+ s", "wall time: [T] s"),
        (r"finished in [0-9.]+s", "finished in [T]s"),
        (r"' \(\d+\) panicked", "' ([TID]) panicked"),
        (r#""input_tokens":\d+"#, r#""input_tokens":"[N]""#),
    ]}, {
        insta::assert_snapshot!("exec_json_fix_calc", text);
    });
}

#[test]
fn exec_prints_progress_on_stderr_and_the_final_message_on_stdout() {
    let env = Env::new();
    let script = env.file(
        "hello.toml",
        r#"
[[response]]
text = "Checking the directory."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo hi from the shell" }
[[response]]
text = "The shell says hi."
"#,
    );
    let out = env.run(&["exec", "--model", &format!("scripted:{}", script.display()), "say hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "The shell says hi.\n");
    let err = stderr(&out);
    assert!(err.contains("▸ shell"), "{err}");
    assert!(err.contains("│ hi from the shell"), "{err}");
}

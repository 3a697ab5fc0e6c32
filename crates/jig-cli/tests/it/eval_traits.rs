//! `jig eval traits` grades a recorded session from its rollout: a careful
//! run passes (exit 0), a careless one fails with evidence (exit 1).

use crate::support::{Env, stderr, stdout};

const CAREFUL: &str = r#"
[[response]]
text = "I'll read the file, fix the greeting, and check it."
[[response.tool_calls]]
name = "update_plan"
arguments = { plan = [{ step = "read hello.txt", status = "in_progress" }, { step = "fix and check", status = "pending" }] }
[[response]]
[[response.tool_calls]]
name = "read_file"
arguments = { path = "hello.txt" }
[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Update File: hello.txt\n@@\n-helo\n+hello\n*** End Patch\n" }
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "sh ./test.sh" }
[[response]]
[[response.tool_calls]]
name = "update_plan"
arguments = { plan = [{ step = "read hello.txt", status = "completed" }, { step = "fix and check", status = "completed" }] }
[[response]]
text = "Fixed and checked."
"#;

const CARELESS: &str = r#"
[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Update File: hello.txt\n@@\n-helo\n+hello\n*** End Patch\n" }
[[response]]
text = "Done."
"#;

fn graded(script: &str) -> (std::process::Output, serde_json::Value) {
    let env = Env::new();
    std::fs::write(env.ws().join("hello.txt"), "helo\n").unwrap();
    std::fs::write(
        env.ws().join("test.sh"),
        "test \"$(cat hello.txt)\" = hello && echo checked\n",
    )
    .unwrap();
    let model = format!("scripted:{}", env.file("script.toml", script).display());
    let run = env.run(&["exec", "--model", &model, "fix hello.txt"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let out = env.run(&["eval", "traits", "--last", "--json"]);
    let report = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out, report)
}

fn trait_named<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["traits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

#[test]
fn a_careful_session_passes_its_traits() {
    let (out, report) = graded(CAREFUL);
    for score in report["traits"].as_array().unwrap() {
        assert_eq!(score["passed"], true, "{report:#}");
    }
    assert_eq!(trait_named(&report, "verified_after_last_edit")["applicable"], true);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
}

#[test]
fn a_careless_session_fails_with_evidence_and_exit_1() {
    let (out, report) = graded(CARELESS);
    assert_eq!(out.status.code(), Some(1));
    let read = trait_named(&report, "read_before_edit");
    assert_eq!(read["passed"], false);
    let evidence = read["evidence"].to_string();
    assert!(evidence.contains("hello.txt"), "{read:#}");
    assert_eq!(trait_named(&report, "preamble_before_first_tool")["passed"], false);
}

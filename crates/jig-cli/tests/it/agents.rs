//! Sub-agents through the real `jig` binary: `jig exec` killed with
//! SIGKILL while one child still works and two have finished, then `jig
//! resume --last`. The finished children never run again, the one that was
//! mid-turn is resumed and finishes, every child's result is recorded in
//! the parent's rollout exactly once, the results the model never saw reach
//! it exactly once, and the parent completes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use jig_protocol::{AgentStatus, Event, Item, Role, RolloutRecord};
use serde_json::Value;

use crate::support::{Env, records, stderr};

fn child(name: &str, command: &str) -> String {
    format!(
        r#"
[[response]]
text = "Working."
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "{command}" }}
[[response]]
text = "{name} finished"
"#
    )
}

#[test]
fn a_parent_killed_while_children_run_resumes_without_losing_or_repeating_results() {
    let env = Env::new();
    let quick_a = env.file("a.toml", &child("a", "echo a >> a.log"));
    let quick_b = env.file("b.toml", &child("b", "echo b >> b.log"));
    // The slow child waits for a file the test creates after the kill, so
    // it is mid-command when jig dies, whatever the machine's speed.
    let slow = env.file(
        "c.toml",
        &child("c", "echo c >> c.log; while [ ! -e go ]; do sleep 0.05; done"),
    );
    let spawn = |path: &Path| {
        format!(
            "[[response.tool_calls]]\nname = \"spawn_agent\"\narguments = {{ message = \"work\", model = \"scripted:{}\" }}\n",
            path.display()
        )
    };
    let parent = env.file(
        "parent.toml",
        &format!(
            "[[response]]\ntext = \"Three sub-agents.\"\n{}{}{}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 600000 }}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 600000 }}
[[response]]
text = \"All three finished.\"
[response.expect]
last_output_contains = \"c finished\"
",
            spawn(&quick_a),
            spawn(&quick_b),
            spawn(&slow)
        ),
    );
    let mut jig = env
        .jig()
        .args([
            "exec",
            "--json",
            "--model",
            &format!("scripted:{}", parent.display()),
            "go",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it once both quick children's results are recorded (the events
    // reach stdout only after their records are synced).
    let mut finished = 0;
    for line in BufReader::new(jig.stdout.take().unwrap()).lines() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["type"] == "agent_updated" && event.get("agent_session").is_none() {
            finished += 1;
            if finished == 2 {
                break;
            }
        }
    }
    assert_eq!(finished, 2);
    jig.kill().unwrap();
    jig.wait().unwrap();

    let session = env.only_session();
    let children_dir = session.join("agents/sessions");
    let child_dirs: Vec<_> = std::fs::read_dir(&children_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(child_dirs.len(), 3);
    let before: Vec<(std::path::PathBuf, String)> = child_dirs
        .iter()
        .map(|d| (d.clone(), std::fs::read_to_string(d.join("rollout.jsonl")).unwrap()))
        .collect();
    std::fs::write(env.ws().join("go"), "").unwrap();

    let out = env.run(&["resume", "--last", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The quick children's rollouts did not change: they never ran again.
    let mut grew = 0;
    for (dir, text) in &before {
        let after = std::fs::read_to_string(dir.join("rollout.jsonl")).unwrap();
        if after == *text {
            continue;
        }
        assert!(after.starts_with(text.as_str()), "a child's records were changed");
        grew += 1;
    }
    assert_eq!(grew, 1, "only the child that was mid-command goes on");
    for name in ["a", "b", "c"] {
        let log = std::fs::read_to_string(env.ws().join(format!("{name}.log"))).unwrap();
        assert_eq!(log, format!("{name}\n"), "{name}'s command ran once");
    }

    let parent_records = records(&session.join("rollout.jsonl"));
    let mut results: Vec<(String, AgentStatus)> = Vec::new();
    for record in &parent_records {
        if let RolloutRecord::Event {
            event: Event::AgentUpdated { agent_id, status, .. },
        } = record
        {
            results.push((agent_id.clone(), status.clone()));
        }
    }
    assert_eq!(results.len(), 3, "each child's result recorded once: {results:?}");
    for (_, status) in &results {
        assert!(
            matches!(status, AgentStatus::Completed(Some(m)) if m.ends_with("finished")),
            "{status:?}"
        );
    }
    // The quick children's results had not reached the model (its wait was
    // cut short); after the resume they arrive in one message, once.
    let deliveries: Vec<&str> = parent_records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item {
                item: Item::Message { role: Role::User, text },
            } if text.starts_with("Sub-agents finished") => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for (id, status) in &results[..2] {
        let count = deliveries.iter().filter(|t| t.contains(id.as_str())).count();
        assert_eq!(count, 1, "{id} ({status:?}) delivered once: {deliveries:?}");
    }
    let last = parent_records.iter().rev().find_map(|r| match r {
        RolloutRecord::Event {
            event: Event::TurnCompleted { outcome, .. },
        } => Some(outcome.clone()),
        _ => None,
    });
    assert_eq!(last, Some(jig_protocol::TurnOutcome::Completed));
    // `jig sessions list` shows the children under their parent.
    let listed = crate::support::stdout(&env.run(&["sessions", "list"]));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 4, "{listed}");
    assert!(lines[1..].iter().all(|l| l.starts_with("  └ ")), "{listed}");
}

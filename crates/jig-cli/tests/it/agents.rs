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
    // stdout is read to its end on another thread: a closed pipe would end
    // jig before the kill.
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = jig.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let event: Value = serde_json::from_str(&line).unwrap();
            if event["type"] == "agent_updated" && event.get("agent_session").is_none() {
                let _ = tx.send(());
            }
        }
    });
    let mut finished = 0;
    while finished < 2 && rx.recv().is_ok() {
        finished += 1;
    }
    assert_eq!(finished, 2);
    // And once the slow child's command has begun (its first line is
    // written): killed earlier, the call is recorded as interrupted and
    // never runs, which is right but not what this test checks.
    let started = env.ws().join("c.log");
    for _ in 0..6000 {
        if started.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(started.exists(), "the slow child's command never began");
    jig.kill().unwrap();
    jig.wait().unwrap();
    reader.join().unwrap();

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
        let log = std::fs::read_to_string(env.ws().join(format!("{name}.log")))
            .unwrap_or_else(|e| panic!("{name}.log: {e}; resume said: {}", stderr(&out)));
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

/// `jig exec` does not end the tree when the parent's turn ends: a child
/// still working starts the parent's next turn with its result, and the
/// run ends once the session is idle with no child left.
#[test]
fn exec_waits_for_a_background_child_and_the_turn_its_result_starts() {
    let env = Env::new();
    // The child waits for a file the parent's first turn never writes but
    // the test does once that turn completed, so it is still working when
    // the parent's turn ends, whatever the machine's speed.
    let child = env.file(
        "child.toml",
        &child("bg", "while [ ! -e go ]; do sleep 0.05; done; echo bg > bg.log"),
    );
    let parent = env.file(
        "parent.toml",
        &format!(
            "[[response]]
text = \"Started a sub-agent; I will report when it is back.\"
[[response.tool_calls]]
name = \"spawn_agent\"
arguments = {{ message = \"work\", model = \"scripted:{}\" }}
[[response]]
text = \"It is running in the background.\"
[[response]]
text = \"The sub-agent is back: bg finished.\"
[response.expect]
user_contains = \"bg finished\"
",
            child.display()
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
    let mut lines = BufReader::new(jig.stdout.take().unwrap()).lines();
    let mut seen: Vec<Value> = Vec::new();
    for line in lines.by_ref() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let idle = event["type"] == "session_idle" && event.get("agent_session").is_none();
        seen.push(event);
        if idle {
            break;
        }
    }
    let idle = seen.last().unwrap();
    assert_eq!(
        idle["agents_running"], 1,
        "the first turn left its child working: {seen:?}"
    );
    std::fs::write(env.ws().join("go"), "").unwrap();
    for line in lines {
        seen.push(serde_json::from_str(&line.unwrap()).unwrap());
    }
    let status = jig.wait().unwrap();
    assert_eq!(status.code(), Some(0));

    let parent_events: Vec<&Value> = seen.iter().filter(|e| e.get("agent_session").is_none()).collect();
    let completed: Vec<&str> = parent_events
        .iter()
        .filter(|e| e["type"] == "turn_completed")
        .map(|e| e["last_message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        completed,
        [
            "It is running in the background.",
            "The sub-agent is back: bg finished."
        ]
    );
    let last = parent_events.last().unwrap();
    assert_eq!(last["type"], "session_idle");
    assert_eq!(last["agents_running"], 0);
    assert_eq!(std::fs::read_to_string(env.ws().join("bg.log")).unwrap(), "bg\n");
}

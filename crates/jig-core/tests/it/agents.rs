//! Sub-agents end to end: a parent session built with the SessionBuilder
//! (as every front-end builds one) whose scripted model spawns children
//! with scripts of their own, through the generic dialect's agent tools.
//! The children are real sessions doing real file work in real
//! directories; nothing here mocks the manager.

use std::path::{Path, PathBuf};

use jig_config::{ApprovalPolicy, EnvSnapshot, SandboxMode};
use jig_core::{SessionBuilder, SessionHandle};
use jig_protocol::{AgentStatus, Envelope, Event, Op, RolloutRecord, TurnOutcome};

use crate::support::{Fixture, model, settings};

/// Writes a child script and returns the spec that runs it.
fn child_script(fx: &Fixture, name: &str, script: &str) -> String {
    let path = fx.dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, script).unwrap();
    format!("scripted:{}", path.display())
}

/// A child that writes `dir/note.txt` with `text`, then says so.
fn writer(dir: &str, text: &str) -> String {
    format!(
        r#"
[[response]]
text = "Writing the note."
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "mkdir -p {dir} && printf '%s' '{text}' > {dir}/note.txt && cat {dir}/note.txt" }}
[[response]]
text = "wrote {dir}/note.txt"
[response.expect]
last_output_contains = "{text}"
"#
    )
}

fn spawn_call(message: &str, model: &str) -> String {
    format!(
        "[[response.tool_calls]]\nname = \"spawn_agent\"\narguments = {{ message = {}, model = {} }}\n",
        toml_str(message),
        toml_str(model)
    )
}

fn toml_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

struct Parent {
    handle: SessionHandle,
    events: tokio::sync::mpsc::UnboundedReceiver<Envelope>,
    dir: PathBuf,
}

fn start(fx: &Fixture, script: &str, max_tokens: Option<u64>) -> Parent {
    start_with(fx, script, max_tokens, ApprovalPolicy::Never)
}

fn start_with(fx: &Fixture, script: &str, max_tokens: Option<u64>, approval: ApprovalPolicy) -> Parent {
    let home = fx.dir.path().join("home");
    let settings = settings(&home, &fx.ws());
    let env = EnvSnapshot::default();
    let (sink, events) = tokio::sync::mpsc::unbounded_channel();
    let built = SessionBuilder::new(&settings, &env)
        .workspace(fx.ws())
        .client("scripted:parent", model(script))
        .sandbox(SandboxMode::DangerFullAccess)
        .approval(approval)
        .max_tokens(max_tokens)
        .event_sink(sink)
        .create()
        .unwrap();
    let handle = built.session.spawn();
    let dir = handle.dir.clone();
    handle.submit(Op::UserInput {
        text: "fan the work out".into(),
    });
    Parent { handle, events, dir }
}

/// Every envelope until the parent's turn completed and `results`
/// children's final statuses were recorded in its rollout; its outcome.
async fn until_parent_done(parent: &mut Parent, results: usize) -> (Vec<Envelope>, TurnOutcome) {
    let mut seen = Vec::new();
    let mut outcome = None;
    let mut updated = 0;
    while let Some(envelope) = parent.events.recv().await {
        if envelope.session_id == parent.handle.session_id {
            match &envelope.event {
                Event::TurnCompleted { outcome: o, .. } => outcome = Some(o.clone()),
                Event::AgentUpdated { .. } => updated += 1,
                _ => {}
            }
        }
        seen.push(envelope);
        if let Some(outcome) = outcome.clone().filter(|_| updated >= results) {
            return (seen, outcome);
        }
    }
    panic!("the parent ended without completing its turn: {seen:#?}");
}

fn records(dir: &Path) -> Vec<RolloutRecord> {
    std::fs::read_to_string(dir.join("rollout.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn updates(records: &[RolloutRecord]) -> Vec<(String, AgentStatus)> {
    records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Event {
                event: Event::AgentUpdated { agent_id, status, .. },
            } => Some((agent_id.clone(), status.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_children_do_file_work_in_parallel_and_their_results_reach_the_parent() {
    let fx = Fixture::new();
    let mut spawns = String::from("[[response]]\ntext = \"Fanning out to four sub-agents.\"\n");
    for i in 0..4 {
        let spec = child_script(
            &fx,
            &format!("child{i}"),
            &writer(&format!("part{i}"), &format!("part {i} done")),
        );
        spawns.push_str(&spawn_call(&format!("Write part{i}/note.txt"), &spec));
    }
    let script = format!(
        "{spawns}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 120000 }}
[[response]]
text = \"All four parts are written.\"
[response.expect]
last_output_contains = \"wrote part3/note.txt\"
"
    );
    let mut parent = start(&fx, &script, None);
    let (seen, outcome) = until_parent_done(&mut parent, 4).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{seen:#?}");
    for i in 0..4 {
        let note = std::fs::read_to_string(fx.ws().join(format!("part{i}/note.txt"))).unwrap();
        assert_eq!(note, format!("part {i} done"));
    }
    // Each child is a session of its own under the parent's directory,
    // naming its parent; the parent's rollout holds each spawn and result.
    let parent_records = records(&parent.dir);
    let results = updates(&parent_records);
    assert_eq!(results.len(), 4, "{results:?}");
    for (id, status) in &results {
        assert!(
            matches!(status, AgentStatus::Completed(Some(m)) if m.starts_with("wrote part")),
            "{status:?}"
        );
        let child_dir = parent.dir.join("agents/sessions").join(id);
        let child = records(&child_dir);
        let RolloutRecord::SessionMeta(meta) = &child[0] else {
            panic!()
        };
        assert_eq!(
            meta.parent_session_id.as_deref(),
            Some(parent.handle.session_id.as_str())
        );
    }
    // The children's events reached the front-end under their own ids.
    let child_turns = seen
        .iter()
        .filter(|e| e.session_id != parent.handle.session_id && matches!(e.event, Event::TurnCompleted { .. }))
        .count();
    assert_eq!(child_turns, 4);
    // No child is a top-level session: `resume --last` cannot pick one.
    let top: Vec<_> = std::fs::read_dir(fx.dir.path().join("home/sessions"))
        .unwrap()
        .collect();
    assert_eq!(top.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_returns_what_is_done_so_far_and_a_cancelled_child_stops() {
    let fx = Fixture::new();
    let slow = child_script(
        &fx,
        "slow",
        r#"
[[response]]
text = "Sleeping."
[[response.tool_calls]]
name = "shell"
arguments = { command = "sleep 30" }
[[response]]
text = "woke up"
"#,
    );
    let quick = child_script(&fx, "quick", &writer("quick", "quick done"));
    let script = format!(
        "[[response]]\ntext = \"Two sub-agents.\"\n{}{}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 1500 }}
[[response]]
[[response.tool_calls]]
name = \"list_agents\"
arguments = {{}}
[response.expect]
last_output_contains = \"timed_out\\\":true\"
[[response]]
[[response.tool_calls]]
name = \"cancel_agent\"
arguments = {{ id = \"agent-1\" }}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{}}
[[response]]
text = \"Done.\"
",
        spawn_call("sleep a long time", &slow),
        spawn_call("write quick/note.txt", &quick),
    );
    let mut parent = start(&fx, &script, None);
    let (seen, outcome) = until_parent_done(&mut parent, 2).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{seen:#?}");
    let outputs: Vec<String> = records(&parent.dir)
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item {
                item: jig_protocol::Item::ToolOutput(out),
            } => Some(out.output.clone()),
            _ => None,
        })
        .collect();
    // The first wait expired with the slow child still running and the
    // quick one's result in hand.
    let first_wait = &outputs[2];
    assert!(
        first_wait.contains("\"timed_out\": true") || first_wait.contains("\"timed_out\":true"),
        "{first_wait}"
    );
    assert!(first_wait.contains("running"), "{first_wait}");
    assert!(first_wait.contains("wrote quick/note.txt"), "{first_wait}");
    // After the cancel, the last wait returns at once: the slow child is shut down.
    let last_wait = outputs.last().unwrap();
    assert!(last_wait.contains("shutdown"), "{last_wait}");
    let results = updates(&records(&parent.dir));
    assert!(results.iter().any(|(_, s)| *s == AgentStatus::Shutdown), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_over_the_trees_budget_stops_and_says_so() {
    let fx = Fixture::new();
    // The child reports 5,000 tokens for its first response; the parent's
    // cap of 3,000 covers the whole tree, so the child may use what is left.
    let greedy = child_script(
        &fx,
        "greedy",
        r#"
[[response]]
text = "Thinking hard."
usage = { input_tokens = 4000, cached_input_tokens = 0, output_tokens = 1000 }
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo should-not-run" }
[[response]]
text = "never reached"
"#,
    );
    let script = format!(
        "[[response]]\ntext = \"Delegating.\"\nusage = {{ input_tokens = 100, cached_input_tokens = 0, output_tokens = 10 }}\n{}
[[response]]
usage = {{ input_tokens = 100, cached_input_tokens = 0, output_tokens = 10 }}
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{}}
[[response]]
text = \"The sub-agent ran out of budget.\"
",
        spawn_call("think", &greedy),
    );
    let mut parent = start(&fx, &script, Some(3000));
    let (seen, outcome) = until_parent_done(&mut parent, 1).await;
    let results = updates(&records(&parent.dir));
    assert_eq!(results.len(), 1, "{seen:#?}");
    assert!(
        matches!(&results[0].1, AgentStatus::BudgetExceeded { message: Some(m), reason } if m == "Thinking hard." && reason.contains("tokens")),
        "{results:?}"
    );
    // The child's command never ran, and the parent's own cap now counts
    // the child's spending: the parent stops at a request after it.
    let child_dir = parent.dir.join("agents/sessions").join(&results[0].0);
    let not_run = records(&child_dir).iter().any(|r| {
        matches!(r, RolloutRecord::Item { item: jig_protocol::Item::ToolOutput(out) }
            if out.status == jig_protocol::ToolStatus::Interrupted)
    });
    assert!(not_run, "the over-budget response's call is answered, not run");
    assert!(matches!(outcome, TurnOutcome::BudgetExceeded { .. }), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_agent_type_gives_its_instructions_tools_and_limits() {
    let fx = Fixture::new();
    let home = fx.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("config.toml"),
        "[agents]\nmax_concurrent = 4\n\n[agents.reviewer]\ndescription = \"reads and reports\"\ninstructions = \"You only review; never edit.\"\ntools = [\"shell\"]\nmax_turns = 2\n",
    )
    .unwrap();
    let reviewer = child_script(
        &fx,
        "reviewer",
        r#"
[[response]]
[[response.tool_calls]]
name = "read_file"
arguments = { path = "x" }
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo reviewed" }
[[response]]
text = "never reached: the type allows two requests a turn"
"#,
    );
    let script = format!(
        "[[response]]
[[response.tool_calls]]
name = \"spawn_agent\"
arguments = {{ message = \"review\", model = {}, agent_type = \"reviewer\" }}
[[response]]
[[response.tool_calls]]
name = \"spawn_agent\"
arguments = {{ message = \"review\", agent_type = \"auditor\" }}
[response.expect]
last_output_contains = \"reviewer-1\"
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{}}
[response.expect]
last_output_contains = \"no agent type `auditor`; the types are: reviewer\"
[[response]]
text = \"done\"
",
        toml_str(&reviewer)
    );
    let mut parent = start(&fx, &script, None);
    let (seen, outcome) = until_parent_done(&mut parent, 1).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{seen:#?}");
    let results = updates(&records(&parent.dir));
    assert!(
        matches!(&results[0].1, AgentStatus::BudgetExceeded { reason, .. } if reason.contains("limit of 2 model requests")),
        "{results:?}"
    );
    let child = records(&parent.dir.join("agents/sessions").join(&results[0].0));
    let RolloutRecord::SessionMeta(meta) = &child[0] else {
        panic!()
    };
    assert!(
        meta.instructions.ends_with("You only review; never edit."),
        "{}",
        meta.instructions
    );
    let outputs: Vec<String> = child
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item {
                item: jig_protocol::Item::ToolOutput(out),
            } => Some(out.output.clone()),
            _ => None,
        })
        .collect();
    assert!(
        outputs[0].contains("read_file"),
        "a tool the type leaves out is unknown: {}",
        outputs[0]
    );
    assert!(outputs[1].contains("reviewed"), "{}", outputs[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_childs_approval_goes_to_the_parents_front_end_and_blocks_no_other_child() {
    let fx = Fixture::new();
    let asks = child_script(
        &fx,
        "asks",
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch approved.txt" }
[[response]]
text = "touched"
[response.expect]
last_status = "ok"
"#,
    );
    let reads = child_script(
        &fx,
        "reads",
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "ls" }
[[response]]
text = "listed"
"#,
    );
    let script = format!(
        "[[response]]\n{}{}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 600000 }}
[[response]]
text = \"both done\"
",
        spawn_call("touch a file", &asks),
        spawn_call("list the files", &reads),
    );
    // `untrusted`: anything not known to be read-only asks first.
    let mut parent = start_with(&fx, &script, None, ApprovalPolicy::Untrusted);
    let root = parent.handle.session_id.clone();
    let mut request = None;
    let mut other_done = false;
    while request.is_none() || !other_done {
        let envelope = parent.events.recv().await.expect("the session ended early");
        match &envelope.event {
            Event::ApprovalRequested {
                request_id, command, ..
            } => {
                assert_ne!(envelope.session_id, root, "only the child asks");
                assert_eq!(command, "touch approved.txt");
                request = Some((envelope.session_id.clone(), request_id.clone()));
            }
            Event::TurnCompleted { last_message, .. } if envelope.session_id != root => {
                assert_eq!(
                    last_message.as_deref(),
                    Some("listed"),
                    "the other child finished first"
                );
                other_done = true;
            }
            _ => {}
        }
    }
    let (asker, request_id) = request.unwrap();
    // Unique in the tree: the child's id is in it.
    assert!(
        request_id.starts_with("approval-") && asker.ends_with(&request_id["approval-".len()..request_id.len() - 2]),
        "{request_id}"
    );
    assert!(
        !fx.ws().join("approved.txt").exists(),
        "nothing ran before the approval"
    );
    // Answered through the parent's handle, as a front-end answers.
    parent.handle.submit(Op::Approval {
        request_id,
        decision: jig_protocol::ReviewDecision::Approve,
    });
    // The other child's result was recorded before; the asking one's is next.
    let (seen, outcome) = until_parent_done(&mut parent, 1).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{seen:#?}");
    assert!(fx.ws().join("approved.txt").exists());
}

/// A child that sleeps until its turn is stopped.
const SLEEPER: &str = r#"
[[response]]
text = "Sleeping."
[[response.tool_calls]]
name = "shell"
arguments = { command = "sleep 60" }
[[response]]
text = "never reached"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_of_the_parent_stops_the_whole_tree() {
    let fx = Fixture::new();
    let sleeper = child_script(&fx, "sleeper", SLEEPER);
    let script = format!(
        "[[response]]\n{}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 600000 }}
[[response]]
text = \"never reached\"
",
        spawn_call("sleep", &sleeper)
    );
    let mut parent = start(&fx, &script, None);
    // Interrupt once the child is in its command.
    loop {
        let envelope = parent.events.recv().await.expect("ended early");
        if envelope.session_id != parent.handle.session_id && matches!(envelope.event, Event::ToolCallBegin { .. }) {
            break;
        }
    }
    parent.handle.submit(Op::Interrupt);
    let (seen, outcome) = until_parent_done(&mut parent, 1).await;
    assert_eq!(outcome, TurnOutcome::Interrupted, "{seen:#?}");
    let results = updates(&records(&parent.dir));
    assert_eq!(results[0].1, AgentStatus::Interrupted, "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_past_its_wall_time_is_stopped_and_says_so() {
    let fx = Fixture::new();
    let home = fx.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), "[agents.quick]\nmax_wall_secs = 1\n").unwrap();
    let sleeper = child_script(&fx, "sleeper", SLEEPER);
    let script = format!(
        "[[response]]
[[response.tool_calls]]
name = \"spawn_agent\"
arguments = {{ message = \"sleep\", model = {}, agent_type = \"quick\" }}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{ timeout_ms = 600000 }}
[[response]]
text = \"it ran out of time\"
[response.expect]
last_output_contains = \"wall-time limit of 1 s\"
",
        toml_str(&sleeper)
    );
    let mut parent = start(&fx, &script, None);
    let (seen, outcome) = until_parent_done(&mut parent, 1).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{seen:#?}");
    let results = updates(&records(&parent.dir));
    assert!(
        matches!(&results[0].1, AgentStatus::BudgetExceeded { message: Some(m), reason } if m == "Sleeping." && reason.contains("wall-time")),
        "{results:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forked_child_starts_from_the_parents_conversation() {
    let fx = Fixture::new();
    // The fork holds one model response of the parent's, so the child's
    // scripted model answers from its second response on.
    let child = child_script(
        &fx,
        "forked",
        r#"
[[response]]
text = "(the parent's response, already in the forked context)"
[[response]]
text = "I can see the parent's request."
[response.expect]
user_contains = "now check the notes"
"#,
    );
    let script = format!(
        "[[response]]
text = \"Delegating with my context.\"
[[response.tool_calls]]
name = \"spawn_agent\"
arguments = {{ message = \"now check the notes\", model = {}, fork_context = true }}
[[response]]
[[response.tool_calls]]
name = \"wait_agents\"
arguments = {{}}
[[response]]
text = \"done\"
[response.expect]
last_output_contains = \"I can see the parent's request.\"
",
        toml_str(&child)
    );
    let mut parent = start(&fx, &script, None);
    let (seen, outcome) = until_parent_done(&mut parent, 1).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{seen:#?}");
    let results = updates(&records(&parent.dir));
    let child_records = records(&parent.dir.join("agents/sessions").join(&results[0].0));
    let items: Vec<&jig_protocol::Item> = child_records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item { item } => Some(item),
            _ => None,
        })
        .collect();
    // The parent's request and its own words come first, then the brief;
    // the spawn call itself (no output yet) is left out.
    assert!(
        matches!(items[0], jig_protocol::Item::Message { text, .. } if text == "fan the work out"),
        "{items:?}"
    );
    assert!(
        matches!(items[1], jig_protocol::Item::Message { text, .. } if text == "Delegating with my context."),
        "{items:?}"
    );
    assert!(
        !items.iter().any(|i| matches!(i, jig_protocol::Item::ToolCall(_))),
        "{items:?}"
    );
    assert!(
        matches!(items[2], jig_protocol::Item::Message { text, .. } if text == "now check the notes"),
        "{items:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_finishes_while_the_parent_is_idle_starts_its_next_turn() {
    let fx = Fixture::new();
    // The child waits for a file the test writes once the parent's turn
    // has ended without waiting for it (a background sub-agent).
    let background = child_script(
        &fx,
        "background",
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "while [ ! -e go ]; do sleep 0.05; done" }
[[response]]
text = "background work done"
"#,
    );
    let script = format!(
        "[[response]]\n{}
[[response]]
text = \"Started it; I will hear when it is done.\"
[[response]]
text = \"It reported back.\"
[response.expect]
user_contains = \"background work done\"
",
        spawn_call("work in the background", &background)
    );
    let mut parent = start(&fx, &script, None);
    let (_, first) = until_parent_done(&mut parent, 0).await;
    assert_eq!(first, TurnOutcome::Completed);
    std::fs::write(fx.ws().join("go"), "").unwrap();
    let (seen, second) = until_parent_done(&mut parent, 1).await;
    assert_eq!(second, TurnOutcome::Completed, "{seen:#?}");
    let turns = records(&parent.dir)
        .iter()
        .filter(|r| {
            matches!(
                r,
                RolloutRecord::Event {
                    event: Event::TurnCompleted { .. }
                }
            )
        })
        .count();
    assert_eq!(turns, 2, "the result started the parent's second turn");
}

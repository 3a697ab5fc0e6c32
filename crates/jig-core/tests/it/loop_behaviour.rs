//! The agent loop: outcomes, tool dispatch order, errors back to the model,
//! interjections and interrupts.

use jig_protocol::{Event, Op, ToolStatus, TurnOutcome};

use crate::support::{Fixture, run, tool_ends, until_tool_call_begins, until_turn_end};

#[tokio::test]
async fn a_turn_runs_tools_and_completes_with_the_final_message() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
text = "Listing."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo hello > out.txt && cat out.txt" }
[[response]]
text = "Done: wrote out.txt."
[response.expect]
last_output_contains = "hello"
"#;
    let mut handle = fx.start(script, 10);
    let (events, outcome) = run(&mut handle, "write a file").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(std::fs::read_to_string(fx.ws().join("out.txt")).unwrap(), "hello\n");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(last_message.as_deref(), Some("Done: wrote out.txt."));
    let deltas: String = events
        .iter()
        .filter_map(|e| match e {
            Event::AgentMessageDelta { delta } => Some(delta.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, "Listing.Done: wrote out.txt.");
    assert!(
        matches!(events[0], Event::SessionStarted { resumed: false, .. }),
        "{events:?}"
    );
}

#[tokio::test]
async fn the_step_limit_ends_the_turn_with_max_turns() {
    let fx = Fixture::new();
    let step = "[[response]]\n[[response.tool_calls]]\nname = \"list_dir\"\narguments = {}\n";
    let mut handle = fx.start(&step.repeat(5), 2);
    let (events, outcome) = run(&mut handle, "loop").await;
    assert_eq!(outcome, TurnOutcome::MaxTurns { limit: 2 });
    assert_eq!(tool_ends(&events).len(), 2);
}

#[tokio::test]
async fn without_a_step_limit_a_long_turn_runs_to_its_answer() {
    let fx = Fixture::new();
    let step = "[[response]]\n[[response.tool_calls]]\nname = \"list_dir\"\narguments = {}\n";
    let script = format!("{}[[response]]\ntext = \"done after 80 steps\"\n", step.repeat(80));
    let mut config = fx.config(10);
    config.max_turns = jig_config::DEFAULT_MAX_TURNS;
    let session = jig_core::Session::create(
        &config,
        crate::support::model(&script),
        jig_tools::ToolRouter::builtin(),
    )
    .unwrap();
    let mut handle = session.spawn();
    let (events, outcome) = run(&mut handle, "a long task").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(tool_ends(&events).len(), 80);
}

#[tokio::test]
async fn unknown_tools_and_malformed_arguments_go_back_to_the_model() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "grep"
arguments = { pattern = "x" }
[[response]]
[response.expect]
last_output_contains = "unknown tool `grep`"
last_status = "error"
[[response.tool_calls]]
name = "read_file"
arguments = '{"path": '
[[response]]
[response.expect]
last_output_contains = "malformed JSON arguments for `read_file`"
[[response.tool_calls]]
name = "read_file"
arguments = { path = "missing.txt" }
[[response]]
text = "Recovered."
[response.expect]
last_status = "error"
"#;
    let mut handle = fx.start(script, 10);
    let (events, outcome) = run(&mut handle, "try things").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let statuses: Vec<ToolStatus> = tool_ends(&events).into_iter().map(|(_, s, _)| s).collect();
    assert_eq!(statuses, vec![ToolStatus::Error; 3]);
}

#[tokio::test]
async fn a_model_fault_fails_the_turn_with_a_clear_message() {
    let fx = Fixture::new();
    let script = "[[response]]\n[[response.tool_calls]]\nname = \"list_dir\"\narguments = {}\n";
    let mut handle = fx.start(script, 10);
    let (_, outcome) = run(&mut handle, "go").await;
    let TurnOutcome::Failed { kind, error } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(kind, jig_protocol::FailureKind::Model);
    assert!(error.contains("has no response #2"), "{error}");
}

#[tokio::test]
async fn read_only_calls_run_as_one_batch_and_mutating_calls_in_order() {
    let fx = Fixture::new();
    std::fs::write(fx.ws().join("a.txt"), "alpha\n").unwrap();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "read_file"
arguments = { path = "a.txt" }
[[response.tool_calls]]
name = "search"
arguments = { pattern = "alpha" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo one >> log.txt" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo two >> log.txt" }
[[response]]
text = "ok"
"#;
    let mut handle = fx.start(script, 10);
    let (events, outcome) = run(&mut handle, "go").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    let order: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::ToolCallBegin { name, .. } => Some(format!("begin {name}")),
            Event::ToolCallEnd { name, .. } => Some(format!("end {name}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        [
            "begin read_file",
            "begin search",
            "end read_file",
            "end search",
            "begin shell",
            "end shell",
            "begin shell",
            "end shell",
        ]
    );
    assert_eq!(std::fs::read_to_string(fx.ws().join("log.txt")).unwrap(), "one\ntwo\n");
}

#[tokio::test]
async fn plan_updates_become_events() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "update_plan"
arguments = { plan = [{ step = "look", status = "in_progress" }] }
[[response]]
text = "ok"
"#;
    let mut handle = fx.start(script, 10);
    let (events, _) = run(&mut handle, "plan").await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::PlanUpdated { plan, .. } if plan.len() == 1))
    );
}

#[tokio::test]
async fn an_interjection_reaches_the_next_model_request() {
    let fx = Fixture::new();
    // The tool waits for a file the test creates after interjecting, so the
    // interjection is certain to arrive while the turn runs.
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "while [ ! -f go ]; do sleep 0.01; done; echo released" }
[[response]]
text = "Noted."
[response.expect]
user_contains = "also update the changelog"
"#;
    let mut handle = fx.start(script, 10);
    handle.submit(Op::UserInput { text: "start".into() });
    until_tool_call_begins(&mut handle).await;
    handle.submit(Op::Interject {
        text: "also update the changelog".into(),
    });
    std::fs::write(fx.ws().join("go"), "").unwrap();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    // Front-ends learn when it was delivered: after the tool's result, before the answer.
    let delivered = events
        .iter()
        .position(|e| matches!(e, Event::UserMessage { text } if text == "also update the changelog"))
        .expect("a user_message event for the interjection");
    let tool_end = events
        .iter()
        .position(|e| matches!(e, Event::ToolCallEnd { .. }))
        .unwrap();
    let answer = events
        .iter()
        .position(|e| matches!(e, Event::AgentMessage { .. }))
        .unwrap();
    assert!(tool_end < delivered && delivered < answer, "{events:#?}");
}

#[tokio::test]
async fn an_interrupt_kills_the_running_tool_and_ends_the_turn() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "sleep 100" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo never > never.txt" }
"#;
    let mut handle = fx.start(script, 10);
    handle.submit(Op::UserInput { text: "start".into() });
    until_tool_call_begins(&mut handle).await;
    handle.submit(Op::Interrupt);
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Interrupted);
    let ends = tool_ends(&events);
    assert_eq!(ends.len(), 2, "every call gets an output: {ends:?}");
    assert!(ends.iter().all(|(_, s, _)| *s == ToolStatus::Interrupted));
    assert!(!fx.ws().join("never.txt").exists());
}

#[tokio::test]
async fn a_token_budget_ends_the_turn_before_the_calls_run() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
usage = { input_tokens = 900, output_tokens = 50 }
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo one > one.txt" }
[[response]]
usage = { input_tokens = 1000, output_tokens = 50 }
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo two > two.txt" }
[[response]]
text = "never reached"
"#;
    let mut config = fx.config(10);
    config.limits = jig_core::budget::Limits {
        price: Some(jig_config::PriceSettings {
            input: 1.0,
            cached_input: None,
            output: 10.0,
        }),
        max_tokens: Some(1500),
        max_cost_usd: None,
    };
    let session =
        jig_core::Session::create(&config, crate::support::model(script), jig_tools::ToolRouter::builtin()).unwrap();
    let mut handle = session.spawn();
    let (events, outcome) = run(&mut handle, "go").await;
    assert_eq!(
        outcome,
        TurnOutcome::BudgetExceeded {
            budget: jig_protocol::Budget::Tokens,
            limit: 1500.0,
            used: 2000.0
        }
    );
    assert!(fx.ws().join("one.txt").exists());
    assert!(!fx.ws().join("two.txt").exists(), "the call after the cap must not run");
    let ends = tool_ends(&events);
    assert_eq!(ends[1].1, ToolStatus::Interrupted);
    assert!(ends[1].2.contains("budget"), "{}", ends[1].2);
    let costs: Vec<f64> = events
        .iter()
        .filter_map(|e| match e {
            Event::TokenUsage { cost: Some(cost), .. } => Some(cost.total_usd),
            _ => None,
        })
        .collect();
    assert_eq!(costs.len(), 2);
    assert!(
        (costs[1] - (1900.0 * 1.0 + 100.0 * 10.0) / 1e6).abs() < 1e-12,
        "{costs:?}"
    );
}

#[tokio::test]
async fn an_active_goal_keeps_the_turn_going_until_it_is_complete() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "create_goal"
arguments = { objective = "ship the release notes", token_budget = 100000 }
[[response]]
text = "I think I'm done."
[[response]]
[response.expect]
user_contains = "The goal is still active: ship the release notes"
[[response.tool_calls]]
name = "update_goal"
arguments = { status = "complete" }
[[response]]
text = "Goal complete."
"#;
    let mut handle = fx.start(script, 10);
    let (events, outcome) = run(&mut handle, "write the release notes").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let goals: Vec<jig_protocol::Goal> = events
        .iter()
        .filter_map(|e| match e {
            Event::GoalUpdated { goal } => Some(goal.clone()),
            _ => None,
        })
        .collect();
    let statuses: Vec<_> = goals.iter().map(|g| g.status).collect();
    use jig_protocol::GoalStatus::{Active, Complete};
    // Set, completed by the model, then its spending recorded at the turn's end.
    assert_eq!(statuses, [Active, Complete, Complete]);
    assert!(goals[2].tokens_used > 0, "{goals:?}");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(last_message.as_deref(), Some("Goal complete."));
}

fn with_token_cap(fx: &Fixture, script: &str, max_tokens: u64) -> jig_core::SessionHandle {
    let mut config = fx.config(10);
    config.limits = jig_core::budget::Limits {
        price: None,
        max_tokens: Some(max_tokens),
        max_cost_usd: None,
    };
    jig_core::Session::create(&config, crate::support::model(script), jig_tools::ToolRouter::builtin())
        .unwrap()
        .spawn()
}

fn requests_made(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::TokenUsage { .. })).count()
}

#[tokio::test]
async fn an_active_goal_does_not_carry_the_turn_past_the_budget() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
usage = { input_tokens = 900, output_tokens = 50 }
[[response.tool_calls]]
name = "create_goal"
arguments = { objective = "ship the release notes" }
[[response]]
usage = { input_tokens = 1000, output_tokens = 10 }
text = "I think I'm done."
[[response]]
usage = { input_tokens = 1100, output_tokens = 10 }
text = "Still going: a paid request past the cap."
"#;
    let mut handle = with_token_cap(&fx, script, 1500);
    let (events, outcome) = run(&mut handle, "write the release notes").await;
    assert_eq!(
        outcome,
        TurnOutcome::BudgetExceeded {
            budget: jig_protocol::Budget::Tokens,
            limit: 1500.0,
            used: 1960.0
        },
        "{events:#?}"
    );
    assert_eq!(requests_made(&events), 2);
}

#[tokio::test]
async fn a_turn_in_a_session_over_its_budget_makes_no_request() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
usage = { input_tokens = 1900, output_tokens = 100 }
text = "Done, over the cap with the final answer."
[[response]]
text = "a paid request the cap should have prevented"
"#;
    let mut handle = with_token_cap(&fx, script, 1500);
    let (_, outcome) = run(&mut handle, "first").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    let (events, outcome) = run(&mut handle, "second").await;
    assert!(
        matches!(
            outcome,
            TurnOutcome::BudgetExceeded {
                budget: jig_protocol::Budget::Tokens,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(requests_made(&events), 0, "{events:#?}");
}

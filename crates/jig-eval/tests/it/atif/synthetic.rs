//! A rollout built record by record with what the recorded fixtures lack:
//! approvals, a freeform `apply_patch`, an interrupted call, a compaction,
//! cost events, two turns with plan updates.

use jig_protocol::{
    Cost, Event, Item, PlanStep, ROLLOUT_FORMAT_VERSION, ReviewDecision, RolloutRecord, SessionMeta, StepStatus,
    TokenUsage, ToolCall, ToolOutput, ToolStatus, TurnOutcome,
};

fn meta() -> RolloutRecord {
    RolloutRecord::SessionMeta(SessionMeta {
        session_id: "01a23abf-0000-7000-8000-000000000001".into(),
        created_at: "2026-12-03T07:00:00.000Z".into(),
        cwd: "/ws".into(),
        model: "openai/gpt-5-codex".into(),
        instructions: "test instructions".into(),
        dialect: Some("codex".into()),
        parent_session_id: None,
        jig_version: "0.1.0".into(),
        format: ROLLOUT_FORMAT_VERSION,
    })
}

fn event(event: Event) -> RolloutRecord {
    RolloutRecord::Event { event }
}

fn item(item: Item) -> RolloutRecord {
    RolloutRecord::Item { item }
}

fn call(id: &str, name: &str, arguments: &str) -> Item {
    Item::ToolCall(ToolCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.into(),
    })
}

fn output(id: &str, status: ToolStatus, text: &str) -> RolloutRecord {
    item(Item::ToolOutput(ToolOutput {
        call_id: id.into(),
        output: text.into(),
        status,
        images: Vec::new(),
    }))
}

fn response(items: Vec<Item>, input: u64) -> RolloutRecord {
    RolloutRecord::Response {
        items,
        usage: TokenUsage {
            input_tokens: input,
            cached_input_tokens: input / 2,
            output_tokens: 10,
        },
    }
}

fn cost(total: f64) -> RolloutRecord {
    event(Event::TokenUsage {
        last: TokenUsage::default(),
        turn: TokenUsage::default(),
        total: TokenUsage::default(),
        cost: Some(Cost {
            last_usd: 0.01,
            turn_usd: total,
            total_usd: total,
        }),
    })
}

fn plan(status: StepStatus) -> RolloutRecord {
    event(Event::PlanUpdated {
        explanation: None,
        plan: vec![PlanStep {
            step: "fix add".into(),
            status,
        }],
    })
}

pub const PATCH: &str =
    "*** Begin Patch\n*** Update File: calc.py\n@@\n-    return a - b\n+    return a + b\n*** End Patch\n";

/// Two turns of a codex-dialect session with what the recorded fixtures
/// lack.
pub fn synthetic() -> Vec<RolloutRecord> {
    vec![
        meta(),
        item(Item::user("clean the build and fix add in calc.py")),
        event(Event::TurnStarted { turn_id: 1 }),
        response(
            vec![
                Item::reasoning("plan first"),
                Item::assistant("Planning, then cleaning."),
                call(
                    "c1",
                    "update_plan",
                    r#"{"plan":[{"step":"fix add","status":"in_progress"}]}"#,
                ),
            ],
            100,
        ),
        cost(0.01),
        output("c1", ToolStatus::Ok, "Plan updated"),
        plan(StepStatus::InProgress),
        response(
            vec![call("c2", "shell", r#"{"command":["bash","-lc","rm -rf build"]}"#)],
            200,
        ),
        cost(0.02),
        event(Event::ApprovalRequested {
            request_id: "1".into(),
            call_id: "c2".into(),
            command: "rm -rf build".into(),
            cwd: "/ws".into(),
            reason: "destructive".into(),
            escalation: false,
        }),
        event(Event::ApprovalDecided {
            request_id: "1".into(),
            decision: ReviewDecision::Approve,
        }),
        output("c2", ToolStatus::Ok, "exit code: 0"),
        response(
            vec![call("c3", "shell", r#"{"command":["rg","-n","def add","calc.py"]}"#)],
            300,
        ),
        output(
            "c3",
            ToolStatus::Ok,
            "calc.py:1:def add(a, b):\ncalc.py:2:    return a - b",
        ),
        response(
            vec![Item::assistant("Patching."), call("c4", "apply_patch", PATCH)],
            400,
        ),
        output(
            "c4",
            ToolStatus::Ok,
            "Success. Updated the following files:\nM calc.py\n",
        ),
        response(
            vec![call("c5", "shell", r#"{"command":["bash","-lc","sh tests/check.sh"]}"#)],
            500,
        ),
        output("c5", ToolStatus::Interrupted, "interrupted"),
        event(Event::TurnCompleted {
            turn_id: 1,
            outcome: TurnOutcome::Interrupted,
            last_message: None,
        }),
        item(Item::user("go on")),
        event(Event::TurnStarted { turn_id: 2 }),
        RolloutRecord::Compaction {
            id: 1,
            replacement: vec![Item::Compaction {
                summary: "fixed add; tests not run".into(),
                responses: 5,
            }],
            ledger: Vec::new(),
            dropped: 12,
        },
        response(
            vec![
                Item::assistant("Running the check."),
                call("c6", "shell", r#"{"command":["bash","-lc","sh tests/check.sh"]}"#),
            ],
            600,
        ),
        cost(0.05),
        output("c6", ToolStatus::Ok, "exit code: 0\nok"),
        plan(StepStatus::Completed),
        response(vec![Item::assistant("Done: add adds, the check passes.")], 700),
        event(Event::TurnCompleted {
            turn_id: 2,
            outcome: TurnOutcome::Completed,
            last_message: Some("Done: add adds, the check passes.".into()),
        }),
    ]
}

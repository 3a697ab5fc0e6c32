//! The simulated user on its own: which facts a question is about, the
//! scripted and the model-driven answers, the leak guard, the conversation
//! with an agent over the exec JSON-lines protocol, and the interview
//! traits. Whole interview suites through `jig eval run` are in the CLI's
//! `eval_interview` tests.

use std::sync::Arc;

use jig_eval::interview::driver::converse;
use jig_eval::interview::log::{UserLog, read};
use jig_eval::interview::{CheckKind, Driver, SimulatedUser, UserConfig, UserRecord, Why};
use jig_eval::traits::{TraitName, grade_interview};
use jig_model::scripted::{ScriptFormat, ScriptedModel};
use jig_protocol::{Event, Item, RolloutRecord, ToolCall, TurnOutcome};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const USER: &str = r#"
persona = "A maintainer who answers briefly."
requirements = "Cache the parsed config; reload it when the file's mtime changes; later, JSON output."
max_questions = 2

[[facts]]
name = "invalidation"
about = ["invalidat", "stale", "reload"]
answer = "Reload it when the file's mtime changes."
reveals = ["mtime"]

[[facts]]
name = "where"
about = ["where", "which function"]
answer = "Cache what load_config returns."
reveals = ["load_config"]
ambiguity = false

[[changes]]
name = "json"
after = "first_turn"
message = "Actually, print the stats as JSON."
check = "true"

[[constraints]]
name = "api"
check = "true"
"#;

fn config() -> UserConfig {
    toml::from_str(USER).unwrap()
}

#[tokio::test]
async fn the_scripted_user_tells_what_is_asked_picks_the_option_naming_it_and_otherwise_defers() {
    let mut user = SimulatedUser::new(config(), Driver::Scripted);
    let told = user.answer("When should the cached config be invalidated?", &[]).await;
    assert_eq!(told.answer, "Reload it when the file's mtime changes.");
    assert_eq!(told.facts, ["invalidation"]);
    assert!(told.leaks.is_empty());

    let options = ["Never".to_owned(), "When its mtime changes".to_owned()];
    let picked = user.answer("How should stale entries be handled?", &options).await;
    assert_eq!(picked.answer, "When its mtime changes");

    let deferred = user.answer("Tabs or spaces?", &[]).await;
    assert_eq!(deferred.answer, config().default_answer);
    assert!(deferred.facts.is_empty() && deferred.leaks.is_empty());
}

#[tokio::test]
async fn the_model_driven_user_answers_what_it_may_and_the_leak_guard_fires_on_what_it_must_not() {
    // The scripted provider stands in for the model playing the user: it
    // answers the question about invalidation (allowed), then gives the
    // same fact away in answer to a question about something else.
    let script = r#"
[[response]]
text = "Reload it whenever the file's mtime changes."
[response.expect]
user_contains = "When should the cache be invalidated?"

[[response]]
text = "Call it cached_config. Oh, and it must reload when the mtime changes."
[response.expect]
user_contains = "What should the new function be called?"
"#;
    let model = ScriptedModel::parse("user.toml", script, ScriptFormat::Toml).unwrap();
    let mut user = SimulatedUser::new(config(), Driver::Model(Arc::new(model)));
    let allowed = user.answer("When should the cache be invalidated?", &[]).await;
    assert_eq!(allowed.answer, "Reload it whenever the file's mtime changes.");
    assert_eq!(allowed.facts, ["invalidation"]);
    assert!(allowed.leaks.is_empty(), "{allowed:?}");

    let leaked = user.answer("What should the new function be called?", &[]).await;
    assert!(leaked.facts.is_empty());
    assert_eq!(leaked.leaks, ["invalidation"], "{leaked:?}");
}

#[test]
fn a_user_table_that_cannot_work_says_why() {
    let mut bad = config();
    bad.facts[1].name = "invalidation".into();
    assert_eq!(
        bad.problem().as_deref(),
        Some("the name `invalidation` is used twice in [jig.user]")
    );
    let mut bad = config();
    bad.facts[0].about = vec![" ".into()];
    assert!(
        bad.problem().unwrap().contains("needs `about` words"),
        "{:?}",
        bad.problem()
    );
    let typo = USER.replace("after = ", "when = ");
    let error = toml::from_str::<UserConfig>(&typo).unwrap_err().to_string();
    assert!(error.contains("unknown field `when`"), "{error}");
    assert_eq!(config().problem(), None);
}

/// One event line as `jig exec --json` prints it.
fn event(value: Value) -> String {
    format!("{value}\n")
}

#[tokio::test]
async fn a_conversation_answers_questions_replies_sends_the_change_then_ends_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("user.jsonl");
    let mut log = UserLog::create(&log_path).unwrap();
    let mut user = SimulatedUser::new(config(), Driver::Scripted);
    let (events_in, mut events_out) = tokio::io::duplex(1 << 16);
    let (ops_in, ops_out) = tokio::io::duplex(1 << 16);

    // The agent: reads each op and answers with what jig exec would print.
    let agent = async move {
        let mut ops = BufReader::new(ops_out).lines();
        let mut seen = Vec::new();
        let mut next = async || -> Option<Value> {
            let line = ops.next_line().await.unwrap()?;
            Some(serde_json::from_str(&line).unwrap())
        };
        let first = next().await.unwrap();
        seen.push(first);
        let script = [
            event(json!({"type": "turn_started", "turn_id": 1})),
            event(
                json!({"type": "input_requested", "request_id": "r1", "call_id": "c1", "request": {
                "kind": "questions", "questions": [
                    {"id": "q1", "question": "When should the cache be invalidated?", "options": [{"label": "Never"}, {"label": "On mtime change"}]},
                    {"id": "q2", "question": "Tabs or spaces?"}
                ]}}),
            ),
        ];
        for line in script {
            events_out.write_all(line.as_bytes()).await.unwrap();
        }
        seen.push(next().await.unwrap());
        for line in [
            event(json!({"type": "agent_message", "text": "Cached. Which function should I put it in?"})),
            event(json!({"type": "turn_completed", "turn_id": 1, "outcome": {"type": "completed"}})),
        ] {
            events_out.write_all(line.as_bytes()).await.unwrap();
        }
        seen.push(next().await.unwrap());
        for line in [
            event(json!({"type": "turn_started", "turn_id": 2})),
            event(json!({"type": "agent_message", "text": "Done: load_config is cached."})),
            event(json!({"type": "turn_completed", "turn_id": 2, "outcome": {"type": "completed"}})),
        ] {
            events_out.write_all(line.as_bytes()).await.unwrap();
        }
        seen.push(next().await.unwrap());
        for line in [
            event(json!({"type": "turn_started", "turn_id": 3})),
            event(json!({"type": "agent_message", "text": "The stats print as JSON now."})),
            event(json!({"type": "turn_completed", "turn_id": 3, "outcome": {"type": "completed"}})),
        ] {
            events_out.write_all(line.as_bytes()).await.unwrap();
        }
        // The user has nothing more to say: its input ends.
        assert_eq!(next().await, None);
        drop(events_out);
        seen
    };
    let mut tee = Vec::new();
    let talk = converse(
        &mut user,
        &mut log,
        "Cache the config.",
        BufReader::new(events_in),
        ops_in,
        &mut tee,
        dir.path(),
    );
    let ((), seen) = tokio::join!(talk, agent);

    assert_eq!(seen[0], json!({"type": "user_input", "text": "Cache the config."}));
    assert_eq!(
        seen[1],
        json!({"type": "answer", "request_id": "r1", "answer": {"kind": "answers", "answers": {
            "q1": ["On mtime change"], "q2": [config().default_answer]}}})
    );
    assert_eq!(
        seen[2],
        json!({"type": "user_input", "text": "Cache what load_config returns."})
    );
    assert_eq!(
        seen[3],
        json!({"type": "user_input", "text": "Actually, print the stats as JSON."})
    );
    // Every event line was copied out.
    assert_eq!(String::from_utf8(tee).unwrap().lines().count(), 10);

    let records = read(&log_path);
    let questions: Vec<(&Option<String>, u32, &[String])> = records
        .iter()
        .filter_map(|r| match r {
            UserRecord::Question {
                call_id, turn, facts, ..
            } => Some((call_id, *turn, facts.as_slice())),
            _ => None,
        })
        .collect();
    assert_eq!(
        questions,
        [
            (&Some("c1".to_owned()), 1, &["invalidation".to_owned()][..]),
            (&Some("c1".to_owned()), 1, &[][..]),
            (&None, 1, &["where".to_owned()][..]),
        ]
    );
    assert!(
        records
            .iter()
            .any(|r| matches!(r, UserRecord::Said { why: Why::Change { name }, turn: 2, .. } if name == "json"))
    );
    assert!(
        matches!(records.last(), Some(UserRecord::Ended { reason }) if reason == "turn 3 ended with nothing left to say")
    );
}

/// A rollout: a question by tool call, then an edit, then a turn's end.
fn rollout(question_first: bool) -> Vec<RolloutRecord> {
    let call = |id: &str, name: &str, args: Value| RolloutRecord::Response {
        items: vec![Item::ToolCall(ToolCall {
            call_id: id.into(),
            name: name.into(),
            arguments: args.to_string(),
        })],
        usage: Default::default(),
    };
    let output = |id: &str, text: &str| RolloutRecord::Item {
        item: Item::ToolOutput(jig_protocol::ToolOutput {
            call_id: id.into(),
            status: jig_protocol::ToolStatus::Ok,
            output: text.into(),
            images: Vec::new(),
        }),
    };
    let ask = [
        call("ask", "ask_user", json!({"question": "When should it be invalidated?"})),
        output("ask", "The user answered: on mtime change"),
    ];
    let edit = [
        call("edit", "write_file", json!({"path": "cache.py", "content": "x = 1\n"})),
        output("edit", "Created cache.py"),
    ];
    let mut records = vec![RolloutRecord::Event {
        event: Event::TurnStarted { turn_id: 1 },
    }];
    if question_first {
        records.extend(ask.into_iter().chain(edit));
    } else {
        records.extend(edit.into_iter().chain(ask));
    }
    records.push(RolloutRecord::Event {
        event: Event::TurnCompleted {
            turn_id: 1,
            outcome: TurnOutcome::Completed,
            last_message: None,
        },
    });
    records
}

fn log(passed: bool, change_sent: bool) -> Vec<UserRecord> {
    let mut log = vec![UserRecord::Question {
        call_id: Some("ask".into()),
        turn: 1,
        question: "When should it be invalidated?".into(),
        facts: vec!["invalidation".into()],
        answer: "on mtime change".into(),
    }];
    for turn in 1..=3 {
        log.push(UserRecord::Question {
            call_id: None,
            turn,
            question: "Anything else?".into(),
            facts: vec![],
            answer: "No.".into(),
        });
    }
    if change_sent {
        log.push(UserRecord::Said {
            why: Why::Change { name: "json".into() },
            turn: 1,
            text: "JSON please".into(),
        });
    }
    for kind in [CheckKind::Constraint, CheckKind::Change] {
        log.push(UserRecord::Check {
            kind,
            name: if kind == CheckKind::Change { "json" } else { "api" }.into(),
            passed,
            detail: "`true` exited 0".into(),
        });
    }
    log
}

#[test]
fn the_interview_traits_follow_the_rollout_and_the_users_log() {
    let graded = |records: &[RolloutRecord], log: &[UserRecord]| -> Vec<(TraitName, bool)> {
        grade_interview(records, &config(), log)
            .into_iter()
            .map(|t| (t.name, t.passed))
            .collect()
    };
    use TraitName::*;
    // Asked before editing; four questions against a budget of two; the
    // checks passed; the change was sent.
    assert_eq!(
        graded(&rollout(true), &log(true, true)),
        [
            (AskedAbout, true),
            (QuestionBudget, false),
            (RespectedConstraint, true),
            (AdaptedToChange, true)
        ]
    );
    // Asked only after the edit; the checks failed.
    assert_eq!(
        graded(&rollout(false), &log(false, true)),
        [
            (AskedAbout, false),
            (QuestionBudget, false),
            (RespectedConstraint, false),
            (AdaptedToChange, false)
        ]
    );
    // A change never sent was not adapted to, whatever its check says.
    let unsent = graded(&rollout(true), &log(true, false));
    assert_eq!(unsent[3], (AdaptedToChange, false));
    let evidence = &grade_interview(&rollout(false), &config(), &log(false, true))[0].evidence;
    assert!(
        evidence[0]
            .what
            .starts_with("asked about invalidation only after the first edit"),
        "{evidence:?}"
    );
}

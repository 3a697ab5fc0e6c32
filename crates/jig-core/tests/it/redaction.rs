//! Redaction in real sessions: what reaches the rollout and the front-end,
//! whatever the configured patterns also match, and a redacted session
//! still resumes.

use jig_core::redact::Redactor;
use jig_protocol::{Event, Item, TurnOutcome};

use crate::support::{Fixture, model, run};

#[tokio::test]
async fn a_pattern_that_also_matches_a_tag_leaks_nothing_and_the_session_resumes() {
    let fx = Fixture::new();
    let script = r#"
[[response]]
text = "Checking acct-123456."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo acct-654321 postgres://app:pw-0987654321@db/main ghp_0123456789abcdefghijABCDEFGHIJ012345" }
[[response]]
text = "The assistant found acct-111111."
[[response]]
text = "Resumed fine."
"#;
    let mut config = fx.config(10);
    let mut redactor = Redactor::default();
    redactor.add_pattern("acct-[0-9]{6}").unwrap();
    redactor.add_pattern("assistant").unwrap();
    config.redactor = redactor;
    let session = jig_core::Session::create(&config, model(script), jig_tools::ToolRouter::builtin()).unwrap();
    let mut handle = session.spawn();
    let (events, outcome) = run(&mut handle, "my account is acct-999999").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(last_message.as_deref(), Some("The [REDACTED] found [REDACTED]."));
    let dir = handle.dir.clone();
    handle.submit(jig_protocol::Op::Shutdown);
    while handle.next_event().await.is_some() {}

    let text = std::fs::read_to_string(dir.join("rollout.jsonl")).unwrap();
    for secret in ["acct-", "pw-0987654321", "ghp_0123456789"] {
        assert!(!text.contains(secret), "{secret} reached the rollout:\n{text}");
    }
    for kept in ["postgres://app:[REDACTED:password]@db/main", "[REDACTED:github-token]"] {
        assert!(text.contains(kept), "{kept} missing:\n{text}");
    }
    // Every line is still a record, and the session resumes from them.
    let session = jig_core::Session::resume(dir, &config, model(script), jig_tools::ToolRouter::builtin()).unwrap();
    assert_eq!(session.items()[0], Item::user("my account is [REDACTED]"));
    assert!(session.items().contains(&Item::assistant("Checking [REDACTED].")));
    let mut handle = session.spawn();
    let (events, outcome) = run(&mut handle, "again").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
}

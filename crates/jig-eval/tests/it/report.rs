//! The run report on a run written with the results API and rollouts on
//! real files: its JSON pinned with insta (run id redacted), a hostile
//! rollout that stays inert in the HTML, long outputs cut head and tail,
//! and a multi-step sample read as one step per session.

use std::path::{Path, PathBuf};

use jig_eval::judge::{CriterionScore, Judgement, Verdict};
use jig_eval::report::{self, html, trajectory::RecordBody};
use jig_eval::results::{Results, RunSpec, SampleResult, SampleStatus};
use jig_eval::task::Reward;
use jig_eval::traits::{Evidence, TraitName, TraitScore};
use jig_protocol::TokenUsage;
use serde_json::{Value, json};

fn spec() -> RunSpec {
    RunSpec {
        suites: vec!["evals/core".into()],
        agent: "jig".into(),
        model: "reference".into(),
        samples_per_task: 1,
        concurrency: 2,
        filter: None,
        judge: Some("scripted:judge".into()),
        user_model: None,
        started_at: "2026-12-01T10:00:00Z".into(),
        jig_version: "0.1.0".into(),
    }
}

/// A session directory `sessions/ID/rollout.jsonl` holding `records`.
fn rollout(sessions: &Path, id: &str, records: &[Value]) -> PathBuf {
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    crate::write(sessions, &format!("{id}/rollout.jsonl"), &(lines.join("\n") + "\n"))
}

fn meta() -> Value {
    json!({"type": "session_meta", "session_id": "s1", "created_at": "2026-12-01T10:00:00Z", "cwd": "/app",
           "model": "scripted:x", "instructions": "You are jig.", "dialect": "generic", "jig_version": "0.1.0", "format": 1})
}

fn call(id: &str, text: &str, name: &str, arguments: &str) -> Value {
    json!({"type": "response", "items": [
        {"type": "message", "role": "assistant", "text": text},
        {"type": "tool_call", "call_id": id, "name": name, "arguments": arguments}],
        "usage": {"input_tokens": 100, "cached_input_tokens": 0, "output_tokens": 20}})
}

fn output(id: &str, text: &str, status: &str) -> Value {
    json!({"type": "item", "item": {"type": "tool_output", "call_id": id, "output": text, "status": status}})
}

fn user(text: &str) -> Value {
    json!({"type": "item", "item": {"type": "message", "role": "user", "text": text}})
}

fn event(event: Value) -> Value {
    json!({"type": "event", "event": event})
}

/// A fixing session: read, patch, test, done.
fn fixing_session(sessions: &Path) -> PathBuf {
    rollout(
        sessions,
        "01",
        &[
            meta(),
            user("Fix the slug function."),
            call("c1", "Reading it first.", "read_file", r#"{"path":"slug.py"}"#),
            output("c1", "1\tdef slug(s):\n2\t    return s", "ok"),
            call(
                "c2",
                "Lower-casing.",
                "apply_patch",
                r#"{"input":"*** Begin Patch\n*** Update File: slug.py\n@@\n-    return s\n+    return s.lower()\n*** End Patch"}"#,
            ),
            output("c2", "Success. Updated the following files:\nM slug.py\n", "ok"),
            event(
                json!({"type": "tool_call_end", "call_id": "c2", "name": "apply_patch", "status": "ok", "output": "Success.", "duration_ms": 1}),
            ),
            call("c3", "Testing.", "shell", r#"{"command":["python3","-m","unittest"]}"#),
            output("c3", "exit code: 0\nOK", "ok"),
            event(json!({"type": "turn_completed", "turn_id": 1, "outcome": {"type": "completed"}})),
            "not a record".into(),
        ],
    )
}

fn result(task: &str, status: SampleStatus, rollout_path: Option<PathBuf>) -> SampleResult {
    let passed = matches!(status, SampleStatus::Passed);
    SampleResult {
        task: task.into(),
        sample_index: 0,
        reward: Some(Reward::Single(if passed { 1.0 } else { 0.0 })),
        status,
        traits: vec![
            TraitScore {
                name: TraitName::ReadBeforeEdit,
                applicable: true,
                passed,
                score: if passed { 1.0 } else { 0.0 },
                evidence: vec![Evidence {
                    record: Some(4),
                    what: "apply_patch on slug.py after reading it (read_file, record 2)".into(),
                }],
            },
            TraitScore {
                name: TraitName::NoForbiddenCommands,
                applicable: true,
                passed: true,
                score: 1.0,
                evidence: vec![Evidence {
                    record: None,
                    what: "1 shell command, none forbidden".into(),
                }],
            },
        ],
        usage: TokenUsage {
            input_tokens: 300,
            cached_input_tokens: 0,
            output_tokens: 60,
        },
        cost_usd: Some(0.002),
        agent_ms: 1500,
        verifier_ms: 300,
        rollout_path,
        workspace_diff: Some(
            "--- a/slug.py\n+++ b/slug.py\n@@ -1,2 +1,2 @@\n def slug(s):\n-    return s\n+    return s.lower()\n"
                .into(),
        ),
        judgement: Some(Judgement {
            judge: "scripted:judge".into(),
            verdict: Verdict::Graded {
                scores: vec![CriterionScore {
                    criterion: "correctness".into(),
                    score: 4,
                    min: 1,
                    max: 5,
                }],
                rationale: "Read the file (record 2) before patching it (record 4) and ran the tests.".into(),
                cited: vec![2, 4, 7],
            },
            usage: TokenUsage::default(),
            cost_usd: None,
        }),
    }
}

/// A database with one run of `samples`; returns the report.
fn report_of(dir: &Path, samples: &[SampleResult]) -> report::Report {
    let mut results = Results::open(dir.join("evals.db")).unwrap();
    let run = results.create_run(&spec()).unwrap();
    for sample in samples {
        results.record_sample(&run, sample).unwrap();
    }
    results.finish_run(&run, "2026-12-01T10:05:00Z").unwrap();
    let run = results.run(run.as_str()).unwrap();
    report::build(&results, &run).unwrap()
}

#[test]
fn report_json_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("slug/0/sessions");
    let rollout = fixing_session(&sessions);
    let mut failed = result("b-failed", SampleStatus::Failed, None);
    failed.judgement = None;
    failed.workspace_diff = None;
    let report = report_of(
        dir.path(),
        &[result("a-slug", SampleStatus::Passed, Some(rollout)), failed],
    );
    let mut value = serde_json::to_value(&report).unwrap();
    value["summary"]["run"]["id"] = json!("[run id]");
    insta::assert_json_snapshot!("report", value);
}

#[test]
fn a_hostile_rollout_stays_inert_in_the_html() {
    let dir = tempfile::tempdir().unwrap();
    let attack = "</script><script>alert(1)</script><img src=x onerror=alert(2)>&amp;\u{2028}";
    let rollout = rollout(
        &dir.path().join("sessions"),
        "01",
        &[
            meta(),
            user(attack),
            call("c1", attack, "shell", &json!({"command": attack}).to_string()),
            output("c1", attack, "error"),
        ],
    );
    let mut sample = result(attack, SampleStatus::Error { reason: attack.into() }, Some(rollout));
    sample.workspace_diff = Some(attack.into());
    let report = report_of(dir.path(), &[sample]);
    let page = html::report(&report).unwrap();
    // The page's own three script elements, and not one more.
    assert_eq!(page.matches("<script").count(), 3, "{page}");
    assert_eq!(page.matches("</script>").count(), 3);
    assert!(!page.contains("alert(1)</script>"));
    assert!(!page.contains("<img"));
    assert!(!page.contains('\u{2028}'));
    // The data block still carries the text exactly.
    let start = page.find(r#"<script type="application/json" id="data">"#).unwrap();
    let block = &page[start..];
    let json = &block[block.find('>').unwrap() + 1..block.find("</script>").unwrap()];
    let data: Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["samples"][0]["task"], attack);
    assert_eq!(data["samples"][0]["steps"][0]["records"][3]["item"]["output"], attack);
}

#[test]
fn long_tool_outputs_are_cut_head_and_tail() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("HEAD{}TAIL", "x".repeat(200_000));
    let rollout = rollout(
        &dir.path().join("sessions"),
        "01",
        &[meta(), call("c1", "Reading.", "shell", "{}"), output("c1", &long, "ok")],
    );
    let report = report_of(dir.path(), &[result("t", SampleStatus::Passed, Some(rollout))]);
    let RecordBody::Item { item } = &report.samples[0].steps[0].records[2].body else {
        panic!("{:?}", report.samples[0].steps[0].records[2]);
    };
    let text = serde_json::to_value(item).unwrap()["output"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.len() <= report::trajectory::MAX_TEXT + 100, "{}", text.len());
    assert!(text.starts_with("HEAD") && text.ends_with("TAIL"));
    assert!(text.contains("bytes cut"), "{text}");
}

#[test]
fn a_multi_step_sample_has_one_step_per_session() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let first = rollout(&sessions, "01a", &[meta(), user("step one")]);
    rollout(&sessions, "01b", &[meta(), user("step two"), user("more")]);
    let report = report_of(dir.path(), &[result("t", SampleStatus::Passed, Some(first))]);
    let steps = &report.samples[0].steps;
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].records.len(), 2);
    assert_eq!(steps[1].records.len(), 3);
    assert_eq!(steps[1].records[2].n, 2);
}

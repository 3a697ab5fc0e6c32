//! Compaction in real sessions: it triggers exactly when the estimated
//! context passes the threshold, the summary replaces the right items, a
//! person's focus reaches the summary request, `recall` brings dropped
//! details back, resume continues after a compaction, and — over a long
//! session with many compactions — every dropped file and command can be
//! recalled (the retention figure).
//!
//! The scripted model is stateless and counts responses, so a compaction's
//! summary request consumes the next scripted response: each script places a
//! summary response exactly where the compaction happens, guarded by
//! `expect.user_contains` on the summary instruction, so a compaction that
//! comes one request early or late fails the script loudly.
//!
//! `Spy` wraps the scripted model to keep a copy of every request's items:
//! it is the only way to see the live session's conversation once the
//! session runs as an actor. It delegates every answer to the real scripted
//! model, so nothing of jig's is mocked.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use jig_compact::{Estimator, RecallTool, TokenCounter};
use jig_core::compaction::CompactionConfig;
use jig_core::resume::rebuild;
use jig_core::rollout::read_rollout;
use jig_core::{Session, SessionHandle};
use jig_model::scripted::{ScriptFormat, ScriptedModel};
use jig_model::{ModelClient, ModelError, ModelRequest, ResponseStream};
use jig_protocol::{CompactionReason, Event, Item, LedgerKind, Op, Role, RolloutRecord, ToolStatus, TurnOutcome};
use jig_tools::{Tool, ToolContext, ToolRouter};

use crate::support::{Fixture, run, shut_down, until_turn_end};

/// Words every summary instruction contains.
const INSTRUCTION: &str = "about to be compacted";
/// The fixture's system instructions (counted in the context).
const INSTRUCTIONS: &str = "test instructions";

/// Records every request's items, then lets the scripted model answer.
struct Spy {
    inner: ScriptedModel,
    requests: Mutex<Vec<Vec<Item>>>,
}

impl Spy {
    /// A spy over `script`, every response of which reports zero input
    /// tokens: that keeps the session's estimator at its default ratio (a
    /// zero report carries no information), so the compaction points here
    /// depend on the estimate alone and the scripts can place the summaries.
    fn new(script: &str) -> Arc<Spy> {
        let script = script.replace(
            "[[response]]\n",
            "[[response]]\nusage = { input_tokens = 0, output_tokens = 0 }\n",
        );
        Arc::new(Spy {
            inner: ScriptedModel::parse("test", &script, ScriptFormat::Toml).unwrap(),
            requests: Mutex::default(),
        })
    }

    fn requests(&self) -> Vec<Vec<Item>> {
        self.requests.lock().unwrap().clone()
    }
}

impl ModelClient for Spy {
    fn spec(&self) -> &str {
        self.inner.spec()
    }

    fn stream<'a, 'b, 'c, 'f>(
        &'a self,
        request: &'b ModelRequest<'c>,
    ) -> Pin<Box<dyn Future<Output = Result<ResponseStream, ModelError>> + Send + 'f>>
    where
        'a: 'f,
        'b: 'f,
        'c: 'f,
        Self: 'f,
    {
        self.requests.lock().unwrap().push(request.items.to_vec());
        self.inner.stream(request)
    }
}

fn compaction(window: u64, threshold: f64, keep_recent_tokens: u64) -> CompactionConfig {
    CompactionConfig {
        auto: true,
        context_window: window,
        threshold,
        keep_recent_tokens,
        template: None,
        tiktoken: false,
    }
}

/// The usual small window: compaction past 1000 estimated tokens, about 300 kept.
fn small_window() -> CompactionConfig {
    compaction(2000, 0.5, 300)
}

fn start(fx: &Fixture, compaction: CompactionConfig, model: Arc<Spy>) -> SessionHandle {
    let mut config = fx.config(200);
    config.compaction = compaction;
    Session::create(&config, model, ToolRouter::builtin()).unwrap().spawn()
}

fn resume(fx: &Fixture, dir: &Path, compaction: CompactionConfig, model: Arc<Spy>) -> Session {
    let mut config = fx.config(200);
    config.compaction = compaction;
    Session::resume(dir.to_path_buf(), &config, model, ToolRouter::builtin()).unwrap()
}

/// A file of `lines` lines of 72 characters, each naming `tag` and its line,
/// so read_file shows about 20 tokens a line.
fn write_lines(ws: &Path, name: &str, tag: &str, lines: usize) {
    let text: String = (1..=lines)
        .map(|n| format!("{:<71}\n", format!("{tag} line {n:02}: the quick brown fox jumps")))
        .collect();
    let path = ws.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read_step(path: &str) -> String {
    format!("[[response]]\n[[response.tool_calls]]\nname = \"read_file\"\narguments = {{ path = \"{path}\" }}\n")
}

fn summary_step(text: &str, instruction_contains: &str) -> String {
    format!("[[response]]\ntext = \"{text}\"\n[response.expect]\nuser_contains = \"{instruction_contains}\"\n")
}

fn records(dir: &Path) -> Vec<RolloutRecord> {
    read_rollout(&dir.join("rollout.jsonl")).unwrap().records
}

fn rebuilt_items(dir: &Path, records: &[RolloutRecord]) -> Vec<Item> {
    rebuild(&dir.join("rollout.jsonl"), records).unwrap().items
}

fn context_tokens(items: &[Item]) -> u64 {
    let counter = Estimator::default();
    jig_compact::context_tokens(&counter, items) + counter.count(INSTRUCTIONS)
}

/// Replays the rollout and checks every automatic compaction came exactly
/// when the context passed `limit`: each ordinary model request was sent
/// with the context at or under it, each compaction started above it with
/// the `tokens_before` it reports. Returns the number of compactions.
fn assert_compactions_at_threshold(records: &[RolloutRecord], limit: u64) -> usize {
    let mut items: Vec<Item> = Vec::new();
    let mut compactions = 0;
    for (index, record) in records.iter().enumerate() {
        match record {
            RolloutRecord::Item { item } => items.push(item.clone()),
            RolloutRecord::Response { items: response, .. } => {
                let is_summary = matches!(records.get(index + 1), Some(RolloutRecord::Compaction { .. }));
                if !is_summary {
                    let tokens = context_tokens(&items);
                    assert!(
                        tokens <= limit,
                        "record {index}: a request went out at {tokens} tokens, past the limit {limit}, uncompacted"
                    );
                    items.extend(response.iter().cloned());
                }
            }
            RolloutRecord::Compaction { replacement, .. } => {
                items = replacement.clone();
                compactions += 1;
            }
            RolloutRecord::Event {
                event:
                    Event::CompactionStarted {
                        reason: CompactionReason::Auto,
                        tokens_before,
                        ..
                    },
            } => {
                let tokens = context_tokens(&items);
                assert!(
                    tokens > limit,
                    "record {index}: compacted early, at {tokens} of {limit}"
                );
                assert_eq!(*tokens_before, tokens, "record {index}: reported tokens_before");
            }
            RolloutRecord::SessionMeta(_)
            | RolloutRecord::Event { .. }
            | RolloutRecord::Checkpoint(_)
            | RolloutRecord::Undo(_) => {}
        }
    }
    compactions
}

/// Every call has exactly one output after it, and every output its call.
fn assert_paired(items: &[Item]) {
    for (index, item) in items.iter().enumerate() {
        match item {
            Item::ToolCall(call) => {
                let outputs = items[index + 1..]
                    .iter()
                    .filter(|i| matches!(i, Item::ToolOutput(o) if o.call_id == call.call_id))
                    .count();
                assert_eq!(outputs, 1, "call {} has {outputs} outputs: {items:#?}", call.call_id);
            }
            Item::ToolOutput(output) => {
                let calls = items[..index]
                    .iter()
                    .filter(|i| matches!(i, Item::ToolCall(c) if c.call_id == output.call_id))
                    .count();
                assert_eq!(calls, 1, "output {} has {calls} calls: {items:#?}", output.call_id);
            }
            Item::Message { .. } | Item::Reasoning { .. } | Item::Compaction { .. } => {}
        }
    }
}

fn compaction_events(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| matches!(e, Event::CompactionStarted { .. } | Event::CompactionCompleted { .. }))
        .collect()
}

/// Five files `f1.txt`..`f5.txt` and a script that reads them one per step.
fn five_reads(fx: &Fixture) -> String {
    let mut script = String::new();
    for n in 1..=5 {
        write_lines(&fx.ws(), &format!("f{n}.txt"), &format!("f{n}"), 10);
        script.push_str(&read_step(&format!("f{n}.txt")));
    }
    script
}

#[tokio::test]
async fn auto_compaction_starts_right_when_the_context_passes_the_threshold() {
    let fx = Fixture::new();
    // Each read adds about 216 tokens: 4 reads stay under 1000, the 5th passes it.
    let mut script = five_reads(&fx);
    script.push_str(&summary_step("SUMMARY-ONE: read f1 to f5.", INSTRUCTION));
    script.push_str("[[response]]\ntext = \"Done.\"\n[response.expect]\nuser_contains = \"read the files\"\n");
    let spy = Spy::new(&script);
    let mut handle = start(&fx, small_window(), spy.clone());
    let (events, outcome) = run(&mut handle, "read the files").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");

    let started = events
        .iter()
        .position(|e| matches!(e, Event::CompactionStarted { .. }))
        .expect("a compaction started");
    let reads_before = events[..started]
        .iter()
        .filter(|e| matches!(e, Event::ToolCallEnd { .. }))
        .count();
    assert_eq!(
        reads_before, 5,
        "compaction came right after the read that passed the limit"
    );
    let found = compaction_events(&events);
    let [
        Event::CompactionStarted {
            reason: CompactionReason::Auto,
            focus: None,
            tokens_before,
        },
        Event::CompactionCompleted {
            tokens_before: before_again,
            tokens_after,
            dropped_items,
            ledger_entries,
        },
    ] = found[..]
    else {
        panic!("one auto compaction, started then completed: {found:#?}")
    };
    assert!(*tokens_before > 1000, "{tokens_before}");
    assert_eq!(tokens_before, before_again);
    assert!(tokens_after < tokens_before, "{tokens_after} >= {tokens_before}");
    assert!(*dropped_items >= 6, "{dropped_items}");
    assert_eq!(*ledger_entries, 4, "f1..f4 were dropped, f5 kept");

    let records = records(&handle.dir);
    assert_eq!(assert_compactions_at_threshold(&records, 1000), 1);
    // The summary request was the whole conversation plus the instruction.
    let requests = spy.requests();
    assert_eq!(requests.len(), 7);
    let summary_request = &requests[5];
    assert_eq!(summary_request[..requests[4].len()], requests[4][..]);
    assert_eq!(
        summary_request.len(),
        requests[4].len() + 3,
        "the 5th read, then the instruction"
    );
    assert!(
        matches!(summary_request.last(), Some(Item::Message { role: Role::User, text }) if text.contains(INSTRUCTION))
    );
}

/// Turn 1 runs a command and reads a.txt; turn 2 reads b..e and compacts.
fn two_turn_script(fx: &Fixture) -> String {
    for name in ["a", "b", "c", "d", "e"] {
        write_lines(&fx.ws(), &format!("{name}.txt"), name, 10);
    }
    let mut script = String::from(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = { command = \"echo MARKER-A-$((40+2))\" }\n",
    );
    script.push_str(&read_step("a.txt"));
    script.push_str("[[response]]\ntext = \"Looked.\"\n");
    for name in ["b", "c", "d", "e"] {
        script.push_str(&read_step(&format!("{name}.txt")));
    }
    script.push_str(&summary_step("SUMMARY-TWO: ran the marker, read a to e.", INSTRUCTION));
    script.push_str("[[response]]\ntext = \"Second done.\"\n[response.expect]\nlast_output_contains = \"e line 10\"\n");
    script
}

#[tokio::test]
async fn the_summary_replaces_older_items_and_keeps_user_messages_and_the_recent_tail() {
    let fx = Fixture::new();
    let spy = Spy::new(&two_turn_script(&fx));
    let mut handle = start(&fx, small_window(), spy.clone());
    let (events, outcome) = run(&mut handle, "first: look around").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    assert!(compaction_events(&events).is_empty());
    let (events, outcome) = run(&mut handle, "second: read more").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    assert_eq!(compaction_events(&events).len(), 2);

    let dir = handle.dir.clone();
    let records = records(&dir);
    assert_eq!(assert_compactions_at_threshold(&records, 1000), 1);
    let at = records
        .iter()
        .position(|r| matches!(r, RolloutRecord::Compaction { .. }))
        .unwrap();
    // The conversation just before the summary request.
    let before = rebuilt_items(&dir, &records[..at - 1]);
    let RolloutRecord::Compaction {
        replacement, dropped, ..
    } = &records[at]
    else {
        unreachable!()
    };
    assert_eq!(replacement[0], Item::user("first: look around"));
    assert_eq!(replacement[1], Item::user("second: read more"));
    let Item::Compaction { summary, .. } = &replacement[2] else {
        panic!("{replacement:#?}")
    };
    assert!(summary.starts_with("SUMMARY-TWO: ran the marker"), "{summary}");
    let ledger = &summary[summary.find("\n\nLedger: ").expect("a ledger digest")..];
    for named in ["a.txt", "b.txt", "c.txt", "d.txt", "echo MARKER-A-$((40+2))"] {
        assert!(ledger.contains(named), "{named} missing from {ledger}");
    }
    assert!(!ledger.contains("e.txt"), "e.txt stayed in the tail: {ledger}");
    let tail = &replacement[3..];
    assert_eq!(tail, &before[before.len() - tail.len()..], "the tail is kept verbatim");
    assert!(matches!(&tail[0], Item::ToolCall(call) if call.arguments.contains("e.txt")));
    assert_eq!(
        jig_model::responses_so_far(replacement),
        jig_model::responses_so_far(&before) + 1,
        "the summary counts as one response"
    );
    assert_paired(replacement);

    // What went is still in the rollout, and only what went.
    let kept_len = 2 + tail.len();
    assert_eq!(*dropped as usize, before.len() - kept_len);
    let text = std::fs::read_to_string(dir.join("rollout.jsonl")).unwrap();
    for item in before.iter().filter(|item| !replacement.contains(item)) {
        let json = serde_json::to_string(item).unwrap();
        assert!(text.contains(&json), "dropped item lost from the rollout: {json}");
    }

    // The live conversation at the last request is the replacement.
    let last_request = spy.requests().pop().unwrap();
    assert_eq!(&last_request, replacement);
    let mut all = rebuilt_items(&dir, &records);
    assert_eq!(all.pop(), Some(Item::assistant("Second done.")));
    assert_eq!(&all, replacement);
    assert_paired(&all);
}

#[tokio::test]
async fn a_manual_compaction_while_idle_sends_the_focus_to_the_summary_request() {
    let fx = Fixture::new();
    write_lines(&fx.ws(), "a.txt", "a", 10);
    let mut script = read_step("a.txt");
    script.push_str(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = { command = \"echo hi\" }\n\
         [[response]]\ntext = \"Turn one done.\"\n",
    );
    script.push_str(&summary_step("SUMMARY-FOCUS", "keep the API design"));
    script.push_str("[[response]]\ntext = \"Turn two done.\"\n[response.expect]\nuser_contains = \"next\"\n");
    let spy = Spy::new(&script);
    let manual = CompactionConfig {
        auto: false,
        keep_recent_tokens: 50,
        ..CompactionConfig::default()
    };
    let mut handle = start(&fx, manual, spy.clone());
    let (_, outcome) = run(&mut handle, "turn one").await;
    assert_eq!(outcome, TurnOutcome::Completed);

    handle.submit(Op::Compact {
        focus: Some("keep the API design".into()),
    });
    let mut events = Vec::new();
    while let Some(event) = handle.next_event().await {
        let done = matches!(event, Event::CompactionCompleted { .. } | Event::Error { .. });
        events.push(event);
        if done {
            break;
        }
    }
    assert!(
        matches!(
            &events[..],
            [
                Event::SessionIdle { agents_running: 0 },
                Event::CompactionStarted { reason: CompactionReason::Manual, focus: Some(focus), .. },
                Event::CompactionCompleted { .. },
            ] if focus == "keep the API design"
        ),
        "{events:#?}"
    );
    let (events, outcome) = run(&mut handle, "next").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let last = spy.requests().pop().unwrap();
    assert_eq!(last[0], Item::user("turn one"));
    assert!(matches!(&last[1], Item::Compaction { summary, .. } if summary.starts_with("SUMMARY-FOCUS")));
    assert_eq!(last.last(), Some(&Item::user("next")));
    assert_paired(&last);
}

#[tokio::test]
async fn a_manual_compaction_during_a_turn_happens_before_the_next_request() {
    let fx = Fixture::new();
    write_lines(&fx.ws(), "a.txt", "a", 10);
    let mut script = read_step("a.txt");
    script.push_str(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\n\
         arguments = { command = \"while [ ! -f go ]; do sleep 0.01; done; echo released\" }\n",
    );
    script.push_str(&summary_step("SUMMARY-MID-TURN", "keep the API design"));
    script.push_str("[[response]]\ntext = \"Done.\"\n[response.expect]\nlast_output_contains = \"released\"\n");
    let manual = CompactionConfig {
        keep_recent_tokens: 50,
        ..CompactionConfig::default()
    };
    let spy = Spy::new(&script);
    let mut handle = start(&fx, manual, spy.clone());
    handle.submit(Op::UserInput { text: "work".into() });
    while let Some(event) = handle.next_event().await {
        if matches!(&event, Event::ToolCallBegin { name, .. } if name == "shell") {
            break;
        }
    }
    handle.submit(Op::Compact {
        focus: Some("keep the API design".into()),
    });
    std::fs::write(fx.ws().join("go"), "").unwrap();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let found = compaction_events(&events);
    assert!(
        matches!(
            found[..],
            [
                Event::CompactionStarted {
                    reason: CompactionReason::Manual,
                    ..
                },
                Event::CompactionCompleted { .. }
            ]
        ),
        "{found:#?}"
    );
    let last = spy.requests().pop().unwrap();
    assert!(matches!(&last[1], Item::Compaction { summary, .. } if summary.contains("Ledger: Files read: a.txt")));
    assert!(
        !last
            .iter()
            .any(|i| matches!(i, Item::ToolOutput(o) if o.output.contains("a line 01")))
    );
}

#[tokio::test]
async fn recall_brings_back_a_dropped_file_and_a_dropped_command_output() {
    let fx = Fixture::new();
    std::fs::write(fx.ws().join("secret.txt"), "SECRET-CONTENT-91\n").unwrap();
    // The command's output (MARKER-R-42) never appears in its own text.
    let mut script = String::from(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = { command = \"echo MARKER-R-$((6*7))\" }\n",
    );
    script.push_str(&read_step("secret.txt"));
    for n in 1..=5 {
        write_lines(&fx.ws(), &format!("f{n}.txt"), &format!("f{n}"), 10);
        script.push_str(&read_step(&format!("f{n}.txt")));
    }
    script.push_str(&summary_step("SUMMARY-RECALL", INSTRUCTION));
    script.push_str(
        r#"
[[response]]
[[response.tool_calls]]
name = "recall"
arguments = { query = "secret.txt" }
[[response]]
[response.expect]
last_output_contains = "SECRET-CONTENT-91"
[[response.tool_calls]]
name = "recall"
arguments = { query = "MARKER-R" }
[[response]]
text = "Recalled both."
[response.expect]
last_output_contains = "MARKER-R-42"
"#,
    );
    let spy = Spy::new(&script);
    let mut handle = start(&fx, small_window(), spy.clone());
    let (events, outcome) = run(&mut handle, "read, then recall").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    assert_eq!(compaction_events(&events).len(), 2);
    // Both were out of the context when recall was called.
    let requests = spy.requests();
    let at_recall = &requests[requests.len() - 3];
    let text = serde_json::to_string(at_recall).unwrap();
    assert!(
        !text.contains("SECRET-CONTENT-91") && !text.contains("MARKER-R-42"),
        "{text}"
    );
}

#[tokio::test]
async fn resume_after_a_compaction_continues_the_conversation_and_the_script() {
    let fx = Fixture::new();
    let mut script = five_reads(&fx);
    script.push_str(&summary_step("SUMMARY-RESUME", INSTRUCTION));
    script.push_str("[[response]]\ntext = \"Done one.\"\n");
    script.push_str("[[response]]\ntext = \"Done two.\"\n[response.expect]\nuser_contains = \"second turn\"\n");

    let live = Spy::new(&script);
    let mut handle = start(&fx, small_window(), live.clone());
    let (_, outcome) = run(&mut handle, "read the files").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    handle.submit(Op::Shutdown);
    while handle.next_event().await.is_some() {}
    let dir = handle.dir.clone();
    let mut live_items = live.requests().pop().unwrap();
    live_items.push(Item::assistant("Done one."));

    let resumed_model = Spy::new(&script);
    let session = resume(&fx, &dir, small_window(), resumed_model.clone());
    assert_eq!(
        session.items(),
        &live_items[..],
        "the resumed conversation is the live one"
    );
    assert!(!session.has_unfinished_turn());
    let mut handle = session.spawn();
    let (events, outcome) = run(&mut handle, "second turn").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(
        last_message.as_deref(),
        Some("Done two."),
        "the script went on at response #8"
    );
    shut_down(handle).await;

    // A crash right after the compaction record: the turn goes on from the summary.
    let lines: Vec<String> = std::fs::read_to_string(dir.join("rollout.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(r#"{"type":"compaction""#))
        .unwrap();
    std::fs::write(dir.join("rollout.jsonl"), lines[..=at].join("\n") + "\n").unwrap();
    let model = Spy::new(&script);
    let session = resume(&fx, &dir, small_window(), model.clone());
    assert!(session.has_unfinished_turn());
    let mut handle = session.spawn();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    assert!(compaction_events(&events).is_empty(), "not compacted twice");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(last_message.as_deref(), Some("Done one."));
    assert_eq!(model.requests(), [live.requests()[6].clone()]);
}

#[tokio::test]
async fn a_crash_between_the_summary_and_the_compaction_record_redoes_the_compaction() {
    let fx = Fixture::new();
    let mut script = five_reads(&fx);
    script.push_str(&summary_step("SUMMARY-TORN", INSTRUCTION));
    script.push_str("[[response]]\ntext = \"Done one.\"\n");
    let live = Spy::new(&script);
    let mut handle = start(&fx, small_window(), live.clone());
    let (_, outcome) = run(&mut handle, "read the files").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    let dir = handle.dir.clone();
    shut_down(handle).await;
    let lines: Vec<String> = std::fs::read_to_string(dir.join("rollout.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(r#"{"type":"compaction""#))
        .unwrap();
    // Killed after the summary's response record, before the compaction record.
    std::fs::write(dir.join("rollout.jsonl"), lines[..at].join("\n") + "\n").unwrap();
    let mut handle = resume(&fx, &dir, small_window(), Spy::new(&script)).spawn();
    let (events, outcome) = until_turn_end(&mut handle).await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let Some(Event::TurnCompleted { last_message, .. }) = events.last() else {
        panic!()
    };
    assert_eq!(
        last_message.as_deref(),
        Some("Done one."),
        "the summary is not the turn's answer: the turn goes on"
    );
    let records = records(&dir);
    assert!(records.iter().any(|r| matches!(r, RolloutRecord::Compaction { .. })));
}

/// Many compactions over 40 files and 40 commands; every dropped one must
/// come back through `recall`.
#[tokio::test]
async fn recall_recovers_every_file_and_command_dropped_over_many_compactions() {
    const STEPS: usize = 40;
    let fx = Fixture::new();
    // Each step (a read of ~340 tokens and a command) adds about 390 tokens:
    // with a 1000-token limit the first compaction comes after 3 steps, then
    // one every 2 (a compacted context holds the summary and the last step).
    let mut script = String::new();
    let mut compactions = 0;
    for n in 1..=STEPS {
        let path = format!("src/f{n:02}.txt");
        write_lines(&fx.ws(), &path, &format!("CONTENT-{n:02}"), 17);
        script.push_str(&format!(
            "[[response]]\n[[response.tool_calls]]\nname = \"read_file\"\narguments = {{ path = \"{path}\" }}\n\
             [[response.tool_calls]]\nname = \"shell\"\narguments = {{ command = \"echo MARKER-{n:02}-$((1000+{n}))\" }}\n"
        ));
        if n >= 3 && n % 2 == 1 {
            compactions += 1;
            script.push_str(&summary_step(
                &format!("Summary {compactions}: steps up to {n}."),
                INSTRUCTION,
            ));
        }
    }
    script.push_str("[[response]]\ntext = \"All read.\"\n");
    let mut handle = start(&fx, small_window(), Spy::new(&script));
    let (events, outcome) = run(&mut handle, "work through the files").await;
    assert_eq!(outcome, TurnOutcome::Completed, "{events:#?}");
    let dir = handle.dir.clone();
    let records = records(&dir);
    assert_eq!(assert_compactions_at_threshold(&records, 1000), compactions);
    assert!(compactions >= 5, "{compactions}");

    // Everything the compactions dropped, by the ledgers, with its original output.
    let outputs: std::collections::HashMap<String, String> = records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item {
                item: Item::ToolOutput(o),
            } => Some((o.call_id.clone(), o.output.clone())),
            _ => None,
        })
        .collect();
    let mut dropped: Vec<(LedgerKind, String, String)> = Vec::new();
    for record in &records {
        if let RolloutRecord::Compaction { ledger, .. } = record {
            for entry in ledger {
                let call_id = entry.call_id.clone().unwrap();
                dropped.push((entry.kind, entry.value.clone(), outputs[&call_id].clone()));
            }
        }
    }
    // Cross-check: every call out of the final context is in some ledger.
    let final_items = rebuilt_items(&dir, &records);
    let in_context: Vec<&str> = final_items
        .iter()
        .filter_map(|i| match i {
            Item::ToolCall(c) => Some(c.call_id.as_str()),
            _ => None,
        })
        .collect();
    let out_of_context = outputs.keys().filter(|id| !in_context.contains(&id.as_str())).count();
    assert_eq!(
        dropped.len(),
        out_of_context,
        "a dropped call is missing from the ledgers"
    );
    let files = dropped.iter().filter(|d| d.0 == LedgerKind::Read).count();
    let commands = dropped.iter().filter(|d| d.0 == LedgerKind::Command).count();
    assert_eq!(files + commands, dropped.len());
    assert!(files >= 35 && commands >= 35, "{files} files, {commands} commands");

    let recall = RecallTool::new(dir.join("rollout.jsonl"));
    let ctx = ToolContext::new(fx.ws());
    let mut recovered = 0;
    let mut missed = Vec::new();
    for (_, value, output) in &dropped {
        let result = recall.run(&ctx, serde_json::json!({ "query": value })).await.unwrap();
        assert_eq!(result.status, ToolStatus::Ok);
        if result.output.contains(output.as_str()) {
            recovered += 1;
        } else {
            missed.push(value.clone());
        }
    }
    let share = 100.0 * recovered as f64 / dropped.len() as f64;
    eprintln!(
        "compaction retention: {recovered}/{} dropped items recovered by recall ({share:.1}%): \
         {files} files, {commands} commands, over {compactions} compactions",
        dropped.len()
    );
    assert!(missed.is_empty(), "not recovered: {missed:?}");
}

#[tokio::test]
async fn an_interrupt_cancels_a_manual_compaction_while_idle_and_records_no_half() {
    let fx = Fixture::new();
    write_lines(&fx.ws(), "a.txt", "a", 10);
    let mut script = read_step("a.txt");
    script.push_str(
        "[[response]]\n[[response.tool_calls]]\nname = \"shell\"\narguments = { command = \"echo hi\" }\n\
         [[response]]\ntext = \"Turn one done.\"\n",
    );
    // Had the compaction gone on, this summary would have been its answer.
    script.push_str(&summary_step("SUMMARY-NOT-WANTED", INSTRUCTION));
    let spy = Spy::new(&script);
    let manual = CompactionConfig {
        auto: false,
        keep_recent_tokens: 50,
        ..CompactionConfig::default()
    };
    let mut handle = start(&fx, manual.clone(), spy.clone());
    let (_, outcome) = run(&mut handle, "turn one").await;
    assert_eq!(outcome, TurnOutcome::Completed);
    let dir = handle.dir.clone();
    let before = rebuilt_items(&dir, &records(&dir));

    // Both ops are queued before the session takes the first one.
    handle.submit(Op::Compact { focus: None });
    handle.submit(Op::Interrupt);
    let mut events = Vec::new();
    while let Some(event) = handle.next_event().await {
        let done = matches!(event, Event::CompactionCompleted { .. } | Event::Error { .. });
        events.push(event);
        if done {
            break;
        }
    }
    assert!(
        matches!(
            &events[..],
            [Event::SessionIdle { agents_running: 0 }, Event::CompactionStarted { .. }, Event::Error { message }]
                if message == jig_core::compaction::COMPACTION_INTERRUPTED
        ),
        "{events:#?}"
    );
    assert_eq!(spy.requests().len(), 3, "the summary was never requested");
    handle.submit(Op::Shutdown);
    while handle.next_event().await.is_some() {}

    let records = records(&dir);
    assert!(!records.iter().any(|r| matches!(r, RolloutRecord::Compaction { .. })));
    assert_eq!(rebuilt_items(&dir, &records), before, "the conversation is unchanged");
    let resumed = resume(&fx, &dir, manual, spy);
    assert!(!resumed.has_unfinished_turn());
    assert_eq!(resumed.items(), &before[..]);
}

/// The first request of a session counting with o200k: its items without
/// any budget note, and the note's text if one was added.
async fn first_request_with_tiktoken(window: u64, prompt: &str) -> (Vec<Item>, Option<String>) {
    let fx = Fixture::new();
    let model = Spy::new("[[response]]\ntext = \"ok\"\n");
    let mut config = compaction(window, 0.8, 100);
    config.auto = false;
    config.tiktoken = true;
    let mut handle = start(&fx, config, model.clone());
    let (_, outcome) = run(&mut handle, prompt).await;
    assert_eq!(outcome, TurnOutcome::Completed);
    shut_down(handle).await;
    let mut note = None;
    let items = model.requests()[0]
        .iter()
        .filter(|item| match item {
            Item::Message {
                role: Role::System,
                text,
            } if text.starts_with("[context]") => {
                note = Some(text.clone());
                false
            }
            _ => true,
        })
        .cloned()
        .collect();
    (items, note)
}

/// With o200k counting, the byte bound stands in for the count only where
/// it decides: a context whose bytes pass the note's share but whose tokens
/// do not gets no note, and one whose tokens pass it gets the exact count.
#[tokio::test]
async fn o200k_decisions_are_the_exact_counts_decisions() {
    let tiktoken = jig_compact::Tiktoken::o200k().unwrap();
    let prompt = "hello world ".repeat(200);
    let exact = |items: &[Item]| jig_compact::context_tokens(&tiktoken, items) + tiktoken.count(INSTRUCTIONS);

    // The share (0.6 × 1700 = 1020 tokens) is between the tokens (~400) and
    // the bytes (2400).
    let (items, note) = first_request_with_tiktoken(1700, &prompt).await;
    let bytes: u64 = jig_compact::context_tokens_at_most(&tiktoken, &items);
    assert!(
        exact(&items) < 1020 && bytes > 1020,
        "{} tokens, {bytes} bytes",
        exact(&items)
    );
    assert_eq!(note, None);

    // The share (0.6 × 500 = 300 tokens) is under the tokens.
    let (items, note) = first_request_with_tiktoken(500, &prompt).await;
    let used = exact(&items);
    assert!(used > 300, "{used}");
    let note = note.expect("a budget note past the share");
    assert!(note.contains(&format!("about {used} of 500 tokens")), "{note}");
}

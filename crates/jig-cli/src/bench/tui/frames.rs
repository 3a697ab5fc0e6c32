//! `jig bench tui`'s in-process half: the cost of a key press and of a
//! streamed delta, each with the frame it causes, on ratatui's test backend
//! with transcripts of 100 and 5,000 items.

use std::time::{Duration, Instant};

use jig_protocol::{Envelope, Event, PlanStep, StepStatus, ToolStatus, TurnOutcome};
use jig_tui::App;
use jig_tui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jig_tui::input::Composer;
use jig_tui::ratatui::Terminal;
use jig_tui::ratatui::backend::TestBackend;
use jig_tui::theme::Theme;

use crate::bench::ms;

use super::{COLS, FRAME_60HZ, LARGE, OPERATIONS, ROWS, SESSION, SMALL};
/// Keystroke and frame at 100 and 5,000 items.
pub(super) fn frames() -> anyhow::Result<()> {
    jig_tui::highlight::warm();
    let small = measure(SMALL)?;
    let large = measure(LARGE)?;
    println!(
        "bench tui: keystroke and frame in process, {COLS}×{ROWS} test backend, {OPERATIONS} of each, \
         transcripts of {SMALL} and {LARGE} items"
    );
    for (what, small, large) in [
        ("key press + its frame", &small.keys, &large.keys),
        ("streamed delta + its frame", &small.deltas, &large.deltas),
    ] {
        for (items, stats) in [(SMALL, small), (LARGE, large)] {
            println!(
                "  {what:<27} {items:>5} items: mean {:>8.1} µs  p99 {:>8.1} µs  ({:.3} / {:.3} of a 60 Hz frame)",
                us(stats.mean),
                us(stats.p99),
                ratio(stats.mean, FRAME_60HZ),
                ratio(stats.p99, FRAME_60HZ)
            );
        }
        let (mean, p99) = (ratio(large.mean, small.mean), ratio(large.p99, small.p99));
        let verdict = match mean <= 1.5 && p99 <= 1.5 && large.p99 < FRAME_60HZ {
            true => "within 1.5x and one frame",
            false => "OUT OF TARGET (1.5x, one frame)",
        };
        println!("  {what:<27} {LARGE}/{SMALL}: mean {mean:>8.2}x     p99 {p99:>8.2}x     {verdict}");
    }
    for sample in [&small, &large] {
        println!(
            "  {:>5} items ({} after the deltas): {} cells laid out after the last frame; setup {:.1} ms",
            sample.items,
            sample.cells_after,
            sample.laid_out,
            ms(sample.setup)
        );
    }
    Ok(())
}

/// Per-operation times of one kind.
struct Stats {
    mean: Duration,
    p99: Duration,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        let total: Duration = times.iter().sum();
        let at = (times.len() * 99).div_ceil(100).saturating_sub(1);
        Stats {
            mean: total / u32::try_from(times.len().max(1)).unwrap_or(u32::MAX),
            p99: times.get(at).copied().unwrap_or_default(),
        }
    }
}

/// The figures of one transcript size.
struct Sample {
    items: usize,
    keys: Stats,
    deltas: Stats,
    /// Transcript cells at the end (each streamed answer adds one).
    cells_after: usize,
    /// `Transcript::laid_out_cells` right after the last timed frame.
    laid_out: usize,
    /// Feeding the events that build the transcript.
    setup: Duration,
}

/// Builds an app with `items` transcript cells and times keys and deltas.
fn measure(items: usize) -> anyhow::Result<Sample> {
    let start = Instant::now();
    let mut app = transcript_of(items);
    let setup = start.elapsed();
    let mut terminal = Terminal::new(TestBackend::new(COLS, ROWS))?;
    let mut draw = |app: &mut App| terminal.draw(|frame| jig_tui::ui::draw(frame, app)).map(|_| ());

    // Keys: typing a prompt, cleared (untimed) every 60 keys, as a person
    // writes a few lines and sends them. Warm-up first (syntax sets load).
    let typed: Vec<char> = "fix the failing test in the parser and tell me why it failed "
        .chars()
        .collect();
    let mut keys = Vec::with_capacity(OPERATIONS);
    for n in 0..OPERATIONS + 100 {
        if n % 60 == 0 {
            app.composer.set_text("");
        }
        let key = KeyEvent::new(KeyCode::Char(typed[n % typed.len()]), KeyModifiers::NONE);
        let start = Instant::now();
        app.on_key(key);
        draw(&mut app)?;
        if n >= 100 {
            keys.push(start.elapsed());
        }
    }
    app.composer.set_text("");

    // Deltas: an answer streamed five characters at a time, then completed
    // (untimed), and the next one begun.
    let answer = answer(0);
    let pieces: Vec<&str> = split_every(&answer, 5);
    let mut deltas = Vec::with_capacity(OPERATIONS);
    let mut laid_out = 0;
    let mut turn = 1_000_000;
    for n in 0..OPERATIONS {
        let at = n % pieces.len();
        if at == 0 {
            turn += 1;
            feed(&mut app, [Event::TurnStarted { turn_id: turn }]);
        }
        let delta = Event::AgentMessageDelta {
            delta: pieces[at].to_string(),
        };
        let start = Instant::now();
        feed(&mut app, [delta]);
        draw(&mut app)?;
        deltas.push(start.elapsed());
        laid_out = app.transcript.laid_out_cells();
        if at + 1 == pieces.len() {
            feed(
                &mut app,
                [Event::AgentMessage { text: answer.clone() }, completed(turn)],
            );
        }
    }
    Ok(Sample {
        items,
        keys: Stats::of(keys),
        deltas: Stats::of(deltas),
        cells_after: app.transcript.len(),
        laid_out,
        setup,
    })
}

/// An app whose transcript holds `items` cells, from a session's events.
fn transcript_of(items: usize) -> App {
    let mut app = App::new(Theme::new(true), Composer::new());
    app.status.context_window = 200_000;
    feed(
        &mut app,
        [Event::SessionStarted {
            protocol_version: jig_protocol::PROTOCOL_VERSION,
            session_id: SESSION.into(),
            model: "scripted:bench.toml".into(),
            cwd: "/work/bench".into(),
            resumed: false,
        }],
    );
    let mut turn = 0;
    'fill: while app.transcript.len() < items {
        turn += 1;
        for event in exchange(turn) {
            feed(&mut app, [event]);
            if app.transcript.len() >= items {
                break 'fill;
            }
        }
    }
    feed(&mut app, [completed(turn)]);
    app
}

/// One turn's events: six cells (the person's message, reasoning, a failing
/// test run with 30 lines of output, a plan, a patch, a Markdown answer).
fn exchange(turn: u64) -> Vec<Event> {
    let call = |id: &str| format!("call-{turn}-{id}");
    let output: String = (1..=30)
        .map(|i| {
            format!(
                "test parser::case_{i} ... {}\n",
                if i % 7 == 0 { "FAILED" } else { "ok" }
            )
        })
        .collect();
    let patch = format!(
        "*** Begin Patch\n*** Update File: src/parser.rs\n@@ fn parse_line(line: &str) -> Option<Entry> {{\n-    let (key, value) = line.split_once('=')?;\n+    let (key, value) = line.split_once('=').map(|(k, v)| (k.trim(), v.trim()))?;\n     Some(Entry {{ key: key.into(), value: value.into(), turn: {turn} }})\n }}\n*** End Patch\n"
    );
    let step = |step: &str, status| PlanStep {
        step: step.into(),
        status,
    };
    vec![
        Event::UserMessage {
            text: format!("Turn {turn}: the parser rejects lines with spaces around `=`; fix it and add a test."),
        },
        Event::TurnStarted { turn_id: turn },
        Event::AgentReasoning {
            text: "Looking at **parse_line** first: it splits on `=` but never trims.".into(),
        },
        Event::ToolCallBegin {
            call_id: call("test"),
            name: "shell".into(),
            arguments: r#"{"command":["bash","-lc","cargo test -p parser"]}"#.into(),
        },
        Event::ToolCallEnd {
            call_id: call("test"),
            name: "shell".into(),
            status: ToolStatus::Error,
            output,
            duration_ms: 1_840,
        },
        Event::PlanUpdated {
            explanation: Some("The failure is in parse_line.".into()),
            plan: vec![
                step("Reproduce the failure", StepStatus::Completed),
                step("Trim keys and values in parse_line", StepStatus::InProgress),
                step("Add a test and re-run the suite", StepStatus::Pending),
            ],
        },
        Event::ToolCallBegin {
            call_id: call("patch"),
            name: "apply_patch".into(),
            arguments: patch,
        },
        Event::ToolCallEnd {
            call_id: call("patch"),
            name: "apply_patch".into(),
            status: ToolStatus::Ok,
            output: "Success. Updated the following files:\nM src/parser.rs".into(),
            duration_ms: 4,
        },
        Event::AgentMessage { text: answer(turn) },
        completed(turn),
    ]
}

/// A Markdown answer: a heading, a list, inline code and a Rust block.
fn answer(turn: u64) -> String {
    format!(
        "## Fixed (turn {turn})\n\nThe parser split on `=` without trimming, so `key = value` kept the spaces:\n\n\
         - `parse_line` now trims both sides;\n- a test covers spaces around `=`;\n- the suite passes.\n\n\
         ```rust\nfn parse_line(line: &str) -> Option<Entry> {{\n    let (key, value) = line.split_once('=')?;\n    \
         Some(Entry {{\n        key: key.trim().into(),\n        value: value.trim().into(),\n    }})\n}}\n```\n\n\
         Run `cargo test -p parser` to check it yourself.\n"
    )
}

fn completed(turn: u64) -> Event {
    Event::TurnCompleted {
        turn_id: turn,
        outcome: TurnOutcome::Completed,
        last_message: None,
    }
}

fn feed(app: &mut App, events: impl IntoIterator<Item = Event>) {
    for event in events {
        app.on_envelope(&Envelope {
            session_id: SESSION.into(),
            event,
        });
    }
}

/// `text` cut into pieces of `n` characters (the last may be shorter).
fn split_every(text: &str, n: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (count, (at, _)) in text.char_indices().enumerate() {
        if count > 0 && count % n == 0 {
            pieces.push(&text[start..at]);
            start = at;
        }
    }
    pieces.push(&text[start..]);
    pieces
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub(super) fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

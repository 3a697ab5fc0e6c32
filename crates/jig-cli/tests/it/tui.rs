//! The terminal UI end to end, in a real terminal: `jig` runs inside tmux
//! (its own server socket, a fixed size) with a scripted model, and the
//! test types into it like a person and reads the screen back. Each step
//! waits for what the screen shows, never for a length of time.

use std::path::Path;
use std::process::Command;

use jig_protocol::{Event, HostAnswer, Item, ReviewDecision, Role, RolloutRecord, TurnOutcome};

use crate::support::{Env, records, wait_for};

/// A tmux server of its own running one window.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a 100×40 window, in `dir`.
    fn start(dir: &Path, command: &str) -> Option<Tmux> {
        // One server per test and start: tests run in parallel threads.
        static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let start = STARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = format!("jig-test-{}-{start}", std::process::id());
        let tmux = Tmux { socket };
        let started = tmux
            .cmd()
            .args(["new-session", "-d", "-s", "t", "-x", "100", "-y", "40", "-c"])
            .arg(dir)
            .arg(command)
            .status()
            .ok()?;
        assert!(started.success(), "tmux could not start the window");
        // Esc must reach jig at once, not after tmux's wait for a sequence.
        tmux.cmd().args(["set", "-g", "escape-time", "0"]).status().ok()?;
        Some(tmux)
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket]);
        cmd
    }

    /// The screen's text.
    fn pane(&self) -> String {
        let out = self.cmd().args(["capture-pane", "-p", "-t", "t"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`; returns the screen.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |pane| pane.contains(text))
    }

    /// Waits until the screen passes `check` (described by `what`).
    fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(|| {
                last = self.pane();
                check(&last).then(|| last.clone())
            })
        }));
        match found {
            Ok(pane) => pane,
            Err(_) => panic!("the screen never showed {what}; it shows:\n{last}"),
        }
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        assert!(
            self.cmd()
                .args(["send-keys", "-t", "t", "-l", text])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Presses keys by tmux's names (`Enter`, `Escape`, `Down`, `C-c`).
    fn press(&self, keys: &[&str]) {
        assert!(
            self.cmd()
                .args(["send-keys", "-t", "t"])
                .args(keys)
                .status()
                .unwrap()
                .success()
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

fn tmux_installed() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The scripted model: a question, a command to approve, a command that
/// waits for the test (so an interjection arrives mid-turn), a long
/// command to interrupt; then the summary a compaction asks for.
const SCRIPT: &str = r#"
[[response]]
text = "One decision is yours first."
[[response.tool_calls]]
name = "ask_user"
arguments = { question = "Which colour?", options = ["red", "blue"] }

[[response]]
text = "Blue it is. Making the directory."
[response.expect]
last_output_contains = "blue"
[[response.tool_calls]]
name = "shell"
arguments = { command = ["bash", "-lc", "mkdir made-by-approval"] }

[[response]]
text = "Waiting for the build."
[response.expect]
last_status = "ok"
[[response.tool_calls]]
name = "shell"
arguments = { command = ["bash", "-lc", "while [ ! -f go ]; do sleep 0.05; done; echo released"] }

[[response]]
text = "Noted: the docs too. Now the long part."
[response.expect]
user_contains = "also write the docs"
[[response.tool_calls]]
name = "shell"
arguments = { command = ["bash", "-lc", "sleep 1000"] }

[[response]]
text = "SUMMARY: set up the demo; blue; docs pending."
"#;

/// Run after jig in the window: the exit code on a line of its own, in a
/// terminal made sane again (a killed jig cannot restore it).
const AFTER: &str = "code=$?; stty sane; printf '\\r\\nJIG-EXITED-%s\\r\\n' $code; sleep 600";

fn jig_command(env: &Env, script: &Path) -> String {
    let jig = env!("CARGO_BIN_EXE_jig");
    format!(
        "env JIG_HOME={home} TERM=xterm-256color {jig} -a untrusted -s danger-full-access -m scripted:{script}; \
         {AFTER}",
        home = env.home().display(),
        script = script.display(),
    )
}

#[test]
fn a_person_drives_a_session_in_the_tui() {
    if !tmux_installed() {
        panic!("this test needs tmux (Debian package tmux; `.ci/deps --tests` installs it)");
    }
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        "[compaction]\nkeep_recent_tokens = 10\n",
    )
    .unwrap();
    let script = env.file("tui.toml", SCRIPT);
    let tmux = Tmux::start(&env.ws(), &jig_command(&env, &script)).expect("tmux starts");

    tmux.wait_for("Ask jig to do something");
    tmux.type_text("set up the demo");
    tmux.press(&["Enter"]);

    // A question, answered inline with its options.
    let pane = tmux.wait_for("Which colour?");
    assert!(pane.contains("1. red") && pane.contains("2. blue"), "{pane}");
    tmux.press(&["Down", "Enter"]);

    // An approval modal.
    let pane = tmux.wait_for("wants to run a command");
    assert!(pane.contains("mkdir made-by-approval"), "{pane}");
    tmux.press(&["y"]);

    // An interjection while a command runs: queued until delivered.
    tmux.wait_for("$ bash -lc 'while [ ! -f go ]");
    tmux.press(&["y"]);
    tmux.wait_for("Ran while [ ! -f go ]");
    tmux.type_text("also write the docs");
    tmux.press(&["Enter"]);
    tmux.wait_for("queued: also write the docs");
    std::fs::write(env.ws().join("go"), "").unwrap();
    let pane = tmux.wait_for("› also write the docs");
    assert!(!pane.contains("queued:"), "{pane}");

    // Esc stops a long command.
    tmux.wait_for("$ bash -lc 'sleep 1000'");
    tmux.press(&["y"]);
    // Esc once the approval is recorded (an Esc before it would answer the
    // modal, stopping the turn with the command denied).
    let rollout = env.only_session().join("rollout.jsonl");
    wait_for(|| {
        let text = std::fs::read_to_string(&rollout).ok()?;
        (text.matches("\"type\":\"approval_decided\"").count() == 3).then_some(())
    });
    tmux.press(&["Escape"]);
    let pane = tmux.wait_for("Interrupted.");
    // The decision shows under the call it was for.
    let call = pane.find("■ Ran sleep 1000").expect("the interrupted call");
    assert!(pane[call..].contains("↳ Approved"), "{pane}");

    // A slash command.
    tmux.type_text("/compact");
    tmux.press(&["Enter"]);
    tmux.wait_for("Compacted:");

    // Ctrl-C twice leaves, and jig says how to come back.
    tmux.press(&["C-c"]);
    tmux.wait_for("Press Ctrl-C again to quit");
    tmux.press(&["C-c"]);
    let pane = tmux.wait_for("JIG-EXITED-0");
    assert!(pane.contains("Continue it with: jig resume"), "{pane}");

    assert!(env.ws().join("made-by-approval").is_dir());
    check_session(&env.only_session());
}

/// The session file holds every step the screen showed.
fn check_session(dir: &Path) {
    let records = records(&dir.join("rollout.jsonl"));
    let user: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Item {
                item: Item::Message { role: Role::User, text },
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(user.iter().any(|t| t == "set up the demo"), "{user:?}");
    assert!(user.iter().any(|t| t == "also write the docs"), "{user:?}");
    let events: Vec<&Event> = records
        .iter()
        .filter_map(|r| match r {
            RolloutRecord::Event { event } => Some(event),
            _ => None,
        })
        .collect();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::InputAnswered { answer: HostAnswer::Answers { answers }, .. } if answers.values().any(|a| a == &["blue"])
    )), "{events:#?}");
    let approvals = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::ApprovalDecided {
                    decision: ReviewDecision::Approve,
                    ..
                }
            )
        })
        .count();
    assert_eq!(approvals, 3);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::TurnCompleted {
            outcome: TurnOutcome::Interrupted,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(e, Event::CompactionCompleted { .. })));
}

/// `jig` in `ws` with `args`, then a marker once it exits.
fn jig_with(env: &Env, args: &str) -> String {
    format!(
        "env JIG_HOME={home} TERM=xterm-256color {jig} {args}; {AFTER}",
        home = env.home().display(),
        jig = env!("CARGO_BIN_EXE_jig"),
    )
}

#[test]
fn a_draft_survives_kill_9_and_comes_back_in_the_same_directory() {
    assert!(
        tmux_installed(),
        "this test needs tmux (`.ci/deps --tests` installs it)"
    );
    let env = Env::new();
    let script = env.file("idle.toml", "[[response]]\ntext = \"hi\"\n");
    let args = format!("-m scripted:{}", script.display());
    let tmux = Tmux::start(&env.ws(), &jig_with(&env, &args)).expect("tmux starts");
    tmux.wait_for("Ask jig to do something");
    tmux.type_text("a long thought I have not sent yet");
    tmux.wait_for("› a long thought I have not sent yet");
    // No clean exit: the process dies as in a crash.
    // The window's shell runs jig (through `env`, which execs it) as its child.
    let shell = tmux
        .cmd()
        .args(["display", "-p", "-t", "t", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&shell.stdout).trim().to_string();
    let killed = Command::new("pkill").args(["-9", "-P", &shell]).status().unwrap();
    assert!(killed.success());
    tmux.wait_for("JIG-EXITED-");
    drop(tmux);
    let tmux = Tmux::start(&env.ws(), &jig_with(&env, &args)).expect("tmux starts");
    let pane = tmux.wait_for("Restored the draft you had not sent.");
    assert!(pane.contains("› a long thought I have not sent yet"), "{pane}");
}

#[test]
fn jig_resume_with_no_id_picks_a_session_by_search() {
    assert!(
        tmux_installed(),
        "this test needs tmux (`.ci/deps --tests` installs it)"
    );
    let env = Env::new();
    let script = env.file(
        "s.toml",
        "[[response]]\ntext = \"done\"\n[[response]]\ntext = \"done\"\n",
    );
    let model = format!("scripted:{}", script.display());
    for prompt in ["rename the parser module", "write the release notes"] {
        let out = env.run(&["exec", "-m", &model, prompt]);
        assert!(out.status.success(), "{}", crate::support::stderr(&out));
    }
    let tmux = Tmux::start(&env.ws(), &jig_with(&env, "resume")).expect("tmux starts");
    let pane = tmux.wait_for("Resume a session");
    // Newest first.
    let release = pane.find("write the release notes").expect("listed");
    let parser = pane.find("rename the parser module").expect("listed");
    assert!(release < parser, "{pane}");
    tmux.type_text("parser");
    tmux.wait_for("search: parser");
    tmux.press(&["Enter"]);
    let pane = tmux.wait_for("resumed");
    assert!(pane.contains("› rename the parser module"), "{pane}");
    assert!(pane.contains("• done"), "{pane}");
}

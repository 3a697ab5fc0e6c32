//! `jig bench tui`: the terminal UI's start-up, idle cost, and the cost of
//! a keystroke and of a frame as the transcript grows, each against a
//! reference measured in the same run.
//!
//! - Start to first frame: `jig --exit-after-first-frame` (a new session on
//!   a scripted model) against `jig --version`, both run by util-linux's
//!   `script` in a pseudo-terminal it makes (the TUI refuses to start
//!   without a terminal; a pty made here would need `unsafe`). The pty is
//!   set to 120×40 with `stty` first, on both sides. The clock starts just
//!   before `script` is spawned; the first frame is in when the TUI's
//!   leaving of the alternate screen, written right after that frame, has
//!   come out of `script`, and it is reported against the moment
//!   `jig --version`'s line has. Whole runs (until `script` exits) are
//!   reported too, with `true` in `script` for the pty's own cost, which
//!   is most of a short run. Runs of the three are interleaved; medians
//!   are reported.
//! - Idle CPU: the TUI in `script` with nothing to do, its CPU time
//!   (utime + stime in `/proc/PID/stat`, all its threads) over 3 s once it
//!   has drawn and settled, against `sleep 60` measured over the same
//!   instants. It is quit with Ctrl-C twice through the pty; whatever is
//!   still running afterwards is killed.
//! - Keystroke and frame, in this process: an [`App`] fed a realistic
//!   transcript (user messages, reasoning, tool calls with long output, a
//!   patch, a plan, Markdown answers with a code block) of 100 and of 5,000
//!   items, drawn on ratatui's 120×40 test backend; then one key press plus
//!   the frame it causes, and one streamed delta plus its frame, timed one by
//!   one. The 5,000-item figures are reported against the 100-item ones
//!   (the transcript promises a frame costs what is on screen, target
//!   ≤ 1.5×) and against one 60 Hz frame.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::Context;

mod frames;

use super::{median, ms};
use crate::exit;
use frames::ratio;

/// The screen every side draws on.
const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Transcript sizes compared.
const SMALL: usize = 100;
const LARGE: usize = 5_000;
/// Timed operations of each kind at each size.
const OPERATIONS: usize = 2_000;
/// One frame at 60 Hz.
const FRAME_60HZ: Duration = Duration::from_micros(16_667);
/// The session id the in-process events carry.
const SESSION: &str = "019a0000-0000-7000-8000-00000000beef";
/// Leaving the alternate screen (crossterm's `LeaveAlternateScreen`): the
/// TUI writes it right after the first frame when told to exit there.
const LEAVE_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049l";
/// Entering it: written just before the first frame.
const ENTER_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049h";
/// What `jig --version` prints.
const VERSION_LINE: &[u8] = concat!("jig ", env!("CARGO_PKG_VERSION")).as_bytes();
/// "Where is the cursor?" (DSR 6), which a terminal answers `ESC [ row ; col R`.
const CURSOR_POSITION_QUERY: &[u8] = b"\x1b[6n";
/// The unit of utime and stime in `/proc/PID/stat` (`USER_HZ`, 100 on
/// every Linux architecture jig builds for).
const USER_HZ: f64 = 100.0;
/// How long a TUI in `script` may take to start, or to quit, before it is
/// taken for hung and killed.
const PATIENCE: Duration = Duration::from_secs(30);

/// `jig bench tui --runs N`.
pub fn tui(runs: u32) -> anyhow::Result<u8> {
    let runs = runs.max(1);
    let jig = std::env::current_exe().context("cannot find the jig executable")?;
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let model = scratch.path().join("tiny.toml");
    std::fs::write(&model, "[[response]]\ntext = \"done\"\n")?;
    match which("script") {
        Some(script) => {
            let pty = Pty {
                script,
                jig: jig.clone(),
                model,
            };
            first_frame(&pty, scratch.path(), runs)?;
            idle_cpu(&pty, &scratch.path().join("idle"))?;
        }
        None => {
            println!("bench tui: start to first frame: skipped (no `script` on PATH: util-linux, Debian's bsdutils)");
            println!("bench tui: idle CPU: skipped (no `script` on PATH)");
        }
    }
    frames::frames()?;
    Ok(exit::COMPLETED)
}

/// How to run jig in a pseudo-terminal.
struct Pty {
    /// util-linux's `script`.
    script: PathBuf,
    jig: PathBuf,
    /// The scripted model's file (one text answer; never asked here).
    model: PathBuf,
}

impl Pty {
    /// `script` running `args` of jig in a fresh 120×40 pty, with its data
    /// under `dir` (as HOME and JIG_HOME) and `dir/ws` as the workspace; no
    /// provider keys or URLs of the caller's reach it. Its stdin and stdout
    /// are pipes: stdin must stay open while jig runs (it is the pty's
    /// input), stdout must be drained, and jig's questions to the terminal
    /// answered ([`Screen`]).
    fn command(&self, dir: &Path, args: &[&str]) -> anyhow::Result<Command> {
        let mut line = quote(&self.jig.to_string_lossy());
        for arg in args {
            line.push(' ');
            line.push_str(&quote(arg));
        }
        self.shell(dir, &line)
    }

    /// `script` running the shell command `line` (exec'd) as
    /// [`Pty::command`] runs jig.
    fn shell(&self, dir: &Path, line: &str) -> anyhow::Result<Command> {
        let workspace = dir.join("ws");
        std::fs::create_dir_all(&workspace)?;
        let line = format!("stty rows {ROWS} cols {COLS} && exec {line}");
        let mut command = Command::new(&self.script);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") || name.starts_with("JIG_") {
                command.env_remove(name.as_ref());
            }
        }
        command
            .env_remove("OLLAMA_HOST")
            .env("HOME", dir)
            .env("JIG_HOME", dir.join("home"))
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm-256color")
            .current_dir(&workspace)
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Ok(command)
    }

    /// The TUI on a new session in `dir/ws`, with `extra` flags.
    fn tui(&self, dir: &Path, extra: &[&str]) -> anyhow::Result<Command> {
        let workspace = dir.join("ws");
        let model = format!("scripted:{}", self.model.display());
        let workspace = workspace.to_string_lossy();
        let mut args = extra.to_vec();
        args.extend(["-m", &model, "-C", &workspace]);
        self.command(dir, &args)
    }
}

/// Start to first frame against `jig --version`, interleaved.
fn first_frame(pty: &Pty, scratch: &Path, runs: u32) -> anyhow::Result<()> {
    let (mut floor, mut version_out, mut version_whole, mut to_frame, mut whole) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // One untimed run of each first: the page cache, not start-up.
    for run in 0..=runs {
        let dir = scratch.join(format!("start-{run}"));
        let truth = timed(&mut pty.shell(&dir, "true")?, None)?;
        let version = timed(&mut pty.command(&dir, &["--version"])?, Some(VERSION_LINE))?;
        let version_at = version.marker.with_context(|| {
            format!(
                "`jig --version` did not print its version; it wrote: {}",
                tail(&version.output)
            )
        })?;
        let tui = timed(
            &mut pty.tui(&dir, &["--exit-after-first-frame"])?,
            Some(LEAVE_ALTERNATE_SCREEN),
        )?;
        let frame = tui.marker.with_context(|| {
            format!(
                "the TUI exited without leaving the alternate screen; it wrote: {}",
                tail(&tui.output)
            )
        })?;
        anyhow::ensure!(
            find(&tui.output, ENTER_ALTERNATE_SCREEN).is_some(),
            "the TUI never entered the alternate screen; it wrote: {}",
            tail(&tui.output)
        );
        if run > 0 {
            floor.push(truth.whole);
            version_out.push(version_at);
            version_whole.push(version.whole);
            to_frame.push(frame);
            whole.push(tui.whole);
        }
    }
    let [floor, version_out, version_whole, to_frame, whole] =
        [floor, version_out, version_whole, to_frame, whole].map(|times| median(&times));
    println!(
        "bench tui: start to first frame, median of {runs} interleaved runs, each in `script` (a {COLS}×{ROWS} pty)"
    );
    println!("  `true`, whole run (the pty's own cost):     {:>8.2} ms", ms(floor));
    println!(
        "  `jig --version` to its output (reference):  {:>8.2} ms",
        ms(version_out)
    );
    println!(
        "  `jig --version`, whole run:                 {:>8.2} ms",
        ms(version_whole)
    );
    println!(
        "  `jig` to its first frame:                   {:>8.2} ms  {:>6.2}x `jig --version` to its output",
        ms(to_frame),
        ratio(to_frame, version_out)
    );
    println!(
        "  `jig` first frame then exit, whole run:     {:>8.2} ms  {:>6.2}x `jig --version` whole run",
        ms(whole),
        ratio(whole, version_whole)
    );
    Ok(())
}

/// One run of a `script` command to its end.
struct Timed {
    /// When `marker` had come out, if it did.
    marker: Option<Duration>,
    /// When `script` exited.
    whole: Duration,
    /// Everything it wrote.
    output: Vec<u8>,
}

/// Runs `command` (a [`Pty::command`]) to its end, noting when `marker`
/// first comes out of it. Fails when it fails, and kills it (and jig under
/// it) when it takes longer than [`PATIENCE`].
fn timed(command: &mut Command, marker: Option<&'static [u8]>) -> anyhow::Result<Timed> {
    let start = Instant::now();
    let mut child = command.spawn().context("cannot start `script`")?;
    let stdin = Arc::new(Mutex::new(child.stdin.take()));
    let stdout = child.stdout.take().context("no stdout pipe")?;
    let (seen_tx, _seen_rx) = mpsc::channel();
    let screen = Screen {
        input: stdin.clone(),
        start,
        marker,
        seen: seen_tx,
    };
    let reader = std::thread::spawn(move || screen.drain(stdout));
    let pid = child.id();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(PATIENCE) == Err(mpsc::RecvTimeoutError::Timeout) {
            kill_tree(pid);
        }
    });
    let status = child.wait();
    let whole = start.elapsed();
    let _ = done_tx.send(());
    let _ = watchdog.join();
    drop(stdin.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
    let status = status?;
    let (marker, output) = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the thread reading `script` panicked"))?;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    anyhow::ensure!(
        status.success(),
        "`script` failed ({status}): {}{}",
        stderr.trim(),
        tail(&output)
    );
    Ok(Timed { marker, whole, output })
}

/// The terminal's side of the pty, played here: what jig writes comes out
/// of `script`'s stdout, and what a terminal would answer goes into its
/// stdin.
struct Screen {
    /// The pty's input; taken (closed) by whoever ends the run.
    input: Arc<Mutex<Option<ChildStdin>>>,
    start: Instant,
    /// What to note the time of.
    marker: Option<&'static [u8]>,
    /// Told when `marker` has come out.
    seen: mpsc::Sender<()>,
}

impl Screen {
    /// Reads `pipe` to its end; returns when (after `start`) `marker` had
    /// first come out, and everything read. Each cursor-position query is
    /// answered "row 1, column 1", as a terminal would: ratatui asks when
    /// it clears the screen and waits (2 s, then fails) for the answer.
    fn drain(self, mut pipe: impl Read) -> (Option<Duration>, Vec<u8>) {
        let mut output = Vec::new();
        let mut at = None;
        let mut asked = 0;
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let from = output.len().saturating_sub(self.marker.map_or(0, <[u8]>::len));
            output.extend_from_slice(&buf[..n]);
            while let Some(query) = find(&output[asked..], CURSOR_POSITION_QUERY) {
                asked += query + CURSOR_POSITION_QUERY.len();
                self.answer(b"\x1b[1;1R");
            }
            asked = asked.max(output.len().saturating_sub(CURSOR_POSITION_QUERY.len() - 1));
            if at.is_none()
                && let Some(marker) = self.marker
                && find(&output[from..], marker).is_some()
            {
                at = Some(self.start.elapsed());
                let _ = self.seen.send(());
            }
        }
        (at, output)
    }

    fn answer(&self, bytes: &[u8]) {
        let mut input = self.input.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(input) = input.as_mut() {
            let _ = input.write_all(bytes).and_then(|()| input.flush());
        }
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The idle TUI's CPU time per second against `sleep 60`'s.
fn idle_cpu(pty: &Pty, dir: &Path) -> anyhow::Result<()> {
    let mut procs = Procs::default();
    let mut tui = pty.tui(dir, &[])?;
    let start = Instant::now();
    let mut script = tui.spawn().context("cannot start `script`")?;
    let stdout = script.stdout.take().context("no stdout pipe")?;
    procs.stdin = Arc::new(Mutex::new(script.stdin.take()));
    let script_pid = script.id();
    procs.script = Some(script);
    procs.sleep = Some(
        Command::new("sleep")
            .arg("60")
            .spawn()
            .context("cannot start `sleep`")?,
    );
    let (seen_tx, seen_rx) = mpsc::channel();
    let screen = Screen {
        input: procs.stdin.clone(),
        start,
        marker: Some(ENTER_ALTERNATE_SCREEN),
        seen: seen_tx,
    };
    let reader = std::thread::spawn(move || screen.drain(stdout));
    let jig = wait_for_jig(script_pid, &pty.jig)?;
    procs.jig = Some(jig);
    seen_rx
        .recv_timeout(PATIENCE)
        .context("the TUI did not draw within 30 s")?;
    // The session starts and its header is drawn; then nothing happens.
    std::thread::sleep(Duration::from_secs(1));
    let sleep_pid = procs.sleep.as_ref().map_or(0, Child::id);
    let (jig0, sleep0, t0) = (cpu_ticks(jig)?, cpu_ticks(sleep_pid)?, Instant::now());
    std::thread::sleep(Duration::from_secs(3));
    let (jig1, sleep1, window) = (cpu_ticks(jig)?, cpu_ticks(sleep_pid)?, t0.elapsed());
    let quit = procs.quit_tui();
    drop(procs);
    let _ = reader.join();
    quit?;
    anyhow::ensure!(
        !Path::new(&format!("/proc/{jig}")).exists(),
        "the TUI (pid {jig}) is still there after the bench"
    );
    let per_second = |ticks: u64| ticks as f64 * 1e3 / USER_HZ / window.as_secs_f64();
    let (tui_rate, sleep_rate) = (per_second(jig1 - jig0), per_second(sleep1 - sleep0));
    println!(
        "bench tui: idle CPU over {:.1} s, 1 s after the first frame (utime+stime, 10 ms ticks: ±{:.1} ms/s)",
        window.as_secs_f64(),
        per_second(1)
    );
    println!("  `sleep 60` (reference):           {sleep_rate:>8.2} ms CPU/s");
    println!(
        "  idle `jig` TUI:                   {tui_rate:>8.2} ms CPU/s  ({:+.2} ms/s against the reference)",
        tui_rate - sleep_rate
    );
    Ok(())
}

/// The processes of the idle measure; whatever is still running when this
/// is dropped is killed.
#[derive(Default)]
struct Procs {
    script: Option<Child>,
    /// The pty's input (`script` forwards it to jig).
    stdin: Arc<Mutex<Option<ChildStdin>>>,
    /// jig under `script`, until it is known to have exited.
    jig: Option<u32>,
    sleep: Option<Child>,
}

impl Procs {
    /// Quits the TUI as a person would (Ctrl-C twice on an empty composer)
    /// and waits for `script` to end with it.
    fn quit_tui(&mut self) -> anyhow::Result<()> {
        for _ in 0..2 {
            {
                let mut stdin = self.stdin.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let stdin = stdin.as_mut().context("no pty input")?;
                stdin.write_all(b"\x03")?;
                stdin.flush()?;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let script = self.script.as_mut().context("no `script`")?;
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = script.try_wait()? {
                self.jig = None;
                anyhow::ensure!(status.success(), "the TUI did not quit cleanly: {status}");
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        anyhow::bail!("the TUI did not quit on Ctrl-C Ctrl-C within 30 s")
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        if let Some(pid) = self.jig.take() {
            kill(pid);
        }
        drop(
            self.stdin
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
        for child in [self.script.as_mut(), self.sleep.as_mut()].into_iter().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// jig under `script` (the shell `script` starts execs it): its pid, once
/// its executable is `jig`.
fn wait_for_jig(script: u32, jig: &Path) -> anyhow::Result<u32> {
    let jig = std::fs::canonicalize(jig)?;
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        for pid in children(script) {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe"));
            if exe.is_ok_and(|exe| exe == jig) {
                return Ok(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    anyhow::bail!("jig did not start under `script` within 30 s")
}

/// The children of `pid`, from `/proc/PID/task/*/children`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Kills `pid` and everything under it, children first.
fn kill_tree(pid: u32) {
    for child in children(pid) {
        kill_tree(child);
    }
    kill(pid);
}

/// SIGKILL to `pid` (with `kill(1)`: this crate builds nix without signals).
fn kill(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// utime + stime of process `pid` (all its threads, live and ended), in
/// clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    // The name in parentheses may hold spaces; fields after it start at 3 (state).
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> anyhow::Result<u64> {
        fields
            .get(n - 3)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("/proc/{pid}/stat has no field {n}"))
    };
    Ok(field(14)? + field(15)?)
}

/// An executable called `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `text` quoted for `sh`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The last few hundred bytes of `output`, readable.
fn tail(output: &[u8]) -> String {
    let from = output.len().saturating_sub(400);
    String::from_utf8_lossy(&output[from..]).escape_debug().to_string()
}

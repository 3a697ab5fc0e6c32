//! One program run inside a sample's filesystem view (`jig __sandbox-view`),
//! or in place (`jig __sandbox-exec` in `danger-full-access`: the supervisor
//! alone, for `--in-place` samples), with its output in files, a time limit,
//! and cancellation.
//!
//! Either helper supervises the program's whole tree and kills it when it
//! gets `SIGTERM` or when its parent (the runner) dies, so a timeout, a
//! Ctrl-C or a `kill -9` of the runner never leaves a sample's processes
//! behind. `SIGKILL` would skip that clean-up, so it is sent only after a
//! grace period.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use jig_sandbox::{SandboxMode, SandboxPolicy, View};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

/// Where a program runs.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// In a private filesystem view.
    View(View),
    /// In this machine's own filesystem, in this working directory.
    InPlace(PathBuf),
}

/// What to run and where.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    /// Where it runs.
    pub place: Place,
    /// The program and its arguments.
    pub argv: Vec<OsString>,
    /// The whole environment it gets.
    pub env: Vec<(OsString, OsString)>,
    /// Written to its standard input, then closed; `None` gives it none.
    pub stdin: Option<String>,
    /// Where its standard output and error go (created or truncated).
    pub stdout: PathBuf,
    /// Where its standard error goes.
    pub stderr: PathBuf,
    /// How long it may run.
    pub timeout: Duration,
}

/// How a program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ended {
    /// It exited with this code (128 + N for signal N).
    Exited(i32),
    /// It ran past its time limit and was stopped.
    TimedOut,
    /// The run was cancelled (Ctrl-C) and it was stopped.
    Cancelled,
}

/// How long a stopped program's helper gets to kill its tree before `SIGKILL`.
const GRACE: Duration = Duration::from_secs(5);

/// Runs `program` through the view helper `helper`; returns how it ended and
/// its wall time. Errors are the runner's own (the helper could not start,
/// an output file could not be made).
pub(crate) async fn run(
    helper: &Path,
    program: &Program,
    cancel: &CancellationToken,
    paused: Paused<'_>,
) -> Result<(Ended, Duration), String> {
    let (mut command, exe, stdout) = view_command(helper, program)?;
    command
        .stdin(if program.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(stdout)
        .kill_on_drop(true);
    let started = Instant::now();
    let clock = tokio::time::Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start the view helper {}: {e}", exe.to_string_lossy()))?;
    if let (Some(text), Some(mut input)) = (&program.stdin, child.stdin.take()) {
        // A program that never reads its input must not block the runner.
        let text = text.clone();
        tokio::spawn(async move {
            let _ = input.write_all(text.as_bytes()).await;
        });
    }
    let stop = tokio::select! {
        status = child.wait() => {
            let status = status.map_err(|e| format!("cannot wait for the view helper: {e}"))?;
            return Ok((Ended::Exited(exit_code(status)), started.elapsed()));
        }
        () = time_limit(clock, program.timeout, paused) => Ended::TimedOut,
        () = cancel.cancelled() => Ended::Cancelled,
    };
    terminate(&mut child).await;
    Ok((stop, started.elapsed()))
}

/// Runs `program` (whose `stdin` is ignored) through the view helper with
/// its standard input and output handed to `talk`, which writes to the one
/// and reads the other until it is done; standard error goes to its file.
/// `talk` is given the program's output to read and must copy what it
/// reads to `program.stdout` itself (it gets that file). Ends like [`run`].
pub(crate) async fn run_talking<F, Fut>(
    helper: &Path,
    program: &Program,
    cancel: &CancellationToken,
    paused: Paused<'_>,
    talk: F,
) -> Result<(Ended, Duration), String>
where
    F: FnOnce(tokio::process::ChildStdin, tokio::process::ChildStdout, std::fs::File) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut command, exe, stdout) = view_command(helper, program)?;
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).kill_on_drop(true);
    let started = Instant::now();
    let clock = tokio::time::Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start the view helper {}: {e}", exe.to_string_lossy()))?;
    let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
        terminate(&mut child).await;
        return Err("the view helper's input and output could not be opened".into());
    };
    let talked = talk(input, output, stdout);
    let stop = tokio::select! {
        status = async { talked.await; child.wait().await } => {
            let status = status.map_err(|e| format!("cannot wait for the view helper: {e}"))?;
            return Ok((Ended::Exited(exit_code(status)), started.elapsed()));
        }
        () = time_limit(clock, program.timeout, paused) => Ended::TimedOut,
        () = cancel.cancelled() => Ended::Cancelled,
    };
    terminate(&mut child).await;
    Ok((stop, started.elapsed()))
}

/// The view helper's command for `program`, with its environment and its
/// standard error going to `program.stderr`; also the helper's path, for
/// errors, and `program.stdout` created, for the caller to wire up.
fn view_command(
    helper: &Path,
    program: &Program,
) -> Result<(tokio::process::Command, OsString, std::fs::File), String> {
    let argv: Vec<OsString> = match &program.place {
        Place::View(view) => jig_sandbox::wrap_in_view(helper, view, &program.argv).map_err(|e| e.to_string())?,
        Place::InPlace(workdir) => {
            let argv: Vec<String> = program
                .argv
                .iter()
                .map(|a| a.clone().into_string())
                .collect::<Result<_, _>>()
                .map_err(|a| format!("the argument {} is not UTF-8", a.to_string_lossy()))?;
            let policy = SandboxPolicy::workspace_write(workdir).with_mode(SandboxMode::DangerFullAccess);
            jig_sandbox::wrap_command(helper, &policy, &argv)
                .into_iter()
                .map(OsString::from)
                .collect()
        }
    };
    let (exe, args) = argv.split_first().ok_or("the view helper gave no command")?;
    let stdout = std::fs::File::create(&program.stdout)
        .map_err(|e| format!("cannot create {}: {e}", program.stdout.display()))?;
    let stderr = std::fs::File::create(&program.stderr)
        .map_err(|e| format!("cannot create {}: {e}", program.stderr.display()))?;
    let mut command = tokio::process::Command::new(exe);
    command
        .args(args)
        .env_clear()
        .envs(program.env.iter().map(|(k, v)| (k, v)))
        .stderr(stderr);
    if let Place::InPlace(workdir) = &program.place {
        command.current_dir(workdir);
    }
    Ok((command, exe.clone(), stdout))
}

/// Time a program spent waiting on something outside it that must not
/// count against its limit (its model requests held for a batch step),
/// read as it grows.
pub(crate) type Paused<'a> = &'a (dyn Fn() -> Duration + Sync);

/// Nothing paused the clock.
pub(crate) const NEVER_PAUSED: Paused<'static> = &|| Duration::ZERO;

/// Returns once `limit` of running time has passed since `started`, not
/// counting what `paused` reports: the deadline moves by each pause, read
/// again at every wake-up (a pause still going on moves it further, so a
/// long one costs a few wake-ups, not a poll).
async fn time_limit(started: tokio::time::Instant, limit: Duration, paused: Paused<'_>) {
    loop {
        let due = started + limit + paused();
        tokio::time::sleep_until(due).await;
        if tokio::time::Instant::now() >= started + limit + paused() {
            return;
        }
    }
}

/// Asks the helper to kill the tree, then makes sure it is gone.
async fn terminate(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().or_else(|| status.signal().map(|s| 128 + s)).unwrap_or(-1)
}

/// The last `limit` bytes of a file, as text, for error messages.
pub(crate) fn tail(path: &Path, limit: usize) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = bytes.len().saturating_sub(limit);
    String::from_utf8_lossy(&bytes[start..]).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use super::time_limit;

    #[tokio::test(start_paused = true)]
    async fn a_pause_moves_the_deadline_by_its_length() {
        let paused_ms = AtomicU64::new(0);
        let paused = || Duration::from_millis(paused_ms.load(Ordering::SeqCst));
        let limit = time_limit(tokio::time::Instant::now(), Duration::from_secs(10), &paused);
        tokio::pin!(limit);
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(futures::poll!(&mut limit).is_pending());
        // The program was held for 5 s: its limit is now at 15 s.
        paused_ms.store(5_000, Ordering::SeqCst);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(futures::poll!(&mut limit).is_pending());
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(futures::poll!(&mut limit).is_pending());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(futures::poll!(&mut limit).is_ready());
    }
}

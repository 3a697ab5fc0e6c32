//! Running the built `jig` binary in a sandboxed data dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// A temp dir holding a data dir (`home`) and a workspace (`ws`).
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ws")).unwrap();
        Env { dir }
    }

    /// A workspace holding a copy of `examples/NAME`.
    pub fn with_example(name: &str) -> Self {
        let env = Env::new();
        copy_dir(&repo_root().join("examples").join(name), &env.ws());
        env
    }

    pub fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Writes a file under the temp dir and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn jig(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jig"));
        cmd.env("JIG_HOME", self.home())
            .env_remove("JIG_FAULT_KILL_AFTER_RECORDS")
            .current_dir(self.ws());
        cmd.stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.jig().args(args).output().unwrap()
    }

    /// The one session directory under the data dir.
    pub fn only_session(&self) -> PathBuf {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.home().join("sessions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        dirs.pop().unwrap()
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every parseable record of a rollout (a torn last line is skipped).
pub fn records(path: &Path) -> Vec<jig_protocol::RolloutRecord> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// How often each line of the workspace's `effects.log` was written.
pub fn markers(ws: &Path) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for line in std::fs::read_to_string(ws.join("effects.log"))
        .unwrap_or_default()
        .lines()
    {
        *counts.entry(line.to_string()).or_insert(0) += 1;
    }
    counts
}

/// `jig exec` of the crash scripts, killed after `kill_after` records when given.
pub fn exec(env: &Env, model: &str, kill_after: Option<u64>) -> Output {
    let mut cmd = env.jig();
    cmd.args(["exec", "--model", model, "do the work"]);
    if let Some(n) = kill_after {
        cmd.env("JIG_FAULT_KILL_AFTER_RECORDS", n.to_string());
    }
    cmd.output().unwrap()
}

/// How long a jig command may run before the test calls it hung. Not a
/// timing assertion: these commands end in well under a second, and the
/// bound only turns a hang (the bug some tests guard against) into a failure.
const HANG_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `cmd` to its end like `Command::output`, but kills it and fails the
/// test when it hangs.
pub fn output_unless_hung(mut cmd: Command) -> Output {
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match result.recv_timeout(HANG_LIMIT) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            panic!("hung: {cmd:?} did not end within {HANG_LIMIT:?}");
        }
    }
}

/// Whether the sandboxed cases can run; panics when they cannot and
/// skipping was not asked for.
pub fn landlock() -> bool {
    if jig_sandbox::landlock_available() {
        return true;
    }
    assert!(
        std::env::var("JIG_ALLOW_NO_LANDLOCK").as_deref() == Ok("1"),
        "this kernel does not enforce Landlock; set JIG_ALLOW_NO_LANDLOCK=1 to skip the sandbox tests"
    );
    eprintln!("skipped: this kernel does not enforce Landlock");
    false
}

/// The fake server and the runtime serving it; dropping it stops both.
pub struct Served {
    pub server: jig_testkit::FakeServer,
    _runtime: tokio::runtime::Runtime,
}

/// Serves `replies` in order on 127.0.0.1.
pub fn serve(replies: Vec<jig_testkit::Reply>) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(jig_testkit::FakeServer::start(replies));
    Served {
        server,
        _runtime: runtime,
    }
}

/// Polls `found` until it gives a value (every 20 ms, for at most 120 s):
/// for a state another process reaches, never for a length of time.
pub fn wait_for<T>(mut found: impl FnMut() -> Option<T>) -> T {
    for _ in 0..6000 {
        if let Some(value) = found() {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the awaited state was never reached");
}

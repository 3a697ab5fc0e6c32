//! Shared fixture: a temp root holding `ws/` (the workspace) and `outside/`
//! (which holds `victim`, a file no sandboxed command may change).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jig_sandbox::{SandboxPolicy, explain_denial, landlock_available, wrap_command};

pub const VICTIM_TEXT: &str = "original\n";

/// Fails the test when the kernel lacks Landlock, unless
/// `JIG_ALLOW_NO_LANDLOCK=1` says skipping is expected (then it returns with
/// a printed reason): a CI machine without Landlock must not pass silently.
macro_rules! require_landlock {
    () => {
        if !jig_sandbox::landlock_available() {
            assert!(
                std::env::var("JIG_ALLOW_NO_LANDLOCK").as_deref() == Ok("1"),
                "this kernel does not enforce Landlock; set JIG_ALLOW_NO_LANDLOCK=1 to skip the sandbox tests"
            );
            eprintln!("skipping: this kernel does not enforce Landlock");
            return;
        }
    };
}
pub(crate) use require_landlock;

pub struct Fixture {
    _root: tempfile::TempDir,
    pub ws: PathBuf,
    pub outside: PathBuf,
}

/// A directory for fixtures that no sandbox temp root covers: the checkout
/// may itself live under `/tmp` (CI clones anywhere), where "outside the
/// workspace" would still be writable.
fn fixture_base() -> PathBuf {
    let temp_roots = SandboxPolicy::workspace_write("/nonexistent-jig-workspace").writable_roots();
    let covered = |dir: &Path| {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        temp_roots.iter().any(|root| dir.starts_with(root))
    };
    [PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from("/var/tmp")]
        .into_iter()
        .find(|dir| dir.is_dir() && !covered(dir))
        .expect("a fixture directory outside the sandbox's temp roots (the target dir or /var/tmp)")
}

impl Fixture {
    pub fn new() -> Fixture {
        let root = tempfile::Builder::new()
            .prefix("jig-sandbox-")
            .tempdir_in(fixture_base())
            .expect("temp root");
        let ws = root.path().join("ws");
        let outside = root.path().join("outside");
        std::fs::create_dir(&ws).expect("ws");
        std::fs::create_dir(&outside).expect("outside");
        std::fs::write(outside.join("victim"), VICTIM_TEXT).expect("victim");
        let ws = ws.canonicalize().expect("canonical ws");
        let outside = outside.canonicalize().expect("canonical outside");
        Fixture {
            _root: root,
            ws,
            outside,
        }
    }

    pub fn policy(&self) -> SandboxPolicy {
        SandboxPolicy::workspace_write(&self.ws)
    }

    /// Asserts that `outside/` still holds exactly the untouched victim.
    pub fn assert_outside_untouched(&self) {
        let names: Vec<String> = std::fs::read_dir(&self.outside)
            .expect("read outside")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["victim".to_string()], "something was written outside");
        let text = std::fs::read_to_string(self.outside.join("victim")).expect("victim");
        assert_eq!(text, VICTIM_TEXT, "the victim outside the workspace was changed");
    }
}

/// The result of one sandboxed run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the run failed with `needle` in stderr and that the sandbox
    /// note explains it.
    pub fn assert_blocked(&self, needle: &str, policy: &SandboxPolicy) -> String {
        assert_ne!(self.code, Some(0), "expected failure; stderr: {}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} in stderr: {}",
            self.stderr
        );
        let note = explain_denial(&self.stderr, self.code, policy).expect("a sandbox note");
        assert!(note.contains("escalation"), "{note}");
        note
    }
}

/// Runs `bash -c script` in `dir` under `policy`, as `as_uid` if given.
pub fn run_as(policy: &SandboxPolicy, dir: &Path, script: &str, as_uid: Option<u32>) -> Run {
    assert!(landlock_available() || !policy.mode.is_restricted());
    let exe = Path::new(env!("CARGO_BIN_EXE_jig-sandbox-exec"));
    let argv = wrap_command(exe, policy, &["bash".into(), "-c".into(), script.into()]);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(dir)
        // The helper would add $TMPDIR to the writable roots; keep the
        // fixture's idea of "outside" exact.
        .env_remove("TMPDIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(uid) = as_uid {
        cmd.uid(uid).gid(uid);
    }
    let child = cmd.spawn().expect("spawn helper");
    wait_bounded(child, Duration::from_secs(120))
}

pub fn run(policy: &SandboxPolicy, dir: &Path, script: &str) -> Run {
    run_as(policy, dir, script, None)
}

/// Waits for `child`, killing it past `limit` so a broken case cannot hang.
pub fn wait_bounded(mut child: std::process::Child, limit: Duration) -> Run {
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > limit {
            child.kill().expect("kill");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out: Output = child.wait_with_output().expect("output");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

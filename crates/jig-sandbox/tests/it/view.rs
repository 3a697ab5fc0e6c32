//! Private filesystem views (`__sandbox-view`): what a program sees and may
//! write, setup errors, and what passes through. Every case runs a real
//! program through the real helper (`jig-sandbox-exec __sandbox-view`),
//! binding the fixture's directories (under `CARGO_TARGET_TMPDIR`).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use jig_sandbox::{Bind, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, View, wrap_in_view};

use crate::support::{Fixture, Run, wait_bounded};

pub const EXE: &str = env!("CARGO_BIN_EXE_jig-sandbox-exec");

/// Fails the test when the kernel refuses unprivileged user namespaces,
/// unless `JIG_ALLOW_NO_USER_NAMESPACES=1` says skipping is expected (then
/// it returns with a printed reason), like `require_landlock!`.
macro_rules! require_views {
    () => {
        if let Some(reason) = crate::view::views_unavailable() {
            assert!(
                std::env::var("JIG_ALLOW_NO_USER_NAMESPACES").as_deref() == Ok("1"),
                "this kernel refuses views ({reason}); set JIG_ALLOW_NO_USER_NAMESPACES=1 to skip the view tests"
            );
            eprintln!("skipping: this kernel refuses views: {reason}");
            return;
        }
    };
}
pub(crate) use require_views;

/// Why views cannot work here (the kernel refused the user namespace), or
/// `None`. Any other failure is left to the tests to report.
pub fn views_unavailable() -> Option<String> {
    static PROBE: OnceLock<Option<String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            let out = run_view(&view(Vec::new(), "/"), &["true"]);
            (out.code == Some(EXIT_SETUP_FAILED) && out.stderr.contains("refused a private user namespace"))
                .then(|| out.stderr.trim().to_string())
        })
        .clone()
}

/// A view with `binds`, working in `workdir`, on the host's network.
pub fn view(binds: Vec<Bind>, workdir: &str) -> View {
    View {
        binds,
        workdir: workdir.into(),
        isolate_network: false,
    }
}

/// Starts `argv` in `view` through the helper, stdout piped.
pub fn start_view(view: &View, argv: &[&str]) -> std::process::Child {
    let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
    let wrapped = wrap_in_view(Path::new(EXE), view, &argv).expect("wrap");
    Command::new(&wrapped[0])
        .args(&wrapped[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the view helper")
}

pub fn run_view(view: &View, argv: &[&str]) -> Run {
    wait_bounded(start_view(view, argv), Duration::from_secs(120))
}

/// Runs `bash -c script` in `view`.
pub fn bash(view: &View, script: &str) -> Run {
    run_view(view, &["bash", "-c", script])
}

/// The fixture's workspace bound writable at `/app`, the working directory.
fn app(fx: &Fixture) -> View {
    view(vec![Bind::writable(&fx.ws, "/app")], "/app")
}

#[test]
fn the_view_shows_the_host_root_and_the_bind_targets() {
    require_views!();
    let fx = Fixture::new();
    let tests = fx.ws.join("tests-src");
    std::fs::create_dir(&tests).unwrap();
    let mut v = app(&fx);
    v.binds.push(Bind::read_only(&tests, "/tests"));
    v.binds.push(Bind::writable(&fx.outside, "/logs/verifier"));
    let out = bash(&v, "ls -A /; id -u; id -g");
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let mut inside: Vec<&str> = out.stdout.lines().collect();
    let ids = inside.split_off(inside.len() - 2);
    assert_eq!(ids, ["0", "0"], "the program is not root inside the view");
    let mut expected: Vec<String> = std::fs::read_dir("/")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .chain(["app", "tests", "logs"].map(String::from))
        .collect();
    expected.sort();
    expected.dedup();
    let mut inside: Vec<String> = inside.into_iter().map(String::from).collect();
    inside.sort();
    assert_eq!(inside, expected);
}

#[test]
fn a_writable_bind_at_app_writes_through_to_the_host() {
    require_views!();
    let fx = Fixture::new();
    std::fs::write(fx.ws.join("seed"), "from the host\n").unwrap();
    let out = bash(
        &app(&fx),
        "cat /app/seed && echo from the view > /app/new && mkdir -p /app/d/e",
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "from the host\n");
    assert_eq!(std::fs::read_to_string(fx.ws.join("new")).unwrap(), "from the view\n");
    assert!(fx.ws.join("d/e").is_dir());
}

#[test]
fn a_read_only_bind_refuses_writes() {
    require_views!();
    let fx = Fixture::new();
    std::fs::write(fx.outside.join("test.sh"), "exit 0\n").unwrap();
    let v = view(vec![Bind::read_only(&fx.outside, "/tests")], "/");
    let out = bash(
        &v,
        "cat /tests/test.sh; echo changed > /tests/test.sh; touch /tests/new; rm /tests/victim",
    );
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stdout, "exit 0\n");
    assert_eq!(out.stderr.matches("Read-only file system").count(), 3, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(fx.outside.join("test.sh")).unwrap(), "exit 0\n");
    assert!(fx.outside.join("victim").exists());
}

#[test]
fn the_host_root_is_read_only_and_stays_untouched() {
    require_views!();
    let fx = Fixture::new();
    let name = format!("jig-view-probe-{}", std::process::id());
    let victim = fx.outside.join("victim");
    let script = format!(
        "for p in /usr/{name} /{name} /etc/{name}; do touch $p; done; mkdir /{name}.d; echo pwned > {}; rm {}",
        victim.display(),
        victim.display()
    );
    let out = bash(&app(&fx), &script);
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stderr.matches("Read-only file system").count(), 6, "{}", out.stderr);
    for path in [
        format!("/usr/{name}"),
        format!("/{name}"),
        format!("/etc/{name}"),
        format!("/{name}.d"),
    ] {
        assert!(!Path::new(&path).exists(), "{path} was created on the host");
    }
    fx.assert_outside_untouched();
}

#[test]
fn tmp_is_private() {
    require_views!();
    let fx = Fixture::new();
    let host_file = tempfile::Builder::new()
        .prefix("jig-view-host-")
        .tempfile_in("/tmp")
        .unwrap();
    let host_name = host_file.path().file_name().unwrap().to_string_lossy().into_owned();
    let name = format!("jig-view-inside-{}", std::process::id());
    let script = format!("test ! -e /tmp/{host_name} && touch /tmp/{name} && ls -A /tmp");
    let out = bash(&app(&fx), &script);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, format!("{name}\n"), "/tmp inside is not a fresh tmpfs");
    assert!(!Path::new("/tmp").join(&name).exists(), "/tmp/{name} reached the host");
}

/// The scratch root that builds the view is mounted over `/tmp`; sources
/// under the host's `/tmp` (where eval runners make temp dirs) still show.
#[test]
fn a_source_under_the_hosts_tmp_is_shown() {
    require_views!();
    let source = tempfile::Builder::new()
        .prefix("jig-view-src-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::write(source.path().join("task.txt"), "task\n").unwrap();
    let out = bash(
        &view(vec![Bind::writable(source.path(), "/app")], "/app"),
        "cat task.txt && echo done > out",
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "task\n");
    assert_eq!(std::fs::read_to_string(source.path().join("out")).unwrap(), "done\n");
}

#[test]
fn the_workdir_is_honoured() {
    require_views!();
    let fx = Fixture::new();
    std::fs::create_dir(fx.ws.join("sub")).unwrap();
    let out = bash(
        &view(vec![Bind::writable(&fx.ws, "/app")], "/app/sub"),
        "pwd; echo here > rel",
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "/app/sub\n");
    assert_eq!(std::fs::read_to_string(fx.ws.join("sub/rel")).unwrap(), "here\n");
}

#[test]
fn files_can_be_bound() {
    require_views!();
    let fx = Fixture::new();
    std::fs::write(fx.ws.join("settings.json"), "{}\n").unwrap();
    let v = view(
        vec![
            Bind::writable(fx.ws.join("settings.json"), "/config/settings.json"),
            Bind::read_only(fx.outside.join("victim"), "/tmp/deep/victim"),
        ],
        "/",
    );
    let script = "echo '{\"a\":1}' > /config/settings.json; cat /tmp/deep/victim; echo x > /tmp/deep/victim";
    let out = bash(&v, script);
    assert_eq!(out.stdout, crate::support::VICTIM_TEXT);
    assert!(out.stderr.contains("Read-only file system"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(fx.ws.join("settings.json")).unwrap(),
        "{\"a\":1}\n"
    );
    fx.assert_outside_untouched();
}

/// A mount point inside a host directory would be a write to the host: the
/// view refuses to start, in one line that names the directory.
#[test]
fn a_target_inside_a_read_only_host_directory_is_a_setup_error() {
    require_views!();
    let fx = Fixture::new();
    let target = format!("/usr/jig-view-missing-{}", std::process::id());
    let v = view(vec![Bind::writable(&fx.ws, &target)], "/");
    let out = bash(&v, "echo ran; touch /app/ran");
    assert_eq!(out.code, Some(EXIT_SETUP_FAILED), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "", "the program ran");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "jig sandbox: error: cannot set up the view (bind target): bind target {target}: its mount point would have to be made in /usr, which is a host directory"
        )),
        "{}",
        out.stderr
    );
    assert!(!Path::new(&target).exists());
}

#[test]
fn a_missing_source_or_workdir_is_a_setup_error() {
    require_views!();
    let fx = Fixture::new();
    let missing = fx.ws.join("missing");
    let out = bash(&view(vec![Bind::writable(&missing, "/app")], "/"), "echo ran");
    assert_eq!(out.code, Some(EXIT_SETUP_FAILED));
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains(&format!("bind source {} cannot be used", missing.display())),
        "{}",
        out.stderr
    );
    let out = bash(&view(Vec::new(), "/app"), "echo ran");
    assert_eq!(out.code, Some(EXIT_SETUP_FAILED));
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("cannot enter the workdir /app"), "{}", out.stderr);
}

#[test]
fn exit_codes_and_output_pass_through() {
    require_views!();
    let fx = Fixture::new();
    let out = bash(&app(&fx), "echo out; echo err >&2; exit 7");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(7), "out\n", "err\n")
    );
    let out = run_view(&app(&fx), &["jig-view-no-such-program"]);
    assert_eq!(out.code, Some(EXIT_NOT_FOUND), "stderr: {}", out.stderr);
    let out = bash(&app(&fx), "kill -TERM $$");
    assert_eq!(out.code, None, "a program killed by a signal is reported as such");
}

#[test]
fn the_environment_passes_through() {
    require_views!();
    let fx = Fixture::new();
    let wrapped = wrap_in_view(
        Path::new(EXE),
        &app(&fx),
        &["bash".into(), "-c".into(), "echo $JIG_VIEW_PROBE".into()],
    )
    .unwrap();
    let out = Command::new(&wrapped[0])
        .args(&wrapped[1..])
        .env("JIG_VIEW_PROBE", "carried")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "carried\n");
}

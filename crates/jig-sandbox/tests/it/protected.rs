//! `.git` and `.jig` stay read-only under a writable workspace: existing
//! ones cannot be changed, moved or removed, missing ones cannot be created,
//! and a `.git` file's git directory is kept too.

use jig_sandbox::{SandboxError, check_write};

use crate::support::{Fixture, require_landlock, run};

const CONFIG: &str = "[core]\n\tbare = false\n";
const JIG_CONFIG: &str = "model = \"mine\"\n";

/// A workspace holding a `.git` directory (config, hooks) and `.jig/config.toml`.
fn repo_fixture() -> Fixture {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.ws.join(".git/hooks")).expect("hooks");
    std::fs::write(fx.ws.join(".git/config"), CONFIG).expect("config");
    std::fs::create_dir(fx.ws.join(".jig")).expect(".jig");
    std::fs::write(fx.ws.join(".jig/config.toml"), JIG_CONFIG).expect("jig config");
    fx
}

#[test]
fn existing_git_and_jig_cannot_be_changed_moved_or_removed() {
    require_landlock!();
    let fx = repo_fixture();
    let script = "echo fine > ordinary.txt; \
                  echo '[core] hooksPath = /tmp/h' >> .git/config; \
                  echo evil > .git/hooks/pre-commit; \
                  echo 'sandbox = \"danger-full-access\"' > .jig/config.toml; \
                  mv .git moved-git; mv .jig moved-jig; rm -rf .git .jig";
    let out = run(&fx.policy(), &fx.ws, script);
    out.assert_blocked("Read-only file system", &fx.policy());
    assert!(out.stderr.contains("Device or resource busy"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(fx.ws.join(".git/config")).expect("config"),
        CONFIG
    );
    assert!(!fx.ws.join(".git/hooks/pre-commit").exists());
    let jig = std::fs::read_to_string(fx.ws.join(".jig/config.toml")).expect("jig config");
    assert_eq!(jig, JIG_CONFIG);
    assert!(!fx.ws.join("moved-git").exists() && !fx.ws.join("moved-jig").exists());
    assert_eq!(
        std::fs::read_to_string(fx.ws.join("ordinary.txt")).expect("ordinary"),
        "fine\n"
    );
    fx.assert_outside_untouched();
}

#[test]
fn missing_git_and_jig_cannot_be_created_and_leave_nothing_behind() {
    require_landlock!();
    let fx = Fixture::new();
    let script = "mkdir newdir && echo ok > newdir/f; \
                  mkdir -p .jig; echo 'sandbox = \"danger-full-access\"' > .jig/config.toml; \
                  mkdir -p .git/hooks; echo evil > .git/HEAD";
    let out = run(&fx.policy(), &fx.ws, script);
    out.assert_blocked("Read-only file system", &fx.policy());
    assert!(!fx.ws.join(".jig").exists(), "the .jig placeholder was left behind");
    assert!(!fx.ws.join(".git").exists(), "the .git placeholder was left behind");
    assert_eq!(std::fs::read_to_string(fx.ws.join("newdir/f")).expect("f"), "ok\n");
}

#[test]
fn the_git_directory_of_a_git_file_is_kept_too() {
    require_landlock!();
    let fx = Fixture::new();
    // A worktree-style `.git` file pointing at a git directory elsewhere in
    // a writable root.
    std::fs::create_dir_all(fx.ws.join("store/wt")).expect("gitdir");
    std::fs::write(fx.ws.join("store/wt/config"), CONFIG).expect("config");
    std::fs::write(fx.ws.join(".git"), "gitdir: store/wt\n").expect(".git file");
    let out = run(
        &fx.policy(),
        &fx.ws,
        "echo evil >> store/wt/config; echo 'gitdir: /tmp' > .git",
    );
    out.assert_blocked("Read-only file system", &fx.policy());
    assert_eq!(
        std::fs::read_to_string(fx.ws.join("store/wt/config")).expect("config"),
        CONFIG
    );
    assert_eq!(
        std::fs::read_to_string(fx.ws.join(".git")).expect(".git"),
        "gitdir: store/wt\n"
    );
}

#[test]
fn check_write_refuses_git_and_jig() {
    let fx = repo_fixture();
    let policy = fx.policy();
    for path in [".git/config", ".git/hooks/pre-commit", ".jig/config.toml", ".jig"] {
        let err = check_write(&policy, &fx.ws.join(path)).expect_err(path);
        assert!(matches!(err, SandboxError::Protected { .. }), "{path}: {err}");
        assert!(err.to_string().contains("stays read-only in the sandbox"), "{err}");
    }
    assert_eq!(check_write(&policy, &fx.ws.join("src/lib.rs")), Ok(()));
    assert_eq!(check_write(&policy, &fx.ws.join(".gitignore")), Ok(()));
    // Missing ones are refused too.
    let bare = Fixture::new();
    let err = check_write(&bare.policy(), &bare.ws.join(".jig/config.toml")).expect_err("missing .jig");
    assert!(matches!(err, SandboxError::Protected { .. }), "{err}");
}

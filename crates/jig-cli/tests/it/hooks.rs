//! `[[hooks]]` through `jig exec` with scripted models: hook scripts in
//! Claude Code's conventions (JSON on stdin, exit code 2 to block with the
//! reason on stderr, JSON answers on stdout) deny, rewrite, time out, see
//! the final message, add context, and an untrusted project's never run.

use jig_protocol::{Event, HookStatus, Item, RolloutRecord};

use crate::support::{Env, records, stderr, stdout};

/// Writes the user config (with `hooks`) and an executable hook script.
fn setup(env: &Env, config: &str, scripts: &[(&str, &str)]) {
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(env.home().join("config.toml"), config).unwrap();
    for (name, body) in scripts {
        let path = env.dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).unwrap();
    }
}

/// The path of a script written by [`setup`], for a `command`.
fn script(env: &Env, name: &str) -> String {
    env.dir.path().join(name).display().to_string()
}

fn exec(env: &Env, dialect: &str, script: &str) -> std::process::Output {
    let model = format!("scripted:{}", env.file("script.toml", script).display());
    env.run(&["exec", "--dialect", dialect, "--model", &model, "tidy up"])
}

/// Every `hook_finished` event of the one session: (hook event, status, message).
fn hook_events(env: &Env) -> Vec<(String, HookStatus, Option<String>)> {
    records(&env.only_session().join("rollout.jsonl"))
        .into_iter()
        .filter_map(|record| match record {
            RolloutRecord::Event {
                event:
                    Event::HookFinished {
                        hook_event,
                        status,
                        message,
                        ..
                    },
                ..
            } => Some((hook_event, status, message)),
            _ => None,
        })
        .collect()
}

/// A model script whose one call writes `ran.txt`, then says "Done.".
const WRITE_RAN: &str = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo ran > ran.txt" }

[[response]]
text = "Done."
"#;

/// Runs a session whose one call writes `ran.txt`, under one `pre_tool_use`
/// hook: the script `body`, with `setting` added to its `[[hooks]]` table.
fn one_pre_tool_use_hook(env: &Env, body: &str, setting: &str) -> std::process::Output {
    let config = format!(
        "[[hooks]]\nevent = \"pre_tool_use\"\ncommand = \"{}\"\n{setting}\n",
        script(env, "hook.sh")
    );
    setup(env, &config, &[("hook.sh", body)]);
    exec(env, "generic", WRITE_RAN)
}

/// Whether the process whose pid a hook wrote to `file` (beside the
/// workspace) is still a running `sleep`.
fn sleeping(env: &Env, file: &str) -> bool {
    let pid = std::fs::read_to_string(env.dir.path().join(file)).unwrap();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).unwrap_or_default();
    String::from_utf8_lossy(&cmdline).contains("sleep")
}

fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

#[test]
fn a_pre_tool_use_hook_denies_rm_and_the_model_sees_why() {
    let env = Env::new();
    std::fs::write(env.ws().join("victim.txt"), "keep me\n").unwrap();
    let deny = r#"input=$(cat)
case "$input" in
  *'"command":"rm '*) echo "rm is not allowed here; move files to trash/ instead" >&2; exit 2 ;;
esac
exit 0"#;
    let config = format!(
        "[[hooks]]\nevent = \"pre_tool_use\"\nmatcher = \"Bash\"\ncommand = \"{}\"\n",
        script(&env, "deny-rm.sh")
    );
    setup(&env, &config, &[("deny-rm.sh", deny)]);
    let out = exec(
        &env,
        "claude",
        r#"
[[response]]
[[response.tool_calls]]
name = "Bash"
arguments = { command = "rm victim.txt" }

[[response]]
text = "I may not delete it."
[response.expect]
last_output_contains = "rm is not allowed here; move files to trash/ instead"
"#,
    );
    succeeded(&out);
    assert_eq!(
        std::fs::read_to_string(env.ws().join("victim.txt")).unwrap(),
        "keep me\n"
    );
    let hooks = hook_events(&env);
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].0, "pre_tool_use");
    assert_eq!(hooks[0].1, HookStatus::Blocked);
    assert!(stderr(&out).contains("pre_tool_use hook"), "{}", stderr(&out));
}

#[test]
fn a_pre_tool_use_hook_rewrites_the_command_that_runs() {
    let env = Env::new();
    // Claude Code's JSON answer; `shell` matches the generic dialect's tool.
    let rewrite = r#"cat > /dev/null
echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","updatedInput":{"command":"echo rewritten > out.txt"}}}'"#;
    let config = format!(
        "[[hooks]]\nevent = \"pre_tool_use\"\nmatcher = \"shell\"\ncommand = \"{}\"\n",
        script(&env, "rewrite.sh")
    );
    setup(&env, &config, &[("rewrite.sh", rewrite)]);
    let out = exec(
        &env,
        "generic",
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo original > out.txt" }

[[response]]
text = "Wrote it."
"#,
    );
    succeeded(&out);
    assert_eq!(
        std::fs::read_to_string(env.ws().join("out.txt")).unwrap(),
        "rewritten\n"
    );
    let hooks = hook_events(&env);
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].1, HookStatus::Rewrote);
    assert!(hooks[0].2.as_deref().unwrap().contains("echo rewritten > out.txt"));
    // What the front-end and the rollout show as run is the rewritten call.
    let began = records(&env.only_session().join("rollout.jsonl"))
        .into_iter()
        .find_map(|record| match record {
            RolloutRecord::Event {
                event: Event::ToolCallBegin { arguments, .. },
                ..
            } => Some(arguments),
            _ => None,
        })
        .unwrap();
    assert!(began.contains("echo rewritten"), "{began}");
}

#[test]
fn a_hook_that_runs_past_its_timeout_is_killed_and_reported_and_the_session_goes_on() {
    let env = Env::new();
    // A grandchild that would hold the pipes open forever.
    let forever = r#"sleep 1000 &
echo $! > "$JIG_PROJECT_DIR/../sleeper.pid"
wait"#;
    let out = one_pre_tool_use_hook(&env, forever, "timeout_sec = 0.5");
    succeeded(&out);
    assert_eq!(std::fs::read_to_string(env.ws().join("ran.txt")).unwrap(), "ran\n");
    let hooks = hook_events(&env);
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].1, HookStatus::TimedOut);
    let err = stderr(&out);
    assert!(
        err.contains("warning: pre_tool_use hook") && err.contains("timed out"),
        "{err}"
    );
    // Its whole process group was killed, the backgrounded sleep included.
    assert!(!sleeping(&env, "sleeper.pid"), "the hook's sleep is still running");
}

#[test]
fn a_hook_that_leaves_a_setsid_daemon_finishes_and_the_daemon_dies_with_it() {
    let env = Env::new();
    // A daemon in a session of its own, holding the hook's stdout: out of
    // reach of a process-group kill. The hook waits until it has started.
    let daemon = r#"setsid bash -c 'echo $$ > "$JIG_PROJECT_DIR/../daemon.pid"; exec sleep 1000' &
until [ -s "$JIG_PROJECT_DIR/../daemon.pid" ]; do :; done
exit 0"#;
    let out = one_pre_tool_use_hook(&env, daemon, "timeout_sec = 20");
    succeeded(&out);
    let hooks = hook_events(&env);
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    // Not held until its timeout by the daemon's end of the pipe.
    assert_ne!(hooks[0].1, HookStatus::TimedOut, "{hooks:?}");
    assert_eq!(std::fs::read_to_string(env.ws().join("ran.txt")).unwrap(), "ran\n");
    assert!(!sleeping(&env, "daemon.pid"), "the hook's setsid daemon outlived it");
}

#[test]
fn a_stop_hook_sees_the_final_message_and_can_send_the_model_on() {
    let env = Env::new();
    // Blocks the first stop (Claude Code's `stop_hook_active` says which).
    let stop = r#"input=$(cat)
printf '%s\n' "$input" >> "$JIG_PROJECT_DIR/../stops.jsonl"
case "$input" in
  *'"stop_hook_active":false'*) echo '{"decision":"block","reason":"run the tests first"}' ;;
esac
exit 0"#;
    let config = format!(
        "[[hooks]]\nevent = \"stop\"\ncommand = \"{}\"\n",
        script(&env, "stop.sh")
    );
    setup(&env, &config, &[("stop.sh", stop)]);
    let out = exec(
        &env,
        "generic",
        r#"
[[response]]
text = "All done."

[[response]]
text = "Tests pass; now it is done."
"#,
    );
    succeeded(&out);
    assert_eq!(stdout(&out), "Tests pass; now it is done.\n");
    let stops: Vec<serde_json::Value> = std::fs::read_to_string(env.dir.path().join("stops.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(stops.len(), 2, "{stops:?}");
    assert_eq!(stops[0]["hook_event_name"], "Stop");
    assert_eq!(stops[0]["last_assistant_message"], "All done.");
    assert_eq!(stops[0]["stop_hook_active"], false);
    assert_eq!(stops[1]["last_assistant_message"], "Tests pass; now it is done.");
    assert_eq!(stops[1]["stop_hook_active"], true);
    let session = env.only_session();
    assert_eq!(
        stops[0]["transcript_path"],
        session.join("rollout.jsonl").display().to_string()
    );
    let nudged = records(&session.join("rollout.jsonl")).into_iter().any(|record| {
        matches!(record, RolloutRecord::Item { item: Item::Message { text, .. } } if text.contains("run the tests first"))
    });
    assert!(nudged, "the model never heard the stop hook's reason");
}

#[test]
fn session_start_prompt_and_post_tool_use_hooks_fire_and_add_context() {
    let env = Env::new();
    let log = r#"input=$(cat)
printf '%s\n' "$input" >> "$JIG_PROJECT_DIR/../events.jsonl""#;
    let prompt = r#"cat > /dev/null
echo "Remember: the codename is OWL.""#;
    let post = r#"cat > /dev/null
echo '{"decision":"block","reason":"lint: trailing space on line 1"}'"#;
    let config = format!(
        "[[hooks]]\nevent = \"SessionStart\"\nmatcher = \"startup\"\ncommand = \"{log}\"\n\n\
         [[hooks]]\nevent = \"user_prompt_submit\"\ncommand = \"{log}\"\n\n\
         [[hooks]]\nevent = \"user_prompt_submit\"\ncommand = \"{prompt}\"\n\n\
         [[hooks]]\nevent = \"post_tool_use\"\nmatcher = \"Bash|shell\"\ncommand = \"{log}\"\n\n\
         [[hooks]]\nevent = \"post_tool_use\"\nmatcher = \"shell\"\ncommand = \"{post}\"\n",
        log = script(&env, "log.sh"),
        prompt = script(&env, "prompt.sh"),
        post = script(&env, "post.sh"),
    );
    setup(
        &env,
        &config,
        &[("log.sh", log), ("prompt.sh", prompt), ("post.sh", post)],
    );
    let out = exec(
        &env,
        "generic",
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo hi" }

[[response]]
text = "Fixed the lint."
[response.expect]
last_output_contains = "[post_tool_use hook] lint: trailing space on line 1"
"#,
    );
    succeeded(&out);
    let events: Vec<serde_json::Value> = std::fs::read_to_string(env.dir.path().join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e["hook_event_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["SessionStart", "UserPromptSubmit", "PostToolUse"]);
    assert_eq!(events[0]["source"], "startup");
    assert_eq!(events[1]["prompt"], "tidy up");
    assert_eq!(events[2]["tool_name"], "shell");
    assert_eq!(events[2]["tool_input"]["command"], "echo hi");
    assert!(events[2]["tool_response"]["output"].as_str().unwrap().contains("hi"));
    let context = records(&env.only_session().join("rollout.jsonl")).into_iter().any(|record| {
        matches!(record, RolloutRecord::Item { item: Item::Message { text, .. } } if text.contains("the codename is OWL"))
    });
    assert!(context, "the prompt hook's context never reached the conversation");
}

#[test]
fn a_failing_hook_is_reported_and_changes_nothing() {
    let env = Env::new();
    let config = "[[hooks]]\nevent = \"pre_tool_use\"\ncommand = \"echo broken >&2; exit 7\"\n";
    setup(&env, config, &[]);
    let out = exec(&env, "generic", WRITE_RAN);
    succeeded(&out);
    assert!(env.ws().join("ran.txt").exists());
    let hooks = hook_events(&env);
    assert_eq!(
        hooks,
        [(
            "pre_tool_use".to_owned(),
            HookStatus::Failed,
            Some("it exited with code 7: broken".to_owned())
        )]
    );
    assert!(stderr(&out).contains("warning: pre_tool_use hook `echo broken >&2; exit 7` failed"));
}

#[test]
fn an_untrusted_projects_hooks_do_not_run_until_it_is_trusted() {
    let env = Env::new();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        "[[hooks]]\nevent = \"session_start\"\ncommand = \"touch pwned\"\n",
    )
    .unwrap();
    let script = "[[response]]\ntext = \"Hello.\"\n";
    let out = exec(&env, "generic", script);
    succeeded(&out);
    assert!(!env.ws().join("pwned").exists(), "an untrusted project's hook ran");
    let err = stderr(&out);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("hooks"))
        .unwrap_or_default();
    assert!(warning.contains("jig trust"), "{err}");

    assert!(env.run(&["trust"]).status.success());
    succeeded(&exec(&env, "generic", script));
    assert!(env.ws().join("pwned").exists(), "a trusted project's hook did not run");
}

#[test]
fn a_bad_matcher_is_an_error_with_file_and_line() {
    let env = Env::new();
    setup(
        &env,
        "model = \"x\"\n\n[[hooks]]\nevent = \"pre_tool_use\"\nmatcher = \"Bash(\"\ncommand = \"true\"\n",
        &[],
    );
    let out = env.run(&["config", "show"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("config.toml line 5") && err.contains("not a valid regular expression"),
        "{err}"
    );
}

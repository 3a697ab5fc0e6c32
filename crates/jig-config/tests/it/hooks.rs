//! `[[hooks]]`: both spellings of the events, the checks, the order in
//! which the user's and a project's add up, and trust.

use std::time::Duration;

use jig_config::{CliOverrides, HookEvent, Source};

use crate::support::Tree;

#[test]
fn hooks_resolve_in_order_with_defaults_and_show_their_source() {
    let tree = Tree::new();
    let user = tree.user_config(
        "[[hooks]]\nevent = \"PreToolUse\"\nmatcher = \"Bash\"\ncommand = \"check.sh\"\ntimeout_sec = 2.5\n\n\
         [[hooks]]\nevent = \"stop\"\nmatcher = \"\"\ncommand = \"tests.sh\"\n",
    );
    let settings = tree
        .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
        .unwrap();
    let hooks = &settings.hooks;
    assert_eq!(hooks.len(), 2);
    assert_eq!(
        (hooks[0].event, hooks[0].matcher.as_deref()),
        (HookEvent::PreToolUse, Some("Bash"))
    );
    assert_eq!(hooks[0].timeout, Duration::from_millis(2500));
    assert_eq!((hooks[1].event, hooks[1].matcher.as_deref()), (HookEvent::Stop, None));
    assert_eq!(hooks[1].timeout, Duration::from_secs(60));
    assert_eq!(settings.source("hooks[1]"), &Source::UserFile(user));
    let shown = jig_config::render_show(&settings);
    assert!(
        shown.contains("hooks[0] = pre_tool_use [Bash]: check.sh (timeout 2.5s)    # user config"),
        "{shown}"
    );
}

#[test]
fn bad_hooks_are_errors_with_line_and_column() {
    let cases = [
        (
            "[[hooks]]\nevent = \"pre_tool_use\"\nmatcher = \"Bash(\"\ncommand = \"a\"\n",
            "line 3, column 11: hooks[0].matcher `Bash(` is not a valid regular expression",
        ),
        (
            "[[hooks]]\nevent = \"stop\"\nmatcher = \"Bash\"\ncommand = \"a\"\n",
            "hooks[0].matcher does not apply to stop hooks",
        ),
        (
            "[[hooks]]\nevent = \"pre_tool_use\"\ncommand = \" \"\n",
            "hooks[0].command is empty",
        ),
        ("[[hooks]]\nevent = \"before_tool\"\ncommand = \"a\"\n", "before_tool"),
        (
            "[[hooks]]\nevent = \"stop\"\ncommand = \"a\"\ntimeout_sec = 0\n",
            "a time limit must be a finite number of seconds above 0",
        ),
    ];
    for (text, wanted) in cases {
        let tree = Tree::new();
        tree.user_config(text);
        let err = tree
            .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(wanted), "{text}\n{err}");
    }
}

#[test]
fn an_untrusted_projects_hooks_are_left_out_and_a_trusted_ones_follow_the_users() {
    let tree = Tree::new();
    tree.user_config("[[hooks]]\nevent = \"stop\"\ncommand = \"mine\"\n");
    tree.project_config("[[hooks]]\nevent = \"session_start\"\ncommand = \"curl http://attacker.invalid\"\n");
    let settings = tree
        .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
        .unwrap();
    let commands: Vec<&str> = settings.hooks.iter().map(|h| h.command.as_str()).collect();
    assert_eq!(commands, ["mine"]);
    let warning = settings.project.as_ref().unwrap().warning().unwrap();
    assert!(warning.contains("hooks") && warning.contains("jig trust"), "{warning}");

    tree.trust();
    let settings = tree
        .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
        .unwrap();
    let commands: Vec<&str> = settings.hooks.iter().map(|h| h.command.as_str()).collect();
    assert_eq!(commands, ["mine", "curl http://attacker.invalid"]);
}

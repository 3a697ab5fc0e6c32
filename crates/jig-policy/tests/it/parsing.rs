//! The shell splitter: which simple commands a script runs.

use jig_policy::Command;
use jig_policy::parse::{FORK_BOMB, simple_commands};

fn argvs(script: &str) -> Vec<Vec<String>> {
    simple_commands(&Command::script(script))
        .into_iter()
        .map(|c| c.argv)
        .collect()
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn lists_pipes_and_substitutions_are_split() {
    let cases: &[(&str, &[&[&str]])] = &[
        ("ls && rm -rf /", &[&["ls"], &["rm", "-rf", "/"]]),
        ("a || b; c", &[&["a"], &["b"], &["c"]]),
        ("a | b |& c", &[&["a"], &["b"], &["c"]]),
        ("(cd x && make)", &[&["cd", "x"], &["make"]]),
        (
            "echo $(date) `whoami`",
            &[&["echo", "$(date)", "`whoami`"], &["date"], &["whoami"]],
        ),
        ("FOO=1 BAR=2 cmd arg", &[&["cmd", "arg"]]),
        (
            "echo \"a b\" 'c d' e\\ f $'g\\nh'",
            &[&["echo", "a b", "c d", "e f", "g\nh"]],
        ),
        ("echo \"say \\\"hi\\\"\"", &[&["echo", "say \"hi\""]]),
        (
            "bash -lc 'ls -l; pwd'",
            &[&["ls", "-l"], &["pwd"], &["bash", "-lc", "ls -l; pwd"]],
        ),
        (
            "find . -name '*.o' -exec rm {} \\;",
            &[&["rm", "{}"], &["find", ".", "-name", "*.o", "-exec", "rm", "{}", ";"]],
        ),
        ("x=1", &[]),
    ];
    for (script, want) in cases {
        let want: Vec<Vec<String>> = want.iter().map(|w| words(w)).collect();
        assert_eq!(argvs(script), want, "{script}");
    }
}

#[test]
fn order_puts_substitutions_first_is_not_assumed_but_all_are_present() {
    let got = argvs("echo $(rm -rf /)");
    assert!(got.contains(&words(&["rm", "-rf", "/"])), "{got:?}");
}

#[test]
fn redirects_and_pipelines_are_recorded() {
    let commands = simple_commands(&Command::script("curl x | sh > out.txt 2>/dev/null < in"));
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0].piped_from, Vec::<String>::new());
    assert_eq!(commands[1].piped_from, words(&["curl"]));
    assert_eq!(commands[1].redirects, words(&["out.txt", "/dev/null"]));

    let commands = simple_commands(&Command::script("(echo a) > .git/hooks/x"));
    assert!(
        commands
            .iter()
            .any(|c| c.argv.is_empty() && c.redirects == words(&[".git/hooks/x"]))
    );
}

#[test]
fn writes_include_copy_targets() {
    let cases: &[(&str, &[&str])] = &[
        ("cp a b dir/", &["dir/"]),
        ("mv -f a b", &["b"]),
        ("cp -t dest a b", &["dest"]),
        ("install --target-directory=bin x", &["bin"]),
        ("tee -a one two", &["one", "two"]),
        ("dd if=a of=b", &["b"]),
        ("sudo cp a /etc/x > log", &["log", "/etc/x"]),
        ("cat a b", &[]),
    ];
    for (script, want) in cases {
        let commands = simple_commands(&Command::script(*script));
        assert_eq!(commands[0].writes(), words(want), "{script}");
    }
}

#[test]
fn fork_bomb_is_reported_by_reserved_name() {
    let got = argvs(":(){ :|:& };:");
    assert!(
        got.iter().any(|a| a.first().map(String::as_str) == Some(FORK_BOMB)),
        "{got:?}"
    );
    let got = argvs("f() { echo; }; f");
    assert!(
        !got.iter().any(|a| a.first().map(String::as_str) == Some(FORK_BOMB)),
        "{got:?}"
    );
}

#[test]
fn problems_are_marked() {
    for script in ["ls &&", "echo \"open", "$X arg", "sh -c \"$Y\"", "case x in"] {
        let commands = simple_commands(&Command::script(script));
        assert!(commands.iter().any(|c| c.problem.is_some()), "{script}: {commands:?}");
    }
    let deep = (0..12).fold("ls".to_string(), |s, _| format!("sh -c {}", shell_quote(&s)));
    let commands = simple_commands(&Command::script(deep));
    assert!(
        commands
            .iter()
            .any(|c| c.problem.as_deref() == Some("shell scripts nested too deeply"))
    );
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

//! What `jig policy check -- CMD` prints, pinned.

use jig_policy::{Command, Decision, Policy, Source};

fn explain(policy: &Policy, script: &str, default: Decision) -> String {
    policy.check(&Command::script(script), default).explain()
}

#[test]
fn explain_compound_script() {
    let text = explain(
        &Policy::defaults(),
        "ls && git push -f origin main; cargo build",
        Decision::Prompt,
    );
    insta::assert_snapshot!(text, @r"
    allow   ls                       known safe (read-only)
    forbid  git push -f origin main  rule #4 `git push … (--force|-f|--force-with-lease|--force-with-lease=*) (main|master|release/*|*:main|…)` (built-in defaults, line 26): force-push to a protected branch rewrites shared history
    prompt  cargo build              no rule matched (default)
    decision: forbid
    ");
}

#[test]
fn explain_project_rule_and_problem() {
    let policy = Policy::defaults()
        .with_rules(
            Source::Project("/repo/.jig/rules.toml".into()),
            "[[rule]]\npattern = [\"cargo\", \"test\"]\ndecision = \"allow\"\nreason = \"tests are sandboxed\"\n",
        )
        .unwrap();
    let text = explain(&policy, "cargo test | tee out.txt; $RUN x", Decision::Allow);
    insta::assert_snapshot!(text, @r"
    allow   cargo test   rule #0 `cargo test` (project rules /repo/.jig/rules.toml, line 1): tests are sandboxed
    allow   tee out.txt  no rule matched (default)
    prompt  $RUN x       cannot analyse: command name is computed at run time
    decision: prompt
    ");
}

#[test]
fn explain_wrapped_and_nested() {
    let text = explain(
        &Policy::defaults(),
        "sudo bash -c 'rm -rf / && echo done'",
        Decision::Allow,
    );
    insta::assert_snapshot!(text, @r"
    forbid  rm -rf /                              rule #0 `rm … (-r|-R|--recursive) (/|/[*]|/.|/..|…)` (built-in defaults, line 4): recursive delete of the root or home directory
    allow   echo done                             known safe (read-only)
    prompt  sudo bash -c 'rm -rf / && echo done'  rule #14 `(sudo|doas)` (built-in defaults, line 89): runs with elevated privileges
    decision: forbid
    ");
}

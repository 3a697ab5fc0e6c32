//! Loading rule files, precedence between layers, and load errors.

use Decision::{Allow, Forbid, Prompt};
use jig_policy::{Command, Decision, Policy, PolicyError, ProjectRules, Source};
use std::path::{Path, PathBuf};

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn decide(policy: &Policy, script: &str, default: Decision) -> Decision {
    policy.check(&Command::script(script), default).decision
}

fn rule(pattern: &str, decision: &str) -> String {
    format!("[[rule]]\npattern = {pattern}\ndecision = \"{decision}\"\nreason = \"test\"\n")
}

#[test]
fn defaults_parse() {
    assert!(Policy::defaults().len() >= 15);
}

#[test]
fn load_reads_project_and_user_files() {
    let project = tempfile::tempdir().unwrap();
    let user = tempfile::tempdir().unwrap();
    write(
        project.path(),
        ".jig/rules.toml",
        &rule(r#"["cargo", "publish"]"#, "forbid"),
    );
    write(user.path(), "rules.toml", &rule(r#"["npm"]"#, "prompt"));
    let policy = Policy::load(Some(project.path()), Some(user.path()), ProjectRules::Trusted).unwrap();
    assert_eq!(decide(&policy, "cargo publish --dry-run", Allow), Forbid);
    assert_eq!(decide(&policy, "npm install", Allow), Prompt);
    assert_eq!(decide(&policy, "cargo build", Allow), Allow);
    // Missing files are empty layers.
    let empty = tempfile::tempdir().unwrap();
    let policy = Policy::load(Some(empty.path()), Some(empty.path()), ProjectRules::TightenOnly).unwrap();
    assert_eq!(policy.len(), Policy::defaults().len());
}

#[test]
fn an_untrusted_project_may_only_tighten() {
    let project = tempfile::tempdir().unwrap();
    let user = tempfile::tempdir().unwrap();
    let rules = [
        rule(r#"["sudo"]"#, "allow"),
        rule(r#"["npm", "publish"]"#, "forbid"),
        rule(r#"["curl"]"#, "prompt"),
        rule(r#"["git", "push"]"#, "allow"),
    ]
    .concat();
    let path = write(project.path(), ".jig/rules.toml", &rules);
    write(user.path(), "rules.toml", &rule(r#"["git", "push"]"#, "prompt"));
    let untrusted = Policy::load(Some(project.path()), Some(user.path()), ProjectRules::TightenOnly).unwrap();
    assert_eq!(decide(&untrusted, "sudo apt update", Allow), Prompt, "allow left out");
    assert_eq!(
        decide(&untrusted, "git push origin", Allow),
        Prompt,
        "the user's prompt stands"
    );
    assert_eq!(decide(&untrusted, "npm publish", Allow), Forbid, "forbid kept");
    assert_eq!(decide(&untrusted, "curl example.com", Allow), Prompt, "prompt kept");
    let ignored = untrusted.ignored_project_rules().unwrap();
    assert_eq!((&ignored.path, ignored.lines.as_slice()), (&path, &[1, 13][..]));

    let trusted = Policy::load(Some(project.path()), Some(user.path()), ProjectRules::Trusted).unwrap();
    assert_eq!(decide(&trusted, "sudo apt update", Allow), Allow);
    assert_eq!(decide(&trusted, "git push origin", Allow), Allow);
    assert!(trusted.ignored_project_rules().is_none());
}

#[test]
fn project_allow_overrides_default_prompt_for_same_prefix() {
    let policy = Policy::defaults()
        .with_rules(
            Source::Project("p/.jig/rules.toml".into()),
            &rule(r#"["sudo"]"#, "allow"),
        )
        .unwrap();
    assert_eq!(decide(&Policy::defaults(), "sudo apt update", Allow), Prompt);
    assert_eq!(decide(&policy, "sudo apt update", Allow), Allow);
    // The inner command is still judged through the wrapper.
    assert_eq!(decide(&policy, "sudo rm -rf /", Allow), Forbid);
}

#[test]
fn project_cannot_lower_a_forbid_but_user_can() {
    let allow_rm = rule(r#"["rm", "-rf", "/"]"#, "allow");
    let project = Policy::defaults()
        .with_rules(Source::Project("p/.jig/rules.toml".into()), &allow_rm)
        .unwrap();
    let evaluation = project.check(&Command::script("rm -rf /"), Allow);
    assert_eq!(evaluation.decision, Forbid);
    assert_eq!(evaluation.matched[0].rule.as_ref().unwrap().source, Source::Default);

    let user = Policy::defaults()
        .with_rules(Source::User("u/rules.toml".into()), &allow_rm)
        .unwrap();
    assert_eq!(decide(&user, "rm -rf /", Allow), Allow);
    // A project may always make things stricter.
    let stricter = Policy::defaults()
        .with_rules(Source::Project("p".into()), &rule(r#"["ls"]"#, "forbid"))
        .unwrap();
    assert_eq!(decide(&stricter, "ls", Allow), Forbid);
}

#[test]
fn most_specific_rule_wins_across_layers() {
    // A broad project allow does not beat a more specific default.
    let policy = Policy::defaults()
        .with_rules(Source::Project("p".into()), &rule(r#"["git"]"#, "allow"))
        .unwrap();
    assert_eq!(decide(&policy, "git push -f origin topic", Allow), Prompt);
    assert_eq!(decide(&policy, "git push origin topic", Prompt), Allow);
    // Within a layer, the longer prefix wins whatever the order.
    let text = format!(
        "{}{}",
        rule(r#"["cargo"]"#, "forbid"),
        rule(r#"["cargo", "test"]"#, "allow")
    );
    let policy = Policy::defaults().with_rules(Source::User("u".into()), &text).unwrap();
    assert_eq!(decide(&policy, "cargo test -p x", Prompt), Allow);
    assert_eq!(decide(&policy, "cargo build", Prompt), Forbid);
    // Same specificity and layer: the stricter decision wins.
    let text = format!("{}{}", rule(r#"["make"]"#, "allow"), rule(r#"["make"]"#, "prompt"));
    let policy = Policy::defaults().with_rules(Source::User("u".into()), &text).unwrap();
    assert_eq!(decide(&policy, "make", Allow), Prompt);
}

#[test]
fn globs_and_alternatives_in_patterns() {
    let text = rule(r#"["npm", ["publish", "unpublish"], "--tag=*"]"#, "forbid");
    let policy = Policy::defaults().with_rules(Source::User("u".into()), &text).unwrap();
    assert_eq!(decide(&policy, "npm unpublish --tag=beta", Allow), Forbid);
    assert_eq!(decide(&policy, "npm publish --access public", Allow), Allow);
}

#[test]
fn errors_name_file_line_and_choices() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "\n[[rule]]\npattern = [\"ls\"]\ndecision = \"deny\"\n",
            "rules.toml:4: unknown variant `deny`, expected one of `allow`, `prompt`, `forbid`",
        ),
        (
            "[[rule]]\ndecision = \"allow\"\n",
            "rules.toml:1: a rule needs `pattern` (argv prefix) or `writes` (path globs)",
        ),
        (
            "[[rule]]\npattern = [\"a[\"]\ndecision = \"allow\"\n",
            "rules.toml:1: unclosed `[` in glob `a[`",
        ),
        (
            "[[rule]]\npattern = [\"ls\"]\ndecison = \"allow\"\n",
            "rules.toml:3: unknown field `decison`",
        ),
    ];
    for (text, want) in cases {
        write(dir.path(), "rules.toml", text);
        let err = Policy::load(None, Some(dir.path()), ProjectRules::TightenOnly).unwrap_err();
        assert!(matches!(err, PolicyError::Invalid { .. }));
        let shown = err.to_string();
        assert!(shown.contains(want), "{shown}\n  does not contain\n{want}");
    }
}

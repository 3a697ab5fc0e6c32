//! The guard's decisions for each approval policy, with the built-in exec
//! rules: what runs, what is asked, what is refused.

use std::sync::Arc;

use jig_config::ApprovalPolicy;
use jig_core::guard::{Guard, Verdict};
use jig_sandbox::SandboxPolicy;
use jig_tools::CommandPreview;
use jig_tools::shell::CommandLine;

fn guard(approval: ApprovalPolicy, sandboxed: bool) -> Guard {
    Guard {
        approval,
        sandbox: sandboxed.then(|| Arc::new(SandboxPolicy::workspace_write("/tmp/ws"))),
        rules: Some(Arc::new(jig_policy::Policy::defaults())),
    }
}

fn script(text: &str) -> CommandPreview {
    CommandPreview {
        command: CommandLine::Script(text.into()),
        escalation: None,
    }
}

fn escalated(text: &str) -> CommandPreview {
    CommandPreview {
        command: CommandLine::Script(text.into()),
        escalation: Some("needs the network".into()),
    }
}

fn kind(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Run { sandboxed: true } => "run sandboxed",
        Verdict::Run { sandboxed: false } => "run unsandboxed",
        Verdict::Ask { escalation: true, .. } => "ask to escalate",
        Verdict::Ask { escalation: false, .. } => "ask",
        Verdict::Refuse(_) => "refuse",
    }
}

#[test]
fn each_policy_decides_as_documented() {
    use ApprovalPolicy::*;
    let table: &[(ApprovalPolicy, CommandPreview, &str)] = &[
        // never: nothing is asked; escalation is refused, rules still forbid.
        (Never, script("cargo test"), "run sandboxed"),
        (Never, script("git push --force origin feature"), "run sandboxed"),
        (Never, escalated("curl example.com"), "refuse"),
        (Never, script("ls && rm -rf /"), "refuse"),
        // on-request: ask for escalations and prompt rules only.
        (OnRequest, script("cargo test"), "run sandboxed"),
        (OnRequest, escalated("npm install"), "ask to escalate"),
        (OnRequest, script("git push --force origin feature"), "ask"),
        (OnRequest, script("echo ok; git push -f origin main"), "refuse"),
        // on-failure: run in the sandbox first (the retry is asked after a denial).
        (OnFailure, script("cargo build"), "run sandboxed"),
        (OnFailure, script("sudo apt-get install x"), "ask"),
        // untrusted: only known-safe read-only commands run without asking.
        (Untrusted, script("ls -la && git status"), "run sandboxed"),
        (
            Untrusted,
            CommandPreview {
                command: CommandLine::Argv(vec!["rg".into(), "-n".into(), "x".into()]),
                escalation: None,
            },
            "run sandboxed",
        ),
        (Untrusted, script("cargo test"), "ask"),
        (Untrusted, script("sed -i s/a/b/ f.txt"), "ask"),
        (Untrusted, script("mkfs.ext4 /dev/sda1"), "refuse"),
    ];
    for (policy, preview, expected) in table {
        let verdict = guard(*policy, true).review(preview, false);
        assert_eq!(
            kind(&verdict),
            *expected,
            "{policy:?} {:?} → {verdict:?}",
            preview.display()
        );
    }
}

#[test]
fn approval_for_the_session_skips_the_question_but_not_the_rules() {
    let g = guard(ApprovalPolicy::Untrusted, true);
    assert_eq!(kind(&g.review(&script("cargo test"), true)), "run sandboxed");
    assert_eq!(kind(&g.review(&escalated("cargo test"), true)), "run unsandboxed");
    assert_eq!(kind(&g.review(&script("rm -rf /"), true)), "refuse");
}

#[test]
fn without_a_sandbox_there_is_nothing_to_escalate() {
    let g = guard(ApprovalPolicy::OnRequest, false);
    assert_eq!(
        kind(&g.review(&escalated("curl example.com"), false)),
        "run unsandboxed"
    );
}

#[test]
fn a_refusal_explains_the_rule() {
    let Verdict::Refuse(text) = guard(ApprovalPolicy::Never, true).review(&script("ls && rm -rf /"), false) else {
        panic!("not refused")
    };
    assert!(text.contains("exec policy") && text.contains("rm -rf /"), "{text}");
}

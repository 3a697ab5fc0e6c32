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
        ..Guard::default()
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

/// A tool that runs a shell command but says it changes nothing: the guard
/// must review its calls even when several come in one read-only batch.
struct ReadOnlyCommand;

impl jig_tools::Tool for ReadOnlyCommand {
    fn spec(&self) -> jig_protocol::ToolSpec {
        jig_protocol::ToolSpec {
            namespace: None,
            name: "peek".into(),
            description: "Runs a command that only reads.".into(),
            format: jig_protocol::ToolFormat::Function,
            parameters: serde_json::json!({
                "type": "object",
                "properties": { "command": { "type": "string" } },
                "required": ["command"],
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn preview(&self, args: &serde_json::Value) -> Option<CommandPreview> {
        Some(script(args["command"].as_str()?))
    }

    fn run<'a, 'b, 'f>(
        &'a self,
        ctx: &'b jig_tools::ToolContext,
        args: serde_json::Value,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<jig_tools::ToolResult, jig_tools::ToolError>> + Send + 'f>,
    >
    where
        'a: 'f,
        'b: 'f,
        Self: 'f,
    {
        Box::pin(async move {
            let command = args["command"].as_str().unwrap_or_default().to_string();
            let status = tokio::process::Command::new("sh")
                .args(["-c", &command])
                .current_dir(&ctx.cwd)
                .status()
                .await
                .map_err(|e| jig_tools::ToolError::Fatal(e.to_string()))?;
            Ok(jig_tools::ToolResult::ok(format!("exit {status}")))
        })
    }
}

#[tokio::test]
async fn every_command_is_reviewed_even_in_a_read_only_batch() {
    let fx = crate::support::Fixture::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "peek"
arguments = { command = "touch one.txt" }
[[response.tool_calls]]
name = "peek"
arguments = { command = "touch two.txt" }
[[response]]
text = "done"
"#;
    let rules = jig_policy::Policy::defaults()
        .with_rules(
            jig_policy::Source::User("rules.toml".into()),
            "[[rule]]\npattern = [\"touch\"]\ndecision = \"forbid\"\nreason = \"no new files\"\n",
        )
        .unwrap();
    let mut config = fx.config(10);
    config.guard = Guard {
        approval: ApprovalPolicy::Never,
        sandbox: None,
        rules: Some(Arc::new(rules)),
        ..Guard::default()
    };
    let mut tools = jig_tools::ToolRouter::builtin();
    tools.register(Arc::new(ReadOnlyCommand));
    let session = jig_core::Session::create(&config, crate::support::model(script), tools).unwrap();
    let mut handle = session.spawn();
    let (events, outcome) = crate::support::run(&mut handle, "look").await;
    assert_eq!(outcome, jig_protocol::TurnOutcome::Completed, "{events:#?}");
    let ends = crate::support::tool_ends(&events);
    assert_eq!(ends.len(), 2);
    for (_, status, output) in &ends {
        assert_eq!(*status, jig_protocol::ToolStatus::Error);
        assert!(output.contains("blocked by jig's exec policy"), "{output}");
    }
    assert!(!fx.ws().join("one.txt").exists() && !fx.ws().join("two.txt").exists());
}

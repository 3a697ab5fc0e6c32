//! Guardrails around every command a tool call would run: exec-policy rules,
//! the approval policy, and the sandbox.
//!
//! [`Guard::review`] is a pure decision — refuse, run (sandboxed or not), or
//! ask a person — from the command, the rules and the approval policy; the
//! session carries it out when it runs a call (`tool_calls`), asking through
//! the tool host (`approval_requested` events, answered by `Op::Approval`). The core never
//! decides *for* the person: it only asks when the policy says to, and a
//! front-end that cannot ask runs with the `never` policy. Deny goes back to
//! the model as tool output; abort ends the turn like an interrupt.

use std::sync::Arc;

use jig_config::ApprovalPolicy;
use jig_sandbox::SandboxPolicy;
use jig_tools::CommandPreview;

/// How a session guards commands.
#[derive(Debug, Clone)]
pub struct Guard {
    /// When to ask a person.
    pub approval: ApprovalPolicy,
    /// The sandbox commands run in; `None` runs them unconfined.
    pub sandbox: Option<Arc<SandboxPolicy>>,
    /// Exec-policy rules (allow / prompt / forbid by command prefix).
    pub rules: Option<Arc<jig_policy::Policy>>,
    /// The environment commands get (`[shell_environment_policy]`).
    pub env: Arc<jig_tools::command_env::CommandEnv>,
}

impl Default for Guard {
    /// No sandbox, no rules, never ask, the default environment (secrets
    /// left out): for tests and embedding.
    fn default() -> Self {
        Guard {
            approval: ApprovalPolicy::Never,
            sandbox: None,
            rules: None,
            env: Arc::default(),
        }
    }
}

/// What to do with one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Run it, in the sandbox or outside it.
    Run {
        /// Whether the sandbox applies.
        sandboxed: bool,
    },
    /// Ask a person first.
    Ask {
        /// Why, for the person.
        reason: String,
        /// Whether approval would run it outside the sandbox.
        escalation: bool,
    },
    /// Do not run it; the text goes back to the model.
    Refuse(String),
}

impl Guard {
    /// Decides about `preview`; `approved` says a person already approved
    /// this exact command for the session.
    pub fn review(&self, preview: &CommandPreview, approved: bool) -> Verdict {
        let sandboxed = self.sandbox.is_some();
        let command = preview.display();
        let rule = self
            .rules
            .as_ref()
            .map(|rules| rules.check(&to_policy_command(preview), jig_policy::Decision::Allow));
        if let Some(evaluation) = &rule
            && evaluation.decision == jig_policy::Decision::Forbid
        {
            return Verdict::Refuse(format!(
                "blocked by jig's exec policy; do not retry it or work around it:\n{}",
                evaluation.explain()
            ));
        }
        let prompt_rule = rule
            .as_ref()
            .is_some_and(|e| e.decision == jig_policy::Decision::Prompt);
        let escalation = preview.escalation.is_some() && sandboxed;
        if approved {
            return Verdict::Run {
                sandboxed: sandboxed && !escalation,
            };
        }
        let ask = |reason: String| Verdict::Ask { reason, escalation };
        match self.approval {
            ApprovalPolicy::Never if escalation => Verdict::Refuse(
                "running outside the sandbox needs a person's approval, and this session never asks; \
                 do the work within the sandbox or tell the user what access is needed"
                    .into(),
            ),
            ApprovalPolicy::Never => Verdict::Run { sandboxed },
            _ if escalation => ask(format!(
                "the model asks to run this outside the sandbox: {}",
                preview.escalation.as_deref().unwrap_or_default()
            )),
            _ if prompt_rule => ask(rule.map(|e| e.explain()).unwrap_or_default()),
            ApprovalPolicy::Untrusted if !jig_policy::is_known_safe(&to_policy_command(preview)) => {
                ask(format!("`{command}` is not a known-safe read-only command"))
            }
            _ => Verdict::Run { sandboxed },
        }
    }

    /// Decides about a call that acts outside the sandbox and the rules (an
    /// MCP server's tool that does not say it is read-only; `action` names
    /// it): every policy but `never` asks, as it asks before anything runs
    /// outside the sandbox, unless a person approved this tool for the
    /// session.
    pub fn review_outside(&self, action: &str, approved: bool) -> Verdict {
        match self.approval {
            ApprovalPolicy::Never => Verdict::Run { sandboxed: false },
            _ if approved => Verdict::Run { sandboxed: false },
            _ => Verdict::Ask {
                reason: format!("{action} acts outside jig's sandbox (the server runs it) and may change things"),
                escalation: false,
            },
        }
    }
}

fn to_policy_command(preview: &CommandPreview) -> jig_policy::Command {
    match &preview.command {
        jig_tools::shell::CommandLine::Script(script) => jig_policy::Command::Script(script.clone()),
        jig_tools::shell::CommandLine::Argv(argv) => jig_policy::Command::Argv(argv.clone()),
    }
}

//! Guardrails around every command a tool call would run: exec-policy rules,
//! the approval policy, and the sandbox.
//!
//! [`Guard::review`] is a pure decision — refuse, run (sandboxed or not), or
//! ask a person — from the command, the rules and the approval policy;
//! [`Session::guarded_run`] carries it out, asking through
//! `approval_requested` events and waiting for `Op::Approval`. The core never
//! decides *for* the person: it only asks when the policy says to, and a
//! front-end that cannot ask runs with the `never` policy. Deny goes back to
//! the model as tool output; abort ends the turn like an interrupt.

use std::sync::Arc;

use crate::host::Answer;
use jig_config::ApprovalPolicy;
use jig_protocol::{Event, ReviewDecision, ToolCall};
use jig_sandbox::SandboxPolicy;
use jig_tools::{CommandPreview, ToolContext, ToolError, ToolResult};
use tokio_util::sync::CancellationToken;

use crate::session::Session;
use crate::turn::Stop;

/// How a session guards commands.
#[derive(Debug, Clone)]
pub struct Guard {
    /// When to ask a person.
    pub approval: ApprovalPolicy,
    /// The sandbox commands run in; `None` runs them unconfined.
    pub sandbox: Option<Arc<SandboxPolicy>>,
    /// Exec-policy rules (allow / prompt / forbid by command prefix).
    pub rules: Option<Arc<jig_policy::Policy>>,
}

impl Default for Guard {
    /// No sandbox, no rules, never ask: for tests and embedding.
    fn default() -> Self {
        Guard {
            approval: ApprovalPolicy::Never,
            sandbox: None,
            rules: None,
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
}

fn to_policy_command(preview: &CommandPreview) -> jig_policy::Command {
    match &preview.command {
        jig_tools::shell::CommandLine::Script(script) => jig_policy::Command::Script(script.clone()),
        jig_tools::shell::CommandLine::Argv(argv) => jig_policy::Command::Argv(argv.clone()),
    }
}

impl Session {
    /// Runs one command-running call under the guard, asking when needed.
    pub(crate) async fn guarded_run(
        &mut self,
        ctx: &ToolContext,
        call: &ToolCall,
        preview: CommandPreview,
        cancel: &CancellationToken,
    ) -> Result<Result<ToolResult, ToolError>, Stop> {
        let approved = self.approved_commands.contains(&preview.display());
        let sandboxed = match self.guard.review(&preview, approved) {
            Verdict::Refuse(reason) => return Ok(Err(ToolError::RespondToModel(reason))),
            Verdict::Run { sandboxed } => sandboxed,
            Verdict::Ask { reason, escalation } => match self.ask(call, &preview, reason, escalation, cancel).await? {
                Some(decision) => return Ok(Err(decision)),
                None => !escalation && self.guard.sandbox.is_some(),
            },
        };
        let result = self.tools.dispatch(&self.context_for(ctx, sandboxed), call).await;
        let blocked = matches!(&result, Ok(r) if r.output.contains(jig_sandbox::DENIAL_MARKER));
        if !(sandboxed && blocked && self.guard.approval == ApprovalPolicy::OnFailure) {
            return Ok(result);
        }
        let reason = "the sandbox blocked this command; approve to run it again outside the sandbox".to_string();
        match self.ask(call, &preview, reason, true, cancel).await? {
            Some(_) => Ok(result),
            None => Ok(self.tools.dispatch(&self.context_for(ctx, false), call).await),
        }
    }

    fn context_for(&self, ctx: &ToolContext, sandboxed: bool) -> ToolContext {
        let mut ctx = ctx.clone();
        ctx.sandbox = if sandboxed { self.guard.sandbox.clone() } else { None };
        ctx
    }

    /// Asks a person; `None` means approved, `Some(error)` is what the model
    /// is told instead. Abort cancels the turn.
    async fn ask(
        &mut self,
        call: &ToolCall,
        preview: &CommandPreview,
        reason: String,
        escalation: bool,
        cancel: &CancellationToken,
    ) -> Result<Option<ToolError>, Stop> {
        let (call_id, command, cwd) = (call.call_id.clone(), preview.display(), self.cwd.display().to_string());
        let asked = self.host.ask(
            "approval",
            |request_id| Event::ApprovalRequested {
                request_id,
                call_id,
                command,
                cwd,
                reason,
                escalation,
            },
            cancel,
        );
        let (request_id, answer) = asked.await?;
        let decision = match answer {
            Some(Answer::Approval(decision)) => decision,
            // A question's answer sent to an approval's id decides nothing.
            Some(Answer::Input(_)) => ReviewDecision::Deny,
            None if cancel.is_cancelled() => ReviewDecision::Abort,
            None => ReviewDecision::Deny,
        };
        self.emit(Event::ApprovalDecided { request_id, decision })?;
        Ok(match decision {
            ReviewDecision::Approve => None,
            ReviewDecision::ApproveForSession => {
                self.approved_commands.insert(preview.display());
                None
            }
            ReviewDecision::Deny => Some(ToolError::RespondToModel(
                "the user declined to run this command; do not retry it — ask the user or take another approach".into(),
            )),
            ReviewDecision::Abort => {
                cancel.cancel();
                Some(ToolError::Interrupted)
            }
        })
    }
}

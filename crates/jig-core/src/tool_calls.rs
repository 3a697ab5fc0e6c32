//! Running one response's tool calls: begin, dispatch, record, announce.
//!
//! Order and pairing are the invariants. Consecutive read-only calls run
//! concurrently; a mutating call runs alone, after everything before it. A
//! call that would run a command (its tool gives a `CommandPreview`) also
//! runs alone, and always through the guard (exec rules, approval, sandbox),
//! whether or not its tool says it mutates anything. A
//! `tool_call_begin` event is written before a call runs, and synced too
//! unless the batch changes nothing (no mutating tool, no command): a
//! read-only call lost with the machine is simply run again on resume, so
//! its sync would buy nothing and costs ≈ 0.17 ms a step. Every call gets
//! exactly one output item, recorded in call order — also when the turn is
//! interrupted or fails half-way, so the conversation never holds a call
//! without its output.
//!
//! A command-running call goes through the guard's verdict
//! ([`crate::guard::Guard::review`]): refused, run (sandboxed or not), or
//! asked about through the tool host first.
//!
//! `pre_tool_use` hooks (`hook_points`) see each batch before it begins:
//! what begins, is reviewed and runs is the call as they left it, and a
//! call they deny gets their reason as its output, in its place.
//! `post_tool_use` hooks see an output before it is recorded.

use std::time::Instant;

use futures::future::join_all;
use jig_config::ApprovalPolicy;
use jig_protocol::{Event, FailureKind, Item, ReviewDecision, ToolCall, ToolOutput, ToolStatus};
use jig_tools::{CommandPreview, ToolContext, ToolEffect, ToolError, ToolResult};
use tokio_util::sync::CancellationToken;

use crate::error::CoreError;
use crate::guard::Verdict;
use crate::host::Answer;
use crate::resume::CallState;
use crate::session::Session;
use crate::turn::Stop;

/// Output text for a call that began but whose end was never recorded.
pub(crate) const INTERRUPTED_STARTED: &str = "interrupted: this tool call started but jig stopped before it \
finished (the process was killed or the turn interrupted); its effects are unknown, so check the \
workspace before running it again";
/// Output text for a call that never began.
pub(crate) const INTERRUPTED_NOT_STARTED: &str =
    "not run: jig stopped before this tool call started; call it again if it is still needed";

impl Session {
    /// Runs `calls` in order (read-only runs concurrently) and records their outputs.
    pub(crate) async fn run_tool_calls(&mut self, calls: &[ToolCall], cancel: &CancellationToken) -> Result<(), Stop> {
        let ctx = ToolContext {
            cwd: self.cwd.clone(),
            cancel: cancel.clone(),
            plan: self.plan.clone(),
            goal: self.goal.clone(),
            sandbox: self.guard.sandbox.clone(),
            env: self.guard.env.clone(),
            path_prefix: self.path_prefix.clone(),
            host: None,
            agents: self.agents.as_ref().and_then(|agents| agents.host()),
            files: self.files.clone(),
        };
        let mut next = 0;
        while next < calls.len() {
            let (end, changes) = self.batch_end(calls, next);
            // `pre_tool_use` hooks may rewrite a call's arguments or refuse it.
            let gated = self.pre_tool_use(&calls[next..end], cancel).await?;
            let (batch, refused): (Vec<ToolCall>, Vec<Option<String>>) = gated.into_iter().unzip();
            let batch = batch.as_slice();
            for call in batch {
                self.emit(Event::ToolCallBegin {
                    call_id: call.call_id.clone(),
                    name: call.name.clone(),
                    arguments: call.arguments.clone(),
                })?;
            }
            // The files a lone changing call names are snapshotted (undo).
            let checkpoint = if changes {
                self.checkpoint_before(&batch[0])?
            } else {
                None
            };
            // The calls' beginnings are durable before any of them can change
            // anything; a batch that changes nothing shows them unsynced.
            if changes {
                self.flush()?;
            } else {
                self.release();
            }
            // Batches of more than one call hold no command (see `batch_end`).
            let preview = match batch {
                [call] => self.tools.preview(call),
                _ => None,
            };
            let outside = match (batch, &preview) {
                ([call], None) => self.tools.outside_action(call),
                _ => None,
            };
            let results = match (batch, preview, outside) {
                // A command: rules, approval and sandbox decide how it runs.
                ([call], Some(preview), _) if refused.first().is_some_and(Option::is_none) => {
                    let start = Instant::now();
                    let ctx = self.call_context(&ctx, call);
                    let result = self.guarded_run(&ctx, call, preview, cancel).await?;
                    vec![(result, start.elapsed().as_millis() as u64)]
                }
                // Outside the sandbox (an MCP tool): the approval policy decides.
                ([call], None, Some(action)) if refused.first().is_some_and(Option::is_none) => {
                    let start = Instant::now();
                    let ctx = self.call_context(&ctx, call);
                    let result = self.guarded_outside(&ctx, call, action, cancel).await?;
                    vec![(result, start.elapsed().as_millis() as u64)]
                }
                _ => {
                    let contexts: Vec<ToolContext> = batch.iter().map(|call| self.call_context(&ctx, call)).collect();
                    let tools = &self.tools;
                    join_all(
                        batch
                            .iter()
                            .zip(&contexts)
                            .zip(&refused)
                            .map(|((call, ctx), refused)| async move {
                                let start = Instant::now();
                                let result = match refused {
                                    Some(why) => Err(ToolError::RespondToModel(why.clone())),
                                    None => tools.dispatch(ctx, call).await,
                                };
                                (result, start.elapsed().as_millis() as u64)
                            }),
                    )
                    .await
                }
            };
            if let Some(paths) = checkpoint {
                self.checkpoint_after(&batch[0], &paths)?;
            }
            let mut fault = None;
            for (call, (result, duration_ms)) in batch.iter().zip(results) {
                if let Err(ToolError::Fatal(message)) = &result {
                    fault.get_or_insert_with(|| format!("tool {} failed: {message}", call.name));
                }
                let result = self.post_tool_use(call, result, cancel).await?;
                self.finish_call(call, result, duration_ms)?;
            }
            next = end;
            let stop = match fault {
                Some(message) => Some(Stop::Failed(FailureKind::Tool, message)),
                None if cancel.is_cancelled() => Some(Stop::Interrupted),
                None => None,
            };
            if let Some(stop) = stop {
                self.skip_calls(&calls[next..], INTERRUPTED_NOT_STARTED)?;
                return Err(stop);
            }
        }
        Ok(())
    }

    /// `ctx` for one call: its tool host asks on behalf of that call (none
    /// when nobody can answer).
    fn call_context(&self, ctx: &ToolContext, call: &ToolCall) -> ToolContext {
        let mut ctx = ctx.clone();
        ctx.host = (!self.host.nobody_to_ask).then(|| self.host.for_call(&call.call_id, &ctx.cancel));
        ctx
    }

    /// Answers calls that will not run, keeping every call paired with an output.
    pub(crate) fn skip_calls(&mut self, calls: &[ToolCall], why: &str) -> Result<(), CoreError> {
        for call in calls {
            self.record_output(call, why.to_string(), ToolStatus::Interrupted, 0)?;
        }
        Ok(())
    }

    /// Whether `call` may change anything: its tool mutates or it runs a command.
    fn changes_something(&self, call: &ToolCall) -> bool {
        self.tools.is_mutating(&call.name) || self.tools.preview(call).is_some()
    }

    /// End (exclusive) of the batch starting at `start`: one call that
    /// mutates or runs a command, or a run of read-only calls that run none.
    /// Also whether the batch may change anything (it is then that one call).
    fn batch_end(&self, calls: &[ToolCall], start: usize) -> (usize, bool) {
        let alone = |call: &ToolCall| self.changes_something(call);
        if alone(&calls[start]) {
            return (start + 1, true);
        }
        let end = calls[start..]
            .iter()
            .position(alone)
            .map_or(calls.len(), |offset| start + offset);
        (end, false)
    }

    fn finish_call(
        &mut self,
        call: &ToolCall,
        result: Result<ToolResult, ToolError>,
        duration_ms: u64,
    ) -> Result<(), CoreError> {
        let (output, status, effect) = match result {
            Ok(ToolResult { output, status, effect }) => (output, status, effect),
            Err(ToolError::RespondToModel(message)) => (message, ToolStatus::Error, None),
            Err(ToolError::Interrupted) => ("interrupted by the user".to_string(), ToolStatus::Interrupted, None),
            Err(ToolError::Fatal(message)) => (format!("tool failed: {message}"), ToolStatus::Error, None),
        };
        // Images belong on the output item itself; they announce nothing.
        let (images, effect) = match effect {
            Some(ToolEffect::Images(images)) => (images, None),
            effect => (Vec::new(), effect),
        };
        self.record_output_with_images(call, output, images, status, duration_ms)?;
        match effect {
            Some(ToolEffect::Plan { explanation, plan }) => self.emit(Event::PlanUpdated { explanation, plan })?,
            Some(ToolEffect::Goal(goal)) => self.emit(Event::GoalUpdated { goal })?,
            Some(ToolEffect::ToolCreated { dir }) => self.offer_project_tool(&dir)?,
            Some(ToolEffect::Images(_)) | None => {}
        }
        Ok(())
    }

    /// Offers the project tool just created in `dir` from the next model
    /// request on. One that does not load (its files changed under it) is
    /// reported and left out.
    fn offer_project_tool(&mut self, dir: &std::path::Path) -> Result<(), CoreError> {
        match jig_tools::project_tools::ProjectTool::load(dir) {
            Ok(tool) => {
                self.tools.register(std::sync::Arc::new(tool));
                self.tool_specs = self.tools.specs();
                Ok(())
            }
            Err(problem) => self.emit(Event::Error {
                message: format!("the new tool is not offered: {problem}"),
            }),
        }
    }

    /// Records a call's output item, then announces its end.
    pub(crate) fn record_output(
        &mut self,
        call: &ToolCall,
        output: String,
        status: ToolStatus,
        duration_ms: u64,
    ) -> Result<(), CoreError> {
        self.record_output_with_images(call, output, Vec::new(), status, duration_ms)
    }

    /// [`Session::record_output`] for an output that carries images
    /// (`view_image`); the event shows only the text.
    fn record_output_with_images(
        &mut self,
        call: &ToolCall,
        output: String,
        images: Vec<jig_protocol::ToolImage>,
        status: ToolStatus,
        duration_ms: u64,
    ) -> Result<(), CoreError> {
        self.record_item(Item::ToolOutput(ToolOutput {
            call_id: call.call_id.clone(),
            output: output.clone(),
            status,
            images,
        }))?;
        self.emit(Event::ToolCallEnd {
            call_id: call.call_id.clone(),
            name: call.name.clone(),
            status,
            output,
            duration_ms,
        })
    }

    /// After resume: answer every call that never got an output, except a
    /// call that was waiting for the front-end's answer: it changed nothing
    /// yet, so it runs again (and asks again) when the turn continues, with
    /// the calls after it, which never began.
    pub(crate) fn close_dangling_calls(&mut self) -> Result<(), CoreError> {
        let dangling = std::mem::take(&mut self.turns.dangling);
        let asking = dangling.iter().position(|(_, state)| *state == CallState::Asking);
        let (close, rerun) = dangling.split_at(asking.unwrap_or(dangling.len()));
        for (call, state) in close {
            let text = match state {
                CallState::NotStarted => INTERRUPTED_NOT_STARTED,
                CallState::Started | CallState::Asking => INTERRUPTED_STARTED,
            };
            self.record_output(call, text.to_string(), ToolStatus::Interrupted, 0)?;
        }
        self.turns.rerun = rerun.iter().map(|(call, _)| call.clone()).collect();
        Ok(())
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

    /// Runs `call`, whose tool acts outside the sandbox, once the approval
    /// policy lets it: asked per call, or approved for the session by tool.
    pub(crate) async fn guarded_outside(
        &mut self,
        ctx: &ToolContext,
        call: &ToolCall,
        action: String,
        cancel: &CancellationToken,
    ) -> Result<Result<ToolResult, ToolError>, Stop> {
        let remembered = format!("tool:{}", call.name);
        let approved = self.approved_commands.contains(&remembered);
        if let Verdict::Ask { reason, escalation } = self.guard.review_outside(&action, approved) {
            let decision = self
                .ask_about(
                    call,
                    Asked {
                        shown: action,
                        remembered,
                    },
                    reason,
                    escalation,
                    cancel,
                )
                .await?;
            if let Some(denied) = decision {
                return Ok(Err(denied));
            }
        }
        Ok(self.tools.dispatch(ctx, call).await)
    }

    fn context_for(&self, ctx: &ToolContext, sandboxed: bool) -> ToolContext {
        let mut ctx = ctx.clone();
        ctx.sandbox = if sandboxed { self.guard.sandbox.clone() } else { None };
        ctx
    }

    /// Asks a person; `None` means approved, `Some(error)` is what the model
    /// is told instead. Abort cancels the turn.
    pub(crate) async fn ask(
        &mut self,
        call: &ToolCall,
        preview: &CommandPreview,
        reason: String,
        escalation: bool,
        cancel: &CancellationToken,
    ) -> Result<Option<ToolError>, Stop> {
        let asked = Asked {
            shown: preview.display(),
            remembered: preview.display(),
        };
        self.ask_about(call, asked, reason, escalation, cancel).await
    }

    /// Asks a person about `asked`; see [`Self::ask`].
    async fn ask_about(
        &mut self,
        call: &ToolCall,
        asked: Asked,
        reason: String,
        escalation: bool,
        cancel: &CancellationToken,
    ) -> Result<Option<ToolError>, Stop> {
        let Asked { shown, remembered } = asked;
        let (call_id, command, cwd) = (call.call_id.clone(), shown, self.cwd.display().to_string());
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
                self.approved_commands.insert(remembered);
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

/// Checkpoints (`crate::checkpoints`): what a changing call may touch,
/// recorded before it runs and again after; a command that names no files
/// leaves a marker once the session has checkpoints, so `jig undo` can say
/// that its effects stay.
impl Session {
    /// Snapshots the files `call` names; returns them for
    /// [`Session::checkpoint_after`], or `None` when it names none.
    fn checkpoint_before(&mut self, call: &ToolCall) -> Result<Option<Vec<std::path::PathBuf>>, CoreError> {
        use crate::checkpoints::{Keep, Objects, snapshot};
        use jig_protocol::{Checkpoint, CheckpointPhase, RolloutRecord};
        let paths = self.tools.writes(&self.cwd, call);
        let objects = Objects::new(&self.dir);
        let (phase, files) = if paths.is_empty() {
            if self.tools.preview(call).is_none() || !objects.exists() {
                return Ok(None);
            }
            (CheckpointPhase::Command, Vec::new())
        } else {
            (
                CheckpointPhase::Before,
                snapshot(&objects, &self.cwd, &paths, Keep::Content)?,
            )
        };
        if phase == CheckpointPhase::Before && files.is_empty() {
            return Ok(None);
        }
        let call_id = call.call_id.clone();
        self.record(RolloutRecord::Checkpoint(Checkpoint { call_id, phase, files }))?;
        Ok((phase == CheckpointPhase::Before).then_some(paths))
    }

    /// Records what the files `call` named hold after it ran.
    fn checkpoint_after(&mut self, call: &ToolCall, paths: &[std::path::PathBuf]) -> Result<(), CoreError> {
        use crate::checkpoints::{Keep, Objects, snapshot};
        use jig_protocol::{Checkpoint, CheckpointPhase, RolloutRecord};
        let files = snapshot(&Objects::new(&self.dir), &self.cwd, paths, Keep::HashOnly)?;
        let (call_id, phase) = (call.call_id.clone(), CheckpointPhase::After);
        self.record(RolloutRecord::Checkpoint(Checkpoint { call_id, phase, files }))?;
        Ok(())
    }
}

/// What an approval shows the person, and what "for the session" remembers:
/// a command by its text, an outside action by its tool.
struct Asked {
    shown: String,
    remembered: String,
}

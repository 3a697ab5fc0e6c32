//! How `jig exec` shows a session: human progress on stderr and the final
//! message on stdout, or every event as a JSON line on stdout (`--json`).

use std::io::{IsTerminal, Write};

use jig_protocol::{AgentStatus, Envelope, Event, StepStatus, ToolStatus, TurnOutcome};

/// Lines of tool output shown in human progress.
const OUTPUT_PREVIEW_LINES: usize = 6;

/// Renders events as they arrive.
pub struct Renderer {
    json: bool,
    final_message: Option<String>,
}

impl Renderer {
    /// A renderer for `--json` or human output.
    pub fn new(json: bool) -> Self {
        Renderer {
            json,
            final_message: None,
        }
    }

    /// Shows one event of the session `root` or of one of its sub-agents:
    /// a sub-agent's events are JSON lines with its session id added as
    /// `agent_session`, and in human progress only its approval requests show (its start and
    /// end are the parent's `agent_spawned` / `agent_updated` lines).
    pub fn envelope(&mut self, root: &str, envelope: &Envelope) -> std::io::Result<()> {
        if envelope.session_id == root {
            return self.event(&envelope.event);
        }
        if self.json {
            let mut line = serde_json::to_value(&envelope.event)?;
            if let serde_json::Value::Object(map) = &mut line {
                map.insert("agent_session".into(), envelope.session_id.clone().into());
            }
            return json_line(&line);
        }
        let shown = matches!(
            envelope.event,
            Event::ApprovalRequested { .. }
                | Event::ApprovalDecided { .. }
                | Event::InputRequested { .. }
                | Event::InputAnswered { .. }
        );
        if let Some(text) = human(&envelope.event).filter(|_| shown) {
            writeln!(
                std::io::stderr().lock(),
                "[sub-agent {}] {text}",
                short(&envelope.session_id)
            )?;
        }
        Ok(())
    }

    /// Shows one event.
    pub fn event(&mut self, event: &Event) -> std::io::Result<()> {
        if self.json {
            return json_line(event);
        }
        if let Event::TurnCompleted { last_message, .. } = event {
            self.final_message = last_message.clone();
        }
        if let Some(text) = human(event) {
            let mut err = std::io::stderr().lock();
            writeln!(err, "{text}")?;
        }
        Ok(())
    }

    /// Prints the final message on stdout (human mode), unless stdout and
    /// stderr are the same terminal, where the progress already showed it.
    pub fn finish(&mut self) -> std::io::Result<()> {
        let shown = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        if let (false, false, Some(message)) = (self.json, shown, self.final_message.take()) {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{message}")?;
            out.flush()?;
        }
        Ok(())
    }
}

/// Writes `value` as one JSON line on stdout.
fn json_line(value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The stderr line(s) for an event, if it shows at all.
fn human(event: &Event) -> Option<String> {
    match event {
        Event::SessionStarted {
            session_id,
            model,
            cwd,
            resumed,
            ..
        } => {
            let verb = if *resumed { "resumed" } else { "session" };
            Some(format!(
                "jig {} · {verb} {session_id} · {model} · {cwd}",
                env!("CARGO_PKG_VERSION")
            ))
        }
        Event::TurnStarted { .. }
        | Event::UserMessage { .. }
        | Event::AgentMessageDelta { .. }
        | Event::AgentReasoning { .. }
        | Event::TokenUsage { .. } => None,
        Event::AgentMessage { text } => Some(format!("\n{text}")),
        Event::ToolCallBegin { name, arguments, .. } => Some(format!("▸ {name} {}", one_line(arguments, 160))),
        Event::ToolCallEnd {
            name,
            status,
            output,
            duration_ms,
            ..
        } => {
            let mark = match status {
                ToolStatus::Ok => "ok",
                ToolStatus::Error => "error",
                ToolStatus::Interrupted => "interrupted",
            };
            let mut text = format!("  {mark} · {name} · {duration_ms} ms");
            let lines: Vec<&str> = output.lines().collect();
            for line in lines.iter().take(OUTPUT_PREVIEW_LINES) {
                text.push_str(&format!("\n  │ {}", one_line(line, 160)));
            }
            if lines.len() > OUTPUT_PREVIEW_LINES {
                text.push_str(&format!("\n  │ … {} more lines", lines.len() - OUTPUT_PREVIEW_LINES));
            }
            Some(text)
        }
        Event::PlanUpdated { plan, .. } => {
            let mut text = String::from("plan:");
            for step in plan {
                let mark = match step.status {
                    StepStatus::Pending => "[ ]",
                    StepStatus::InProgress => "[>]",
                    StepStatus::Completed => "[x]",
                };
                text.push_str(&format!("\n  {mark} {}", step.step));
            }
            Some(text)
        }
        Event::ModelRetry {
            attempt,
            max_attempts,
            delay_ms,
            reason,
        } => Some(format!(
            "model request failed ({reason}); retry {attempt}/{max_attempts} in {delay_ms} ms"
        )),
        Event::ApprovalRequested {
            command,
            reason,
            escalation,
            ..
        } => {
            let place = if *escalation { " outside the sandbox" } else { "" };
            Some(format!(
                "approval needed to run{place}:\n  $ {}\n  why: {reason}",
                one_line(command, 300)
            ))
        }
        Event::ApprovalDecided { decision, .. } => Some(format!(
            "  → {}",
            match decision {
                jig_protocol::ReviewDecision::Approve => "approved",
                jig_protocol::ReviewDecision::ApproveForSession => "approved for this session",
                jig_protocol::ReviewDecision::Deny => "denied",
                jig_protocol::ReviewDecision::Abort => "denied; stopping the turn",
            }
        )),
        Event::InputRequested { request, .. } => Some(match request {
            jig_protocol::HostRequest::Question { question, options } if options.is_empty() => {
                format!("question: {question}")
            }
            jig_protocol::HostRequest::Question { question, options } => {
                format!("question: {question}\n  options: {}", options.join(" · "))
            }
            jig_protocol::HostRequest::Questions { questions } => questions
                .iter()
                .map(|q| {
                    let options: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
                    format!(
                        "question ({}): {}\n  options: {}",
                        q.header,
                        q.question,
                        options.join(" · ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            jig_protocol::HostRequest::Form { source, message, .. } => format!("{source} asks: {message}"),
        }),
        Event::InputAnswered { answer, .. } => Some(match answer {
            jig_protocol::HostAnswer::Text { text } => format!("  → {}", one_line(text, 300)),
            jig_protocol::HostAnswer::Answers { answers } => format!(
                "  → {}",
                one_line(
                    &answers
                        .iter()
                        .map(|(id, a)| format!("{id}: {}", a.join(", ")))
                        .collect::<Vec<_>>()
                        .join("; "),
                    300
                )
            ),
            jig_protocol::HostAnswer::Form { content } => format!("  → {}", one_line(&content.to_string(), 300)),
            jig_protocol::HostAnswer::Declined => "  → no answer".to_owned(),
        }),
        Event::CompactionSkipped { reason } => Some(reason.clone()),
        Event::CompactionStarted {
            reason,
            focus,
            tokens_before,
        } => {
            let why = match reason {
                jig_protocol::CompactionReason::Auto => "the context is filling up",
                jig_protocol::CompactionReason::Manual => "you asked",
            };
            let focus = focus.as_deref().map(|f| format!(", keeping: {f}")).unwrap_or_default();
            Some(format!(
                "compacting the context (~{tokens_before} tokens; {why}{focus})…"
            ))
        }
        Event::CompactionCompleted {
            tokens_before,
            tokens_after,
            dropped_items,
            ledger_entries,
        } => Some(format!(
            "  compacted ~{tokens_before} → ~{tokens_after} tokens; {dropped_items} items moved to the ledger \
             ({ledger_entries} entries; `recall` brings them back)"
        )),
        Event::AgentSpawned {
            nickname,
            brief,
            agent_id,
            ..
        } => Some(format!(
            "▸ sub-agent {nickname} ({}) started: {}",
            short(agent_id),
            one_line(brief, 140)
        )),
        Event::AgentUpdated {
            agent_id,
            status,
            usage,
        } => Some(format!(
            "  sub-agent {} {} · {} tokens",
            short(agent_id),
            agent_status(status),
            usage.billed_tokens()
        )),
        Event::SessionIdle { agents_running: 0 } => None,
        Event::SessionIdle { agents_running } => Some(format!(
            "  waiting for {agents_running} sub-agent{} (a result starts the next turn)",
            if *agents_running == 1 { "" } else { "s" }
        )),
        Event::GoalUpdated { goal } => Some(format!("goal ({:?}): {}", goal.status, goal.objective).to_lowercase()),
        Event::Error { message } => Some(format!("error: {message}")),
        Event::HookFinished {
            hook_event,
            command,
            status,
            message,
            ..
        } => {
            let what = match status {
                jig_protocol::HookStatus::Ok => return None,
                jig_protocol::HookStatus::Blocked => "blocked",
                jig_protocol::HookStatus::Rewrote => "rewrote the call",
                jig_protocol::HookStatus::Failed => "failed",
                jig_protocol::HookStatus::TimedOut => "timed out",
            };
            let why = message
                .as_deref()
                .map(|m| format!(": {}", one_line(m, 300)))
                .unwrap_or_default();
            let mark = match status {
                jig_protocol::HookStatus::Failed | jig_protocol::HookStatus::TimedOut => "warning: ",
                _ => "",
            };
            Some(format!(
                "{mark}{hook_event} hook `{}` {what}{why}",
                one_line(command, 80)
            ))
        }
        Event::TurnCompleted { outcome, .. } => match outcome {
            TurnOutcome::Completed => None,
            TurnOutcome::MaxTurns { limit } => Some(format!(
                "stopped: the turn reached --max-turns {limit}; run `jig resume --last \"continue\"` to go on"
            )),
            TurnOutcome::BudgetExceeded { budget, limit, used } => Some(match budget {
                jig_protocol::Budget::Tokens => format!(
                    "stopped: the session used {used} tokens, over --max-tokens {limit}; raise the cap and run `jig resume --last \"continue\"`"
                ),
                jig_protocol::Budget::CostUsd => format!(
                    "stopped: the session cost ${used:.4}, over --max-cost {limit}; raise the cap and run `jig resume --last \"continue\"`"
                ),
            }),
            TurnOutcome::Interrupted => Some("interrupted; run `jig resume --last` to continue".into()),
            TurnOutcome::Failed { error, .. } => Some(format!("error: {error}")),
        },
    }
}

/// The end of a session id: enough to tell sub-agents apart.
fn short(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}

fn agent_status(status: &AgentStatus) -> String {
    match status {
        AgentStatus::PendingInit => "starting".into(),
        AgentStatus::Running => "working".into(),
        AgentStatus::Interrupted => "interrupted".into(),
        AgentStatus::Completed(Some(message)) => format!("completed: {}", one_line(message, 140)),
        AgentStatus::Completed(None) => "completed".into(),
        AgentStatus::Errored(reason) => format!("failed: {}", one_line(reason, 200)),
        AgentStatus::BudgetExceeded { reason, .. } => format!("stopped: {reason}"),
        AgentStatus::Shutdown => "closed".into(),
        AgentStatus::NotFound => "not found".into(),
    }
}

fn one_line(text: &str, max_chars: usize) -> String {
    let flat: String = text.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let cut: String = flat.chars().take(max_chars).collect();
    format!("{cut}…")
}

//! One `session/prompt`: submit the prompt, stream the session's events as
//! updates, answer its requests through the client, and return how the turn
//! stopped.
//!
//! It follows `jig exec`'s rule: the prompt is submitted only when no turn
//! runs (a resumed unfinished turn is followed to its end first), so it
//! always starts its own turn; a completed turn that left sub-agents working
//! ends the prompt only once the session is idle with none running. The
//! response is sent exactly once, whatever happens; requests are answered
//! from tasks of their own, so the events keep flowing (and a cancel is
//! seen) while the client decides.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use agent_client_protocol::v1::schema::{
    ContentBlock, EmbeddedResourceResource, PromptRequest, PromptResponse, SessionId, SessionNotification, StopReason,
};
use agent_client_protocol::v1::{ConnectionTo, Responder};
use agent_client_protocol::{Client, Error};
use jig_protocol::{Budget, Envelope, Event, Op, TurnOutcome};

use crate::agent::{Live, internal};
use crate::updates::Tracker;

/// Where the session stands for the prompt being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Running {
    /// A turn runs.
    Yes,
    /// The root's turn completed; sub-agents may still start another.
    Settling,
    /// Nothing more belongs to this prompt.
    No,
}

/// Serves `request` and responds; never fails the connection.
pub(crate) async fn run(
    live: Arc<Live>,
    request: PromptRequest,
    responder: Responder<PromptResponse>,
    cx: ConnectionTo<Client>,
) -> Result<(), Error> {
    let result = drive(&live, request, &cx).await;
    // Fails only when the client has gone; nothing is left to tell.
    let _ = responder.respond_with_result(result);
    Ok(())
}

async fn drive(live: &Live, request: PromptRequest, cx: &ConnectionTo<Client>) -> Result<PromptResponse, Error> {
    let session_id = request.session_id.clone();
    let mut prompt = Some(prompt_text(&request.prompt));
    // One prompt at a time per session: a second waits for the first.
    let mut handle = live.handle.lock().await;
    live.cancelled.store(false, Ordering::SeqCst);
    let mut tracker = Tracker::new(live.cwd.clone(), live.context_window);
    let mut running = Running::Yes;
    if !live.unfinished.swap(false, Ordering::SeqCst)
        && let Some(text) = prompt.take()
    {
        live.ops
            .send(Op::UserInput { text })
            .map_err(|_| internal("the session has ended"))?;
    }
    let mut outcome = None;
    while running != Running::No {
        let Some(envelope) = handle.next().await else {
            return Err(internal("the session ended before its turn completed"));
        };
        answer_requests(live, &session_id, &mut tracker, &envelope, cx)?;
        // A sub-agent's turn is not this session's.
        if envelope.session_id != live.id {
            continue;
        }
        for update in tracker.event(&envelope.event) {
            cx.send_notification(SessionNotification::new(session_id.clone(), update))?;
        }
        let cancelled = live.cancelled.load(Ordering::SeqCst);
        match envelope.event {
            Event::TurnCompleted { outcome: ended, .. } => {
                let completed = ended == TurnOutcome::Completed && !cancelled;
                match prompt.take() {
                    // The resumed turn is done; now the prompt's own.
                    Some(text) if completed => {
                        live.ops
                            .send(Op::UserInput { text })
                            .map_err(|_| internal("the session has ended"))?;
                    }
                    _ => running = if completed { Running::Settling } else { Running::No },
                }
                outcome = Some(ended);
            }
            Event::TurnStarted { .. } => running = Running::Yes,
            Event::SessionIdle { agents_running: 0 } if running == Running::Settling => running = Running::No,
            _ => {}
        }
    }
    stop_reason(outcome, live.cancelled.load(Ordering::SeqCst)).map(PromptResponse::new)
}

/// Puts approval and question requests (from any session of the tree) to
/// the client in a task of their own, which sends jig the answer.
fn answer_requests(
    live: &Live,
    session_id: &SessionId,
    tracker: &mut Tracker,
    envelope: &Envelope,
    cx: &ConnectionTo<Client>,
) -> Result<(), Error> {
    let ops = live.ops.clone();
    let sid = session_id.clone();
    let client = cx.clone();
    match &envelope.event {
        Event::ApprovalRequested {
            request_id,
            call_id,
            command,
            reason,
            ..
        } => {
            if envelope.session_id == live.id
                && let Some(update) = tracker.announce_command(call_id, command)
            {
                cx.send_notification(SessionNotification::new(session_id.clone(), update))?;
            }
            let (request_id, call_id, command, reason) =
                (request_id.clone(), call_id.clone(), command.clone(), reason.clone());
            cx.spawn(async move {
                let decision = crate::ask::approve(&client, sid, &call_id, &command, &reason).await;
                // The session may have ended meanwhile; then nobody waits.
                let _ = ops.send(Op::Approval { request_id, decision });
                Ok(())
            })
        }
        Event::InputRequested {
            request_id,
            call_id,
            request,
        } => {
            let (request_id, call_id, request) = (request_id.clone(), call_id.clone(), request.clone());
            cx.spawn(async move {
                let answer = crate::ask::answer(&client, sid, &call_id, &request).await;
                let _ = ops.send(Op::Answer { request_id, answer });
                Ok(())
            })
        }
        _ => Ok(()),
    }
}

/// ACP's stop reason for how the turn ended. A failed turn is an error
/// carrying jig's message: ACP has no stop reason for a fault.
fn stop_reason(outcome: Option<TurnOutcome>, cancelled: bool) -> Result<StopReason, Error> {
    if cancelled {
        return Ok(StopReason::Cancelled);
    }
    match outcome {
        None | Some(TurnOutcome::Completed) => Ok(StopReason::EndTurn),
        Some(TurnOutcome::MaxTurns { .. }) => Ok(StopReason::MaxTurnRequests),
        Some(TurnOutcome::BudgetExceeded {
            budget: Budget::Tokens, ..
        }) => Ok(StopReason::MaxTokens),
        // A cost cap stops the model requests, like a request limit.
        Some(TurnOutcome::BudgetExceeded {
            budget: Budget::CostUsd,
            ..
        }) => Ok(StopReason::MaxTurnRequests),
        Some(TurnOutcome::Interrupted) => Ok(StopReason::Cancelled),
        Some(TurnOutcome::Failed { error, .. }) => Err(internal(error)),
    }
}

/// The prompt as the text jig's model reads: text as is, embedded
/// resources (an editor's selection or file) in a `<context>` block, links
/// as `@URI` mentions. jig's models take text only, so images and audio
/// are named, not sent.
fn prompt_text(blocks: &[ContentBlock]) -> String {
    let parts: Vec<String> = blocks
        .iter()
        .map(|block| match block {
            ContentBlock::Text(text) => text.text.clone(),
            ContentBlock::ResourceLink(link) => format!("@{}", link.uri),
            ContentBlock::Resource(resource) => match &resource.resource {
                EmbeddedResourceResource::TextResourceContents(text) => {
                    format!("<context uri=\"{}\">\n{}\n</context>", text.uri, text.text)
                }
                EmbeddedResourceResource::BlobResourceContents(blob) => {
                    format!("(a binary resource, {}, was attached; jig reads text only)", blob.uri)
                }
                _ => "(an attachment jig cannot read was left out)".to_string(),
            },
            ContentBlock::Image(_) => "(an image was attached; jig's model reads text only)".to_string(),
            ContentBlock::Audio(_) => "(audio was attached; jig's model reads text only)".to_string(),
            _ => "(an attachment jig cannot read was left out)".to_string(),
        })
        .collect();
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_onto_stop_reasons() {
        assert_eq!(
            stop_reason(Some(TurnOutcome::Completed), false).ok(),
            Some(StopReason::EndTurn)
        );
        assert_eq!(
            stop_reason(Some(TurnOutcome::MaxTurns { limit: 3 }), false).ok(),
            Some(StopReason::MaxTurnRequests)
        );
        let tokens = TurnOutcome::BudgetExceeded {
            budget: Budget::Tokens,
            limit: 1.0,
            used: 2.0,
        };
        assert_eq!(stop_reason(Some(tokens), false).ok(), Some(StopReason::MaxTokens));
        assert_eq!(
            stop_reason(Some(TurnOutcome::Interrupted), false).ok(),
            Some(StopReason::Cancelled)
        );
        assert_eq!(
            stop_reason(Some(TurnOutcome::Completed), true).ok(),
            Some(StopReason::Cancelled)
        );
        assert!(
            stop_reason(
                Some(TurnOutcome::failed(jig_protocol::FailureKind::Model, "boom")),
                false
            )
            .is_err()
        );
    }
}

//! jig's approval and question requests as ACP `session/request_permission`.
//!
//! Invariant: every request gets an answer for jig. A client that fails
//! the request or cannot answer it is taken as a refusal — `Deny` for an
//! approval, `Declined` for a question — so a turn never waits on a client
//! that will not answer. An approval the client answers `cancelled` (as it
//! must after `session/cancel`) is `Abort`: the command does not run and
//! the turn stops, whichever of the cancel and the answer jig sees first. Questions go through request_permission only when they offer
//! choices; a free-text question or a form cannot be asked there, and is
//! declined so the model hears that nobody answered.

use std::collections::BTreeMap;

use agent_client_protocol::Error;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    PermissionOption, PermissionOptionKind, RequestPermissionOutcome, RequestPermissionRequest,
    RequestPermissionResponse, SessionId, ToolCallId, ToolCallStatus, ToolCallUpdate, ToolCallUpdateFields, ToolKind,
};
use agent_client_protocol::{Client, v1::schema::ToolCallContent};
use jig_protocol::{HostAnswer, HostRequest, Question, ReviewDecision};

/// The options of an approval, and what each decides.
const APPROVAL: [(&str, &str, PermissionOptionKind, ReviewDecision); 4] = [
    (
        "allow_once",
        "Allow once",
        PermissionOptionKind::AllowOnce,
        ReviewDecision::Approve,
    ),
    (
        "allow_always",
        "Allow for this session",
        PermissionOptionKind::AllowAlways,
        ReviewDecision::ApproveForSession,
    ),
    (
        "reject_once",
        "Reject",
        PermissionOptionKind::RejectOnce,
        ReviewDecision::Deny,
    ),
    (
        "reject_always",
        "Reject and stop the turn",
        PermissionOptionKind::RejectAlways,
        ReviewDecision::Abort,
    ),
];

/// The id of the "decline" option offered with a question's choices.
const DECLINE: &str = "decline";

/// The permission options offered for a command.
pub fn approval_options() -> Vec<PermissionOption> {
    APPROVAL
        .iter()
        .map(|(id, name, kind, _)| PermissionOption::new(*id, *name, *kind))
        .collect()
}

/// What the client's answer decides: the chosen option's decision;
/// `Abort` for a cancelled turn; a denial for anything else.
pub fn decision(answer: Result<RequestPermissionResponse, Error>) -> ReviewDecision {
    match answer.map(|response| response.outcome) {
        Ok(RequestPermissionOutcome::Selected(selected)) => APPROVAL
            .iter()
            .find(|(id, ..)| *id == &*selected.option_id.0)
            .map_or(ReviewDecision::Deny, |(.., decision)| *decision),
        Ok(RequestPermissionOutcome::Cancelled) => ReviewDecision::Abort,
        Ok(_) | Err(_) => ReviewDecision::Deny,
    }
}

/// Asks the client whether the command of call `call_id` may run.
pub async fn approve(
    cx: &ConnectionTo<Client>,
    session_id: SessionId,
    call_id: &str,
    command: &str,
    reason: &str,
) -> ReviewDecision {
    let mut fields = ToolCallUpdateFields::new()
        .title(command.to_string())
        .kind(ToolKind::Execute)
        .status(ToolCallStatus::Pending);
    if !reason.is_empty() {
        fields = fields.content(vec![ToolCallContent::from(reason)]);
    }
    let request = RequestPermissionRequest::new(
        session_id,
        ToolCallUpdate::new(ToolCallId::new(call_id), fields),
        approval_options(),
    );
    decision(cx.send_request(request).block_task().await)
}

/// Asks the client a tool's question: each question with choices in turn,
/// as a permission request whose options are the choices.
pub async fn answer(
    cx: &ConnectionTo<Client>,
    session_id: SessionId,
    call_id: &str,
    request: &HostRequest,
) -> HostAnswer {
    match request {
        HostRequest::Question { question, options } if !options.is_empty() => {
            match choose(cx, &session_id, call_id, question, options).await {
                Some(label) => HostAnswer::Text { text: label },
                None => HostAnswer::Declined,
            }
        }
        HostRequest::Questions { questions } => {
            let mut answers = BTreeMap::new();
            for Question {
                id, question, options, ..
            } in questions
            {
                if options.is_empty() {
                    continue;
                }
                let labels: Vec<String> = options.iter().map(|o| o.label.clone()).collect();
                if let Some(label) = choose(cx, &session_id, call_id, question, &labels).await {
                    answers.insert(id.clone(), vec![label]);
                }
            }
            if answers.is_empty() {
                HostAnswer::Declined
            } else {
                HostAnswer::Answers { answers }
            }
        }
        HostRequest::Question { .. } | HostRequest::Form { .. } => HostAnswer::Declined,
    }
}

/// One question with its choices; the label chosen, or `None` when the
/// client declined, cancelled or failed.
async fn choose(
    cx: &ConnectionTo<Client>,
    session_id: &SessionId,
    call_id: &str,
    question: &str,
    choices: &[String],
) -> Option<String> {
    let mut options: Vec<PermissionOption> = choices
        .iter()
        .enumerate()
        .map(|(i, label)| PermissionOption::new(format!("choice-{i}"), label.as_str(), PermissionOptionKind::AllowOnce))
        .collect();
    options.push(PermissionOption::new(
        DECLINE,
        "Don't answer",
        PermissionOptionKind::RejectOnce,
    ));
    let fields = ToolCallUpdateFields::new()
        .title(question.to_string())
        .kind(ToolKind::Think)
        .status(ToolCallStatus::Pending);
    let request = RequestPermissionRequest::new(
        session_id.clone(),
        ToolCallUpdate::new(ToolCallId::new(call_id), fields),
        options,
    );
    match cx.send_request(request).block_task().await.map(|r| r.outcome) {
        Ok(RequestPermissionOutcome::Selected(selected)) => {
            let index: usize = selected.option_id.0.strip_prefix("choice-")?.parse().ok()?;
            choices.get(index).cloned()
        }
        Ok(_) | Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agent_client_protocol::v1::schema::SelectedPermissionOutcome;

    fn selected(id: &'static str) -> Result<RequestPermissionResponse, Error> {
        Ok(RequestPermissionResponse::new(RequestPermissionOutcome::Selected(
            SelectedPermissionOutcome::new(id),
        )))
    }

    #[test]
    fn each_option_maps_onto_a_review_decision() {
        assert_eq!(decision(selected("allow_once")), ReviewDecision::Approve);
        assert_eq!(decision(selected("allow_always")), ReviewDecision::ApproveForSession);
        assert_eq!(decision(selected("reject_once")), ReviewDecision::Deny);
        assert_eq!(decision(selected("reject_always")), ReviewDecision::Abort);
    }

    #[test]
    fn a_failed_request_or_unknown_choice_is_a_denial_and_a_cancelled_one_stops_the_turn() {
        assert_eq!(decision(selected("bogus")), ReviewDecision::Deny);
        assert_eq!(decision(Err(Error::method_not_found())), ReviewDecision::Deny);
        assert_eq!(
            decision(Ok(RequestPermissionResponse::new(RequestPermissionOutcome::Cancelled))),
            ReviewDecision::Abort
        );
    }
}

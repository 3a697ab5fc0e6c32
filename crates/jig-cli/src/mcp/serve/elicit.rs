//! The session's questions for a person, asked of the MCP client through
//! elicitation (`elicitation/create`, a form), and the client's answers
//! turned back into `Op::Approval` / `Op::Answer`.
//!
//! Invariant: every request gets an answer, and at once when nobody can
//! give one. A client without the elicitation capability, a form the client
//! declines or cancels, a request that fails, and a form schema jig cannot
//! pass on all deny the approval or decline the question, so the model is
//! told and the turn goes on; nothing here ever waits on a person who is
//! not there.

use std::collections::BTreeMap;

use jig_protocol::{HostAnswer, HostRequest, Op, Question, ReviewDecision};
use rmcp::model::{ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema};
use rmcp::service::ElicitationMode;
use rmcp::{Peer, RoleServer};
use serde_json::{Value, json};

/// A request of the session's that a person should answer.
#[derive(Debug, Clone)]
pub enum Ask {
    /// `approval_requested`: run this command?
    Approval {
        /// The request's id.
        request_id: String,
        /// The command.
        command: String,
        /// Where it runs.
        cwd: String,
        /// Why jig asks.
        reason: String,
    },
    /// `input_requested`: a tool's question or form.
    Input {
        /// The request's id.
        request_id: String,
        /// What is asked.
        request: HostRequest,
    },
}

/// Whether the client declared it can show forms.
pub fn supported(peer: &Peer<RoleServer>) -> bool {
    peer.supported_elicitation_modes().contains(&ElicitationMode::Form)
}

/// Asks the client (when it can be asked) and gives the answer as an op.
pub async fn answer(peer: &Peer<RoleServer>, ask: Ask) -> Op {
    let form = if supported(peer) { form(&ask) } else { None };
    let result = match form {
        Some((message, schema)) => {
            let params = ElicitRequestParams::FormElicitationParams {
                meta: None,
                message,
                requested_schema: schema,
            };
            peer.create_elicitation(params).await.ok()
        }
        None => None,
    };
    to_op(ask, result)
}

/// The form's message and schema, or `None` when it cannot be a form.
fn form(ask: &Ask) -> Option<(String, ElicitationSchema)> {
    let (message, schema) = match ask {
        Ask::Approval {
            command, cwd, reason, ..
        } => (
            format!("jig asks to run `{command}` in {cwd}: {reason}"),
            json!({
                "type": "object",
                "properties": {"decision": {
                    "type": "string",
                    "title": "Decision",
                    "oneOf": [
                        {"const": "approve", "title": "Approve once"},
                        {"const": "approve_for_session", "title": "Approve for this session"},
                        {"const": "deny", "title": "Deny (the agent is told and goes on)"},
                        {"const": "abort", "title": "Deny and stop the turn"},
                    ],
                }},
                "required": ["decision"],
            }),
        ),
        Ask::Input { request, .. } => match request {
            HostRequest::Question { question, options } => {
                let field = if options.is_empty() {
                    json!({"type": "string", "title": "Answer"})
                } else {
                    json!({"type": "string", "title": "Answer", "enum": options})
                };
                (
                    question.clone(),
                    json!({"type": "object", "properties": {"answer": field}, "required": ["answer"]}),
                )
            }
            HostRequest::Questions { questions } => questions_form(questions),
            HostRequest::Form {
                source,
                message,
                schema,
            } => (format!("{source}: {message}"), schema.clone()),
        },
    };
    let schema = serde_json::from_value::<ElicitationSchema>(schema).ok()?;
    Some((message, schema))
}

/// The key of a question's "in your own words" field, beside its choice.
fn own_words(id: &str) -> String {
    format!("{id}{OWN_WORDS}")
}

/// Suffix of the "in your own words" fields.
const OWN_WORDS: &str = "__own_words";

/// One field per question: a choice of its options, several when it allows
/// that, or free text when it has none. A question with options also gets
/// an optional free-text field, since the person may answer in their own
/// words (a form field cannot be both a choice and free text).
fn questions_form(questions: &[Question]) -> (String, Value) {
    let mut properties = serde_json::Map::new();
    for q in questions {
        if !q.options.is_empty() {
            properties.insert(
                own_words(&q.id),
                json!({"type": "string", "title": "Or in your own words", "description": q.question}),
            );
        }
        let labels: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
        let title = if q.header.is_empty() { &q.question } else { &q.header };
        let field = match (labels.is_empty(), q.multi_select) {
            (true, _) => json!({"type": "string", "title": title, "description": q.question}),
            (false, false) => json!({"type": "string", "title": title, "description": q.question, "enum": labels}),
            (false, true) => json!({
                "type": "array", "title": title, "description": q.question,
                "items": {"type": "string", "enum": labels},
            }),
        };
        properties.insert(q.id.clone(), field);
    }
    let message = match questions {
        [one] => one.question.clone(),
        _ => "jig's agent has questions for you".to_owned(),
    };
    (message, json!({"type": "object", "properties": properties}))
}

/// The op answering `ask` with the client's `result` (`None`: nobody
/// answered).
fn to_op(ask: Ask, result: Option<ElicitResult>) -> Op {
    let content = result
        .filter(|r| r.action == ElicitationAction::Accept)
        .map(|r| r.content.unwrap_or(Value::Null));
    match ask {
        Ask::Approval { request_id, .. } => {
            let decision = match content.as_ref().and_then(|c| c["decision"].as_str()) {
                Some("approve") => ReviewDecision::Approve,
                Some("approve_for_session") => ReviewDecision::ApproveForSession,
                Some("abort") => ReviewDecision::Abort,
                _ => ReviewDecision::Deny,
            };
            Op::Approval { request_id, decision }
        }
        Ask::Input { request_id, request } => {
            let answer = match content {
                None => HostAnswer::Declined,
                Some(content) => input_answer(&request, content),
            };
            Op::Answer { request_id, answer }
        }
    }
}

/// A filled-in form as the answer `request` wants.
fn input_answer(request: &HostRequest, content: Value) -> HostAnswer {
    match request {
        HostRequest::Question { .. } => match content["answer"].as_str() {
            Some(text) => HostAnswer::Text { text: text.to_owned() },
            None => HostAnswer::Declined,
        },
        HostRequest::Questions { questions } => {
            let mut answers = BTreeMap::new();
            for q in questions {
                let own = content[own_words(&q.id)].as_str().map(str::trim).unwrap_or_default();
                if !own.is_empty() {
                    answers.insert(q.id.clone(), vec![own.to_owned()]);
                    continue;
                }
                let given: Vec<String> = match &content[&q.id] {
                    Value::String(s) if !s.is_empty() => vec![s.clone()],
                    Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
                    _ => continue,
                };
                answers.insert(q.id.clone(), given);
            }
            HostAnswer::Answers { answers }
        }
        HostRequest::Form { .. } => HostAnswer::Form { content },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jig_protocol::QuestionOption;

    fn color() -> Question {
        let option = |label: &str| QuestionOption {
            label: label.into(),
            description: String::new(),
        };
        Question {
            id: "color".into(),
            header: "Color".into(),
            question: "Which color?".into(),
            options: vec![option("red"), option("blue")],
            multi_select: false,
        }
    }

    fn questions_of_one() -> HostRequest {
        HostRequest::Questions {
            questions: vec![color()],
        }
    }

    #[test]
    fn every_request_makes_a_form_rmcp_accepts() {
        let approval = Ask::Approval {
            request_id: "1".into(),
            command: "touch x".into(),
            cwd: "/w".into(),
            reason: "untrusted".into(),
        };
        assert!(form(&approval).is_some());
        let question = |q| Ask::Input {
            request_id: "2".into(),
            request: q,
        };
        let questions = HostRequest::Questions {
            questions: vec![
                color(),
                Question {
                    id: "name".into(),
                    header: String::new(),
                    question: "Name?".into(),
                    options: vec![],
                    multi_select: false,
                },
            ],
        };
        assert!(form(&question(questions.clone())).is_some());
        let op = to_op(
            question(questions),
            Some(ElicitResult::new(ElicitationAction::Accept).with_content(json!({
                "color": "red",
                "color__own_words": " ",
                "name": "x",
            }))),
        );
        let Op::Answer {
            answer: HostAnswer::Answers { answers },
            ..
        } = op
        else {
            panic!("{op:?}")
        };
        assert_eq!(answers["color"], ["red"]);
        assert_eq!(answers["name"], ["x"]);
        let own = to_op(
            question(questions_of_one()),
            Some(
                ElicitResult::new(ElicitationAction::Accept)
                    .with_content(json!({"color": "red", "color__own_words": "teal"})),
            ),
        );
        let Op::Answer {
            answer: HostAnswer::Answers { answers },
            ..
        } = own
        else {
            panic!("{own:?}")
        };
        assert_eq!(answers["color"], ["teal"]);
    }

    #[test]
    fn declining_denies_and_declines() {
        let approval = Ask::Approval {
            request_id: "1".into(),
            command: "c".into(),
            cwd: "/".into(),
            reason: String::new(),
        };
        let declined = Some(ElicitResult::new(ElicitationAction::Decline));
        assert!(matches!(
            to_op(approval, declined),
            Op::Approval {
                decision: ReviewDecision::Deny,
                ..
            }
        ));
        let question = Ask::Input {
            request_id: "2".into(),
            request: HostRequest::Question {
                question: "?".into(),
                options: vec![],
            },
        };
        assert!(matches!(
            to_op(question, None),
            Op::Answer {
                answer: HostAnswer::Declined,
                ..
            }
        ));
    }
}

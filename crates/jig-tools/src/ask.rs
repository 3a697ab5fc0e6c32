//! Asking the person mid-task: the `generic` dialect's `ask_user`, and what
//! every dialect's question tool shares ([`ask_questions`]).
//!
//! A question goes through the tool host as one
//! [`HostRequest::Questions`]; whichever front-end runs the session answers
//! it (a terminal prompt, a JSON line, ACP, MCP elicitation). A session
//! nobody can answer has no host ([`crate::ToolContext::host`] is `None`),
//! and the model is told so at once instead of waiting.

use std::collections::BTreeMap;

use jig_protocol::{HostAnswer, HostRequest, Question, QuestionOption, ToolSpec};
use serde::Deserialize;
use serde_json::json;

use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// What the model is told when nobody can answer.
pub const NOBODY_TO_ASK: &str = "nobody can answer questions in this session (it runs without a person: no \
terminal and no front-end that answers); do not wait for an answer — decide yourself, say what you assumed, \
and go on";

/// What the model is told when the person would not answer.
pub const DECLINED: &str = "the user dismissed the question without answering; go on with your best judgement \
and say what you assumed";

/// How a question ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Answers by question id; a question left out was not answered.
    Answers(BTreeMap<String, Vec<String>>),
    /// The person would not answer.
    Declined,
}

/// Asks `questions` on behalf of `tool`'s running call. Nobody to ask is a
/// [`ToolError::RespondToModel`] naming `tool`.
pub async fn ask_questions(ctx: &ToolContext, tool: &str, questions: Vec<Question>) -> Result<Asked, ToolError> {
    let Some(host) = &ctx.host else {
        return Err(ToolError::RespondToModel(format!("{tool}: {NOBODY_TO_ASK}")));
    };
    let only = (questions.len() == 1).then(|| questions[0].id.clone());
    Ok(match host.ask(HostRequest::Questions { questions }).await? {
        HostAnswer::Answers { answers } => Asked::Answers(answers),
        // A front-end that only knows free text answered the one question.
        HostAnswer::Text { text } => match only {
            Some(id) => Asked::Answers(BTreeMap::from([(id, vec![text])])),
            None => Asked::Declined,
        },
        HostAnswer::Form { .. } | HostAnswer::Declined => Asked::Declined,
    })
}

/// Checks what every question tool needs: 1..=`max` questions, unique ids,
/// a question text on each.
pub fn check_questions(tool: &str, questions: &[Question], max: usize) -> Result<(), ToolError> {
    let fail = |why: String| {
        Err(ToolError::RespondToModel(format!(
            "{tool}: {why}; fix the call and try again"
        )))
    };
    if questions.is_empty() || questions.len() > max {
        return fail(format!("ask 1 to {max} questions, not {}", questions.len()));
    }
    for (i, q) in questions.iter().enumerate() {
        if q.question.trim().is_empty() {
            return fail(format!("question {} has no text", i + 1));
        }
        if questions[..i].iter().any(|earlier| earlier.id == q.id) {
            return fail(format!("two questions share the id {:?}", q.id));
        }
    }
    Ok(())
}

/// `ask_user`: one question, free text or one of `options`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AskUserTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    question: String,
    #[serde(default)]
    options: Vec<String>,
}

#[async_trait::async_trait]
impl Tool for AskUserTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "ask_user".into(),
            description: "Ask the user one question and wait for the answer. Use it only when the task is \
ambiguous in a way that changes what you would do and you cannot find out yourself; offer `options` when the \
likely answers are few. The user may also answer in their own words."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "question": { "type": "string", "description": "The question, self-contained." },
                    "options": {
                        "type": "array",
                        "items": { "type": "string" },
                        "description": "Likely answers to choose from (optional)."
                    }
                },
                "required": ["question"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        // A question waits for a person: nothing runs beside it.
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: Args = parse_args("ask_user", args)?;
        let question = Question {
            id: "answer".into(),
            header: String::new(),
            question: args.question,
            options: args
                .options
                .into_iter()
                .map(|label| QuestionOption {
                    label,
                    description: String::new(),
                })
                .collect(),
            multi_select: false,
        };
        check_questions("ask_user", std::slice::from_ref(&question), 1)?;
        match ask_questions(ctx, "ask_user", vec![question]).await? {
            Asked::Answers(mut answers) => match answers.remove("answer").filter(|a| !a.is_empty()) {
                Some(answer) => Ok(ToolResult::ok(format!("The user answered: {}", answer.join(", ")))),
                None => Ok(ToolResult::ok(format!("No answer: {DECLINED}."))),
            },
            Asked::Declined => Ok(ToolResult::ok(format!("No answer: {DECLINED}."))),
        }
    }
}

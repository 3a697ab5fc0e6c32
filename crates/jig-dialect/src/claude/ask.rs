//! Claude Code's `AskUserQuestion`: `{questions: [{question, header,
//! options: [{label, description}], multiSelect}]}`, 1–4 questions with 2–4
//! options each; the person may also answer in their own words. Claude Code
//! 2.1.168 also lists `answers`, `annotations` and `metadata`, which its UI
//! fills in: offered and ignored here. The answer
//! goes back as Claude Code words it: `User has answered your questions:
//! "QUESTION"="ANSWER", … You can now continue with the user's answers in
//! mind.` Questions have no id in this shape, so they are asked as `q1`,
//! `q2`, … through [`jig_tools::ask::ask_questions`].

use jig_protocol::{Question, QuestionOption, ToolSpec};
use jig_tools::ask::{Asked, DECLINED, ask_questions, check_questions};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most questions one call may ask, as in Claude Code.
const MAX_QUESTIONS: usize = 4;

/// `AskUserQuestion`: asks the person up to four multiple-choice questions.
#[derive(Debug, Clone, Copy, Default)]
pub struct AskUserQuestionTool;

#[derive(Deserialize)]
struct Args {
    questions: Vec<QuestionArgs>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QuestionArgs {
    question: String,
    #[serde(default)]
    header: String,
    #[serde(default)]
    options: Vec<QuestionOption>,
    #[serde(default)]
    multi_select: bool,
}

#[async_trait::async_trait]
impl Tool for AskUserQuestionTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "AskUserQuestion".into(),
            description: "Asks the user multiple-choice questions while you work: to settle an ambiguous \
instruction, a preference or a choice between approaches. The user can always answer in their own words \
instead of picking an option. Use multiSelect when several answers can apply."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "questions": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 4,
                        "description": "Questions to ask the user (1-4 questions)",
                        "items": {
                            "type": "object",
                            "properties": {
                                "question": { "type": "string", "description": "The complete question, ending with a question mark." },
                                "header": { "type": "string", "description": "A very short label for the question (at most 12 characters)." },
                                "options": {
                                    "type": "array",
                                    "minItems": 2,
                                    "maxItems": 4,
                                    "description": "The available choices (2-4 options).",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "label": { "type": "string", "description": "The choice as shown, 1-5 words." },
                                            "description": { "type": "string", "description": "What this option means or implies." }
                                        },
                                        "required": ["label", "description"],
                                        "additionalProperties": false
                                    }
                                },
                                "multiSelect": { "type": "boolean", "description": "Whether several options may be chosen." }
                            },
                            "required": ["question", "header", "options"],
                            "additionalProperties": false
                        }
                    },
                    "answers": { "type": "object", "description": "Filled in by the harness with the user's answers; leave out." },
                    "annotations": { "type": "object", "description": "Filled in by the harness; leave out." },
                    "metadata": { "type": "object", "description": "Filled in by the harness; leave out." }
                },
                "required": ["questions"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        // A question waits for a person: nothing runs beside it.
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let args: Args = parse_args("AskUserQuestion", args)?;
        let questions: Vec<Question> = args
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| Question {
                id: format!("q{}", i + 1),
                header: q.header,
                question: q.question,
                options: q.options,
                multi_select: q.multi_select,
            })
            .collect();
        check_questions("AskUserQuestion", &questions, MAX_QUESTIONS)?;
        let texts: Vec<(String, String)> = questions.iter().map(|q| (q.id.clone(), q.question.clone())).collect();
        let Asked::Answers(mut answers) = ask_questions(ctx, "AskUserQuestion", questions).await? else {
            return Err(ToolError::RespondToModel(format!("AskUserQuestion: {DECLINED}")));
        };
        let pairs: Vec<String> = texts
            .into_iter()
            .filter_map(|(id, question)| {
                let answer = answers.remove(&id).filter(|a| !a.is_empty())?;
                Some(format!("\"{question}\"=\"{}\"", answer.join(", ")))
            })
            .collect();
        if pairs.is_empty() {
            return Err(ToolError::RespondToModel(format!("AskUserQuestion: {DECLINED}")));
        }
        Ok(ToolResult::ok(format!(
            "User has answered your questions: {}. You can now continue with the user's answers in mind.",
            pairs.join(", ")
        )))
    }
}

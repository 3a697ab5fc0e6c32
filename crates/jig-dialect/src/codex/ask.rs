//! Codex's `request_user_input` (`codex-rs/tools/src/request_user_input_tool.rs`):
//! `{questions: [{id, header, question, options: [{label, description}]}]}`,
//! 1–3 questions, each with a few options; the person may also answer in
//! their own words (Codex's client adds an "Other" choice). The answer goes
//! back as Codex's `RequestUserInputResponse`:
//! `{"answers": {ID: {"answers": [..]}}}`. Asked through
//! [`jig_tools::ask::ask_questions`]; descriptions are jig's.

use jig_protocol::{Question, QuestionOption, ToolSpec};
use jig_tools::ask::{Asked, DECLINED, ask_questions, check_questions};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most questions one call may ask, as in Codex.
const MAX_QUESTIONS: usize = 3;

/// `request_user_input`: asks the person up to three questions.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestUserInputTool;

#[derive(Deserialize)]
struct Args {
    questions: Vec<QuestionArgs>,
}

#[derive(Deserialize)]
struct QuestionArgs {
    id: String,
    header: String,
    question: String,
    #[serde(default)]
    options: Vec<QuestionOption>,
}

#[async_trait::async_trait]
impl Tool for RequestUserInputTool {
    fn spec(&self) -> ToolSpec {
        let option = json!({
            "type": "object",
            "properties": {
                "description": { "type": "string", "description": "One short sentence on what choosing it means." },
                "label": { "type": "string", "description": "The answer, a few words." }
            },
            "required": ["label", "description"],
            "additionalProperties": false
        });
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "request_user_input".into(),
            description: "Ask the user 1 to 3 short questions and wait for their answers. Use it when a decision \
is theirs to make (scope, naming, a trade-off) and you cannot settle it from the code; give each question 2 or 3 \
mutually exclusive options, the recommended one first. The user can also answer in their own words."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "questions": {
                        "type": "array",
                        "description": "The questions, 1 to 3.",
                        "items": {
                            "type": "object",
                            "properties": {
                                "header": { "type": "string", "description": "A label of at most 12 characters." },
                                "id": { "type": "string", "description": "A snake_case id; the answer is keyed by it." },
                                "options": { "type": "array", "items": option, "description": "2 or 3 choices." },
                                "question": { "type": "string", "description": "The question, one sentence." }
                            },
                            "required": ["id", "header", "question", "options"],
                            "additionalProperties": false
                        }
                    }
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
        let args: Args = parse_args("request_user_input", args)?;
        let questions: Vec<Question> = args
            .questions
            .into_iter()
            .map(|q| Question {
                id: q.id,
                header: q.header,
                question: q.question,
                options: q.options,
                multi_select: false,
            })
            .collect();
        check_questions("request_user_input", &questions, MAX_QUESTIONS)?;
        match ask_questions(ctx, "request_user_input", questions).await? {
            Asked::Answers(answers) => {
                let answers: serde_json::Map<String, Value> = answers
                    .into_iter()
                    .map(|(id, answers)| (id, json!({ "answers": answers })))
                    .collect();
                Ok(ToolResult::ok(json!({ "answers": answers }).to_string()))
            }
            Asked::Declined => Err(ToolError::RespondToModel(format!("request_user_input: {DECLINED}"))),
        }
    }
}

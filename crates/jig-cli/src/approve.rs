//! Answering the session's requests from the front-end side — approvals and
//! the questions tools ask through the tool host: a question on the
//! terminal, or — with `--json` — an `Op::Approval` / `Op::Answer` JSON line
//! on stdin.
//!
//! Reading is cancel-safe (`Lines::next_line`), so the question can be
//! abandoned when the turn ends first (Ctrl-C). End of input denies.

use std::collections::BTreeMap;

use jig_protocol::{HostAnswer, HostRequest, Op, Question, ReviewDecision};
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};

/// Reads decisions from stdin.
pub struct Approver {
    json: bool,
    /// A person at a terminal can answer questions; a script gets none.
    person: bool,
    lines: Lines<BufReader<Stdin>>,
}

impl Approver {
    /// An approver for `--json` (JSON lines) or a person at a terminal.
    pub fn new(json: bool) -> Self {
        use std::io::IsTerminal;
        Approver {
            json,
            person: std::io::stdin().is_terminal(),
            lines: BufReader::new(tokio::io::stdin()).lines(),
        }
    }

    /// The answer to `request_id`.
    pub async fn answer(&mut self, request_id: &str) -> Op {
        loop {
            if !self.json {
                eprint!("  approve? [y]es · [a]lways this session · [n]o · [q]uit turn: ");
            }
            let Ok(Some(line)) = self.lines.next_line().await else {
                return approval(request_id, ReviewDecision::Deny);
            };
            match self.parse(request_id, line.trim()) {
                Ok(op) => return op,
                Err(problem) => eprintln!("{problem}"),
            }
        }
    }

    /// The answer to the tool's question `request_id`. End of input declines.
    pub async fn answer_input(&mut self, request_id: &str, request: &HostRequest) -> Op {
        let answer = |answer| Op::Answer {
            request_id: request_id.to_owned(),
            answer,
        };
        if !self.json && !self.person {
            // Nobody can answer; a script must never hang on a question.
            return answer(HostAnswer::Declined);
        }
        if !self.json {
            return answer(match request {
                HostRequest::Question { .. } => self.free_text().await,
                HostRequest::Questions { questions } => self.questions(questions).await,
                HostRequest::Form { schema, .. } => self.form(schema).await,
            });
        }
        loop {
            let Ok(Some(line)) = self.lines.next_line().await else {
                return answer(HostAnswer::Declined);
            };
            let line = line.trim();
            match serde_json::from_str::<Op>(line) {
                Ok(Op::Answer {
                    request_id: id,
                    answer: a,
                }) if id == request_id => return answer(a),
                _ => eprintln!(
                    "error: expected {{\"type\":\"answer\",\"request_id\":\"{request_id}\",\"answer\":{{\"kind\":\"text\",\"text\":\"…\"}}}} \
                     or {{\"kind\":\"declined\"}} as the answer ({})",
                    match request {
                        HostRequest::Question { .. } => "a question",
                        HostRequest::Questions { .. } => "questions",
                        HostRequest::Form { .. } => "a form",
                    }
                ),
            }
        }
    }

    /// One line of free text; an empty line or the end of input is no answer.
    async fn free_text(&mut self) -> HostAnswer {
        eprint!("  answer (empty line: no answer): ");
        match self.lines.next_line().await {
            Ok(Some(line)) if !line.trim().is_empty() => HostAnswer::Text {
                text: line.trim().to_owned(),
            },
            _ => HostAnswer::Declined,
        }
    }

    /// Each question in turn: an option's number (several, comma-separated,
    /// where more than one may be chosen) or the person's own words. Empty
    /// lines leave a question unanswered; none answered is no answer.
    async fn questions(&mut self, questions: &[Question]) -> HostAnswer {
        let mut answers = BTreeMap::new();
        for question in questions {
            let header = if question.header.is_empty() {
                String::new()
            } else {
                format!("[{}] ", question.header)
            };
            eprintln!("  {header}{}", question.question);
            for (i, option) in question.options.iter().enumerate() {
                match option.description.as_str() {
                    "" => eprintln!("    {}. {}", i + 1, option.label),
                    description => eprintln!("    {}. {} — {description}", i + 1, option.label),
                }
            }
            loop {
                match (question.options.is_empty(), question.multi_select) {
                    (true, _) => eprint!("  answer (empty: skip): "),
                    (false, false) => eprint!("  number, or your own answer (empty: skip): "),
                    (false, true) => eprint!("  numbers like 1,3, or your own answer (empty: skip): "),
                }
                let Ok(Some(line)) = self.lines.next_line().await else {
                    return finish(answers);
                };
                match choose(question, line.trim()) {
                    Ok(None) => break,
                    Ok(Some(chosen)) => {
                        answers.insert(question.id.clone(), chosen);
                        break;
                    }
                    Err(problem) => eprintln!("  {problem}"),
                }
            }
        }
        finish(answers)
    }

    /// Each field of a form in turn, checked against its type; an empty
    /// line skips an optional field and declines the form at a required one.
    async fn form(&mut self, schema: &serde_json::Value) -> HostAnswer {
        let mut content = serde_json::Map::new();
        for field in jig_protocol::form::form_fields(schema) {
            let title = &field.title;
            if let Some(description) = &field.description {
                eprintln!("  {title}: {description}");
            }
            loop {
                let needed = if field.required { ", required" } else { "" };
                match field.choices.is_empty() {
                    true => eprint!("  {title} ({}{needed}): ", field.kind),
                    false => eprint!("  {title} (one of {}{needed}): ", field.choices.join(" | ")),
                }
                let Ok(Some(line)) = self.lines.next_line().await else {
                    return HostAnswer::Declined;
                };
                let line = line.trim();
                if line.is_empty() {
                    if !field.required {
                        break;
                    }
                    return HostAnswer::Declined;
                }
                match field.value(line) {
                    Ok(value) => {
                        content.insert(field.name.clone(), value);
                        break;
                    }
                    Err(problem) => eprintln!("  {problem}"),
                }
            }
        }
        HostAnswer::Form {
            content: serde_json::Value::Object(content),
        }
    }

    fn parse(&self, request_id: &str, line: &str) -> Result<Op, String> {
        if self.json {
            return match serde_json::from_str::<Op>(line) {
                Ok(Op::Approval {
                    request_id: id,
                    decision,
                }) if id == request_id => Ok(approval(&id, decision)),
                Ok(Op::Approval { request_id: id, .. }) => Err(format!(
                    "error: approval for `{id}`, but `{request_id}` is waiting; answer that one"
                )),
                Ok(_) | Err(_) => Err(format!(
                    "error: expected {{\"type\":\"approval\",\"request_id\":\"{request_id}\",\"decision\":\"approve|approve_for_session|deny|abort\"}}"
                )),
            };
        }
        let decision = match line.to_ascii_lowercase().as_str() {
            "y" | "yes" => ReviewDecision::Approve,
            "a" | "always" => ReviewDecision::ApproveForSession,
            "n" | "no" => ReviewDecision::Deny,
            "q" | "quit" => ReviewDecision::Abort,
            _ => return Err("  answer y, a, n or q".into()),
        };
        Ok(approval(request_id, decision))
    }
}

/// The answers gathered, or no answer when none was given.
fn finish(answers: BTreeMap<String, Vec<String>>) -> HostAnswer {
    if answers.is_empty() {
        HostAnswer::Declined
    } else {
        HostAnswer::Answers { answers }
    }
}

/// What `line` answers to `question`: `None` for an empty line, the chosen
/// options' labels for numbers, else the line as the person's own words.
fn choose(question: &Question, line: &str) -> Result<Option<Vec<String>>, String> {
    if line.is_empty() {
        return Ok(None);
    }
    let numbers: Result<Vec<usize>, _> = line.split(',').map(|n| n.trim().parse::<usize>()).collect();
    let Ok(numbers) = numbers else {
        return Ok(Some(vec![line.to_owned()]));
    };
    if question.options.is_empty() {
        return Ok(Some(vec![line.to_owned()]));
    }
    if numbers.len() > 1 && !question.multi_select {
        return Err("choose one number".into());
    }
    numbers
        .into_iter()
        .map(|n| match n.checked_sub(1).and_then(|i| question.options.get(i)) {
            Some(option) => Ok(option.label.clone()),
            None => Err(format!("choose a number from 1 to {}", question.options.len())),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn approval(request_id: &str, decision: ReviewDecision) -> Op {
    Op::Approval {
        request_id: request_id.to_string(),
        decision,
    }
}

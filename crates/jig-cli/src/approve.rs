//! Answering the session's requests from the front-end side — approvals and
//! the questions tools ask through the tool host: a question on the
//! terminal, or — with `--json` — an `Op::Approval` / `Op::Answer` JSON line
//! on stdin.
//!
//! Reading is cancel-safe (`Lines::next_line`), so the question can be
//! abandoned when the turn ends first (Ctrl-C). End of input denies.

use jig_protocol::{HostAnswer, HostRequest, Op, ReviewDecision};
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
        loop {
            if !self.json {
                eprint!("  answer (empty line: no answer): ");
            }
            let Ok(Some(line)) = self.lines.next_line().await else {
                return answer(HostAnswer::Declined);
            };
            let line = line.trim();
            if !self.json {
                return match line {
                    "" => answer(HostAnswer::Declined),
                    text => answer(HostAnswer::Text { text: text.to_owned() }),
                };
            }
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

fn approval(request_id: &str, decision: ReviewDecision) -> Op {
    Op::Approval {
        request_id: request_id.to_string(),
        decision,
    }
}

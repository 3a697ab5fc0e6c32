//! The conversation between a simulated user and a jig agent that runs as
//! `jig exec --json --input-format jsonl`: events are read from the agent's
//! standard output (and copied to the sample's stdout file), ops written to
//! its standard input.
//!
//! The user sends the instruction, answers every `input_requested` (a
//! sub-agent's too), and at the end of each of the top session's turns
//! that completed: answers the question the turn ended on, if any; else
//! sends the first change whose moment has come; else closes the agent's
//! input, so `jig exec` ends once the session is idle. A turn that did not
//! complete (failed, interrupted, over a budget) ends the conversation, as
//! does reaching `max_replies`.
//!
//! Invariant: the driver never waits on the agent for anything but its next
//! line, and writes the log as it goes, so a timeout or a kill leaves a log
//! of everything that happened until then.

use std::collections::BTreeMap;
use std::path::Path;

use jig_protocol::{HostAnswer, HostRequest, Op};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::config::Moment;
use super::log::{UserLog, UserRecord, Why};
use super::user::SimulatedUser;

/// Runs the conversation until the agent's output ends.
pub async fn converse<R, W>(
    user: &mut SimulatedUser,
    log: &mut UserLog,
    instruction: &str,
    events: R,
    ops: W,
    tee: &mut (impl std::io::Write + Send),
    sessions: &Path,
) where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut talk = Talk {
        user,
        log,
        ops: Some(ops),
        turn: 0,
        last_message: None,
        replies: 0,
        sent: Vec::new(),
        ended: None,
    };
    let driver = talk.user.driver_name();
    talk.record(UserRecord::Started { driver });
    talk.say(Why::Instruction, instruction.to_owned()).await;
    let mut lines = events.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let _ = writeln!(tee, "{line}");
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let root = event.get("agent_session").is_none();
        match event["type"].as_str().unwrap_or_default() {
            "input_requested" => talk.answer_request(&event).await,
            "turn_started" if root => {
                talk.turn += 1;
                talk.last_message = None;
            }
            "agent_message" if root => talk.last_message = event["text"].as_str().map(str::to_owned),
            "turn_completed" if root => {
                if let Some(text) = event["last_message"].as_str() {
                    talk.last_message = Some(text.to_owned());
                }
                let completed = event["outcome"]["type"] == "completed";
                talk.turn_ended(completed, sessions).await;
            }
            _ => {}
        }
    }
    let reason = talk
        .ended
        .take()
        .unwrap_or_else(|| "the agent stopped before the conversation ended".into());
    talk.record(UserRecord::Ended { reason });
}

struct Talk<'a, W> {
    user: &'a mut SimulatedUser,
    log: &'a mut UserLog,
    /// The agent's input; `None` once closed.
    ops: Option<W>,
    /// The top session's turns so far.
    turn: u32,
    /// The top session's last message in the current turn.
    last_message: Option<String>,
    /// Messages sent after the instruction.
    replies: u32,
    /// Changes sent, by name.
    sent: Vec<String>,
    /// Why the user ended the conversation.
    ended: Option<String>,
}

impl<W: AsyncWrite + Unpin> Talk<'_, W> {
    fn record(&mut self, record: UserRecord) {
        // A log that cannot be written loses grading evidence, not the run.
        let _ = self.log.write(&record);
    }

    async fn send(&mut self, op: &Op) {
        let Some(ops) = self.ops.as_mut() else { return };
        let Ok(mut line) = serde_json::to_vec(op) else { return };
        line.push(b'\n');
        if ops.write_all(&line).await.is_err() || ops.flush().await.is_err() {
            self.ops = None;
        }
    }

    async fn say(&mut self, why: Why, text: String) {
        self.record(UserRecord::Said {
            why,
            turn: self.turn,
            text: text.clone(),
        });
        self.send(&Op::UserInput { text }).await;
    }

    async fn close(&mut self, reason: impl Into<String>) {
        self.ended.get_or_insert_with(|| reason.into());
        if let Some(mut ops) = self.ops.take() {
            let _ = ops.shutdown().await;
        }
    }

    /// Asks the user, logs the question, its answer and any leak.
    async fn ask(&mut self, call_id: Option<String>, question: &str, options: &[String]) -> String {
        let answered = self.user.answer(question, options).await;
        for fact in &answered.leaks {
            self.record(UserRecord::Leak {
                fact: fact.clone(),
                question: question.to_owned(),
                answer: answered.answer.clone(),
            });
        }
        self.record(UserRecord::Question {
            call_id,
            turn: self.turn,
            question: question.to_owned(),
            facts: answered.facts,
            answer: answered.answer.clone(),
        });
        answered.answer
    }

    async fn answer_request(&mut self, event: &Value) {
        let Some(request_id) = event["request_id"].as_str().map(str::to_owned) else {
            return;
        };
        let call_id = event["call_id"].as_str().map(str::to_owned);
        let answer = match serde_json::from_value::<HostRequest>(event["request"].clone()) {
            Ok(HostRequest::Question { question, options }) => HostAnswer::Text {
                text: self.ask(call_id, &question, &options).await,
            },
            Ok(HostRequest::Questions { questions }) => {
                let mut answers = BTreeMap::new();
                for question in questions {
                    let options: Vec<String> = question.options.iter().map(|o| o.label.clone()).collect();
                    let text = self.ask(call_id.clone(), &question.question, &options).await;
                    answers.insert(question.id, vec![text]);
                }
                HostAnswer::Answers { answers }
            }
            // Forms are an MCP server's, not the task's: the user has none to fill.
            Ok(HostRequest::Form { .. }) | Err(_) => HostAnswer::Declined,
        };
        self.send(&Op::Answer { request_id, answer }).await;
    }

    async fn turn_ended(&mut self, completed: bool, sessions: &Path) {
        if self.ops.is_none() {
            return;
        }
        if !completed {
            return self.close(format!("turn {} did not complete", self.turn)).await;
        }
        if self.replies >= self.user.config().max_replies {
            return self
                .close(format!("the user sent its {} replies", self.user.config().max_replies))
                .await;
        }
        if let Some(question) = self.last_message.as_deref().and_then(questions_in) {
            let answer = self.ask(None, &question, &[]).await;
            self.replies += 1;
            return self.say(Why::Reply, answer).await;
        }
        let tests_passed = std::cell::OnceCell::new();
        let due = self.user.config().changes.iter().find(|change| {
            !self.sent.contains(&change.name)
                && match change.after {
                    Moment::FirstTurn => true,
                    Moment::PassingTests => *tests_passed.get_or_init(|| passing_tests(sessions)),
                }
        });
        match due.cloned() {
            Some(change) => {
                self.sent.push(change.name.clone());
                self.replies += 1;
                self.say(Why::Change { name: change.name }, change.message).await;
            }
            None => {
                self.close(format!("turn {} ended with nothing left to say", self.turn))
                    .await
            }
        }
    }
}

/// Words that end in a period without ending a sentence.
const ABBREVIATIONS: [&str; 6] = ["e.g", "i.e", "etc", "vs", "cf", "approx"];

/// The sentences of `message` that end with a question mark, joined; `None`
/// when it asks nothing.
pub fn questions_in(message: &str) -> Option<String> {
    let mut questions = Vec::new();
    let mut start = 0;
    let mut chars = message.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // A sentence ends at a line break, or at `.`, `!` or `?` before a
        // space or the end: `settings.py` and `e.g.` inside a question do
        // not cut it.
        let at_break = chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        let word = message[start..i].rsplit(char::is_whitespace).next().unwrap_or_default();
        let abbreviation = c == '.' && ABBREVIATIONS.contains(&word.to_lowercase().as_str());
        if c == '\n' || (matches!(c, '.' | '!' | '?') && at_break && !abbreviation) {
            let sentence = message[start..=i].trim();
            if c == '?' && sentence.len() > 1 {
                questions.push(sentence.trim_start_matches(['-', '*', ' ']).to_owned());
            }
            start = i + c.len_utf8();
        }
    }
    (!questions.is_empty()).then(|| questions.join(" "))
}

/// Whether the newest session in `sessions` ran a test or the project's
/// code successfully after an edit.
fn passing_tests(sessions: &Path) -> bool {
    let Some(rollout) = crate::runner::grading::find_rollouts(sessions).pop() else {
        return false;
    };
    crate::traits::passed_a_check_after_an_edit(&crate::runner::grading::read_records(&rollout))
}

#[cfg(test)]
mod tests {
    use super::questions_in;

    #[test]
    fn questions_are_the_sentences_ending_in_a_question_mark() {
        assert_eq!(questions_in("Done. All tests pass."), None);
        assert_eq!(
            questions_in("I read the code.\nShould the cache expire? Or reload on change?"),
            Some("Should the cache expire? Or reload on change?".into())
        );
        assert_eq!(
            questions_in("- Which format do you want?"),
            Some("Which format do you want?".into())
        );
        assert_eq!(questions_in("?"), None);
        assert_eq!(
            questions_in("Done. Should settings.py keep parse_line, e.g. for the importer?"),
            Some("Should settings.py keep parse_line, e.g. for the importer?".into())
        );
    }
}

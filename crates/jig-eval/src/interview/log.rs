//! The simulated user's log: one JSON object per line in the sample's
//! `user.jsonl`, beside (not inside) the agent's sessions directory, so the
//! agent cannot write it. What the user said and why, every question it
//! was asked with the facts it matched and the answer, leaks, and the
//! final workspace's checks; the interview traits are graded from it and
//! the rollout, so `jig eval regrade` grades them alike.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The file name, in the sample's directory.
pub const FILE: &str = "user.jsonl";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserRecord {
    /// The user's driver (`scripted`, or `model:SPEC`).
    Started {
        /// Which driver.
        driver: String,
    },
    /// A message the user sent: the instruction, a reply to a question at
    /// the end of a turn, or a change of mind.
    Said {
        /// Why it was sent.
        why: Why,
        /// The agent's turn it followed (0 for the instruction).
        turn: u32,
        /// The text.
        text: String,
    },
    /// A question the agent asked, with what the user answered.
    Question {
        /// The tool call that asked (`request_user_input`, `AskUserQuestion`,
        /// `ask_user`); `None` for a question at the end of a turn.
        call_id: Option<String>,
        /// The agent's turn it came in, from 1.
        turn: u32,
        /// The question.
        question: String,
        /// The facts it is about.
        facts: Vec<String>,
        /// The answer.
        answer: String,
    },
    /// An answer that gives away a fact the question was not about.
    Leak {
        /// The fact.
        fact: String,
        /// The question.
        question: String,
        /// The answer that gave it away.
        answer: String,
    },
    /// One check of the final workspace.
    Check {
        /// A constraint or a change.
        kind: CheckKind,
        /// Its name.
        name: String,
        /// Whether the command exited 0.
        passed: bool,
        /// Why it failed, or what it proved.
        detail: String,
    },
    /// The conversation ended.
    Ended {
        /// Why, in words.
        reason: String,
    },
}

/// Why the user said something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// The task's instruction.
    Instruction,
    /// An answer to a question at the end of the agent's turn.
    Reply,
    /// A change of mind.
    Change {
        /// The change's name.
        name: String,
    },
}

/// What a [`UserRecord::Check`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A `[[jig.user.constraints]]` check.
    Constraint,
    /// A `[[jig.user.changes]]` check.
    Change,
}

/// Appends records to a log file.
#[derive(Debug)]
pub struct UserLog {
    file: std::fs::File,
}

impl UserLog {
    /// Creates (or empties) the log at `path`.
    pub fn create(path: &Path) -> std::io::Result<UserLog> {
        Ok(UserLog {
            file: std::fs::File::create(path)?,
        })
    }

    /// Opens the log at `path` to append to it.
    pub fn append(path: &Path) -> std::io::Result<UserLog> {
        Ok(UserLog {
            file: std::fs::OpenOptions::new().append(true).create(true).open(path)?,
        })
    }

    /// Writes one record as one line.
    pub fn write(&mut self, record: &UserRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }
}

/// The records of the log at `path`; none when it is missing. A line that
/// does not parse (a torn last line) is skipped.
pub fn read(path: &Path) -> Vec<UserRecord> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

//! `[jig.user]`: the simulated user of an interview task — who they are,
//! what they want but did not say, what they tell only when asked, how they
//! change their mind, and what the agent must not break.
//!
//! Invariant: every table refuses unknown keys, so a misspelt `about` or
//! `after` is an error at load time rather than a user who silently never
//! reveals a fact or never changes their mind.

use serde::Deserialize;

/// Questions an agent may ask before `question_budget` fails, by default.
pub const DEFAULT_MAX_QUESTIONS: u32 = 3;

/// Messages the user sends after the instruction (answers to plain
/// questions and changes), by default: a bound on an agent and a user that
/// keep each other talking.
pub const DEFAULT_MAX_REPLIES: u32 = 6;

/// What the user says to a question that matches no fact.
pub const DEFAULT_ANSWER: &str = "I don't have a preference there; use your judgement and tell me what you chose.";

/// `[jig.user]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Who the user is and how they talk, for the model-driven user.
    pub persona: String,
    /// The whole hidden brief in the user's words: what they really want.
    /// The model-driven user and the judge read it; the agent never does.
    pub requirements: String,
    /// Facts the user tells only when a question is about them.
    #[serde(default, rename = "facts")]
    pub facts: Vec<Fact>,
    /// Changes of mind, each sent as a new message when its moment comes.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// What the final workspace must still satisfy (`respected_constraint`).
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// Most questions before `question_budget` fails.
    #[serde(default = "default_max_questions")]
    pub max_questions: u32,
    /// Most messages the user sends after the instruction.
    #[serde(default = "default_max_replies")]
    pub max_replies: u32,
    /// The answer to a question that matches no fact.
    #[serde(default = "default_answer")]
    pub default_answer: String,
}

fn default_max_questions() -> u32 {
    DEFAULT_MAX_QUESTIONS
}

fn default_max_replies() -> u32 {
    DEFAULT_MAX_REPLIES
}

fn default_answer() -> String {
    DEFAULT_ANSWER.to_owned()
}

/// `[[jig.user.facts]]`: something the user knows and tells when asked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// snake_case name, used by graders and in logs.
    pub name: String,
    /// A question is about this fact when it contains one of these words
    /// or phrases (case-insensitive).
    pub about: Vec<String>,
    /// What the user says when asked.
    pub answer: String,
    /// Words whose presence in an answer gives the fact away (the leak
    /// guard's test, and how an offered option is picked for it); by
    /// default none, so no option is picked and no leak can be seen.
    #[serde(default)]
    pub reveals: Vec<String>,
    /// Whether the task is ambiguous without it, so `asked_about` wants it
    /// asked before the first edit (default true); `false` for a detail the
    /// user tells when asked but that a good agent need not ask about.
    #[serde(default = "yes")]
    pub ambiguity: bool,
}

fn yes() -> bool {
    true
}

/// `[[jig.user.changes]]`: the user changes their mind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// snake_case name.
    pub name: String,
    /// When it is sent, at the end of a turn.
    pub after: Moment,
    /// The message that says what changed.
    pub message: String,
    /// A shell command run on the final workspace (in the verifier's view)
    /// that exits 0 when the change was made (`adapted_to_change`).
    pub check: String,
}

/// When a change is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// After the agent's first turn that ends with nothing to answer.
    FirstTurn,
    /// After the first turn in which a test or run of the project's code
    /// succeeded after an edit.
    PassingTests,
}

impl Moment {
    /// The name written in `task.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Moment::FirstTurn => "first_turn",
            Moment::PassingTests => "passing_tests",
        }
    }
}

/// `[[jig.user.constraints]]`: something the user expects kept, said or not.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// snake_case name.
    pub name: String,
    /// What is expected, in words (for reports and the judge).
    #[serde(default)]
    pub description: String,
    /// A shell command run on the final workspace that exits 0 when the
    /// constraint held.
    pub check: String,
}

impl UserConfig {
    /// What is wrong with the table beyond its shape: names that are not
    /// snake_case or appear twice, a fact with nothing to match, empty
    /// checks or messages. `None` when it is usable.
    pub fn problem(&self) -> Option<String> {
        let mut names = std::collections::BTreeSet::new();
        let named = self
            .facts
            .iter()
            .map(|f| ("facts", f.name.as_str()))
            .chain(self.changes.iter().map(|c| ("changes", c.name.as_str())))
            .chain(self.constraints.iter().map(|c| ("constraints", c.name.as_str())));
        for (table, name) in named {
            if !is_snake_case(name) {
                return Some(format!(
                    "[[jig.user.{table}]] name `{name}` is not snake_case (a-z, 0-9, _)"
                ));
            }
            if !names.insert(name) {
                return Some(format!("the name `{name}` is used twice in [jig.user]"));
            }
        }
        if self.persona.trim().is_empty() || self.requirements.trim().is_empty() {
            return Some("[jig.user] needs a persona and the hidden requirements".into());
        }
        if let Some(fact) = self
            .facts
            .iter()
            .find(|f| f.about.iter().all(|a| a.trim().is_empty()) || f.answer.trim().is_empty())
        {
            return Some(format!(
                "fact `{}` needs `about` words to match questions and an `answer`",
                fact.name
            ));
        }
        if let Some(change) = self
            .changes
            .iter()
            .find(|c| c.message.trim().is_empty() || c.check.trim().is_empty())
        {
            return Some(format!("change `{}` needs a `message` and a `check`", change.name));
        }
        if let Some(c) = self.constraints.iter().find(|c| c.check.trim().is_empty()) {
            return Some(format!("constraint `{}` needs a `check`", c.name));
        }
        None
    }

    /// The facts a question is about, in declaration order.
    pub fn facts_about(&self, question: &str) -> Vec<&Fact> {
        let question = question.to_lowercase();
        self.facts
            .iter()
            .filter(|fact| {
                fact.about
                    .iter()
                    .map(|word| word.trim().to_lowercase())
                    .any(|word| !word.is_empty() && question.contains(&word))
            })
            .collect()
    }
}

impl Fact {
    /// Whether `text` gives this fact away.
    pub fn revealed_in(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.reveals
            .iter()
            .map(|word| word.trim().to_lowercase())
            .any(|word| !word.is_empty() && text.contains(&word))
    }
}

fn is_snake_case(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

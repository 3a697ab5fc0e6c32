//! The simulated user's answers: which facts a question is about, what the
//! user says, and the leak guard.
//!
//! Two drivers answer. The scripted one is a pure function of the task's
//! `[jig.user]` table, so CI runs are exact: the facts a question is about
//! are told (an offered option that names one of them is picked), and a
//! question about nothing the user cares about gets the default answer.
//! The model-driven one asks a model (any provider jig speaks) to answer in
//! character, with the persona, the hidden brief and the facts in its
//! instructions and the rule to tell a fact only when asked about it.
//!
//! Invariant: whatever the driver, every answer passes the leak guard: an
//! answer that contains a fact's `reveals` words when the question was not
//! about that fact is reported as a leak (and logged by the caller), so a
//! run whose user gave the game away can be told from one whose agent
//! asked well.

use std::sync::Arc;

use futures::StreamExt;
use jig_model::{ModelClient, ModelRequest, ResponseEvent};
use jig_protocol::Item;

use super::config::UserConfig;

/// Who phrases the user's answers.
#[derive(Clone)]
pub enum Driver {
    /// The task's facts, word for word.
    Scripted,
    /// A model playing the user.
    Model(Arc<dyn ModelClient>),
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Driver {
    /// `scripted`, or `model:SPEC`.
    pub fn name(&self) -> String {
        match self {
            Driver::Scripted => "scripted".into(),
            Driver::Model(client) => format!("model:{}", client.spec()),
        }
    }
}

/// One answer and what it bears on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// What the user says.
    pub answer: String,
    /// The facts the question was about.
    pub facts: Vec<String>,
    /// Facts the answer gave away although the question was not about them.
    pub leaks: Vec<String>,
}

/// The user of one sample.
#[derive(Debug, Clone)]
pub struct SimulatedUser {
    config: UserConfig,
    driver: Driver,
    /// The model-driven user's conversation so far: each question as a
    /// user item, each answer as an assistant item, so it stays consistent.
    history: Vec<Item>,
}

impl SimulatedUser {
    /// A user following `config`, phrased by `driver`.
    pub fn new(config: UserConfig, driver: Driver) -> SimulatedUser {
        SimulatedUser {
            config,
            driver,
            history: Vec::new(),
        }
    }

    /// The task's `[jig.user]`.
    pub fn config(&self) -> &UserConfig {
        &self.config
    }

    /// The driver's name, for the log.
    pub fn driver_name(&self) -> String {
        self.driver.name()
    }

    /// Answers `question`, choosing among `options` where one fits.
    pub async fn answer(&mut self, question: &str, options: &[String]) -> Answered {
        let facts: Vec<super::config::Fact> = self.config.facts_about(question).into_iter().cloned().collect();
        let answer = match self.driver.clone() {
            Driver::Scripted => self.scripted(&facts, options),
            Driver::Model(client) => match self.ask_model(client.as_ref(), question, options).await {
                Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
                // A user whose model failed still answers, from the facts.
                _ => self.scripted(&facts, options),
            },
        };
        let leaks = self
            .config
            .facts
            .iter()
            .filter(|fact| !facts.iter().any(|asked| asked.name == fact.name))
            .filter(|fact| fact.revealed_in(&answer))
            .map(|fact| fact.name.clone())
            .collect();
        Answered {
            answer,
            facts: facts.iter().map(|f| f.name.clone()).collect(),
            leaks,
        }
    }

    fn scripted(&self, facts: &[super::config::Fact], options: &[String]) -> String {
        if facts.is_empty() {
            return self.config.default_answer.clone();
        }
        let picked = options
            .iter()
            .find(|option| facts.iter().any(|fact| fact.revealed_in(option)));
        match picked {
            Some(option) => option.clone(),
            None => facts.iter().map(|f| f.answer.trim()).collect::<Vec<_>>().join(" "),
        }
    }

    async fn ask_model(
        &mut self,
        client: &dyn ModelClient,
        question: &str,
        options: &[String],
    ) -> Result<String, String> {
        let instructions = self.instructions();
        let mut asked = format!("The coding agent asks you:\n\n{question}\n");
        if !options.is_empty() {
            asked.push_str("\nIt offers these answers (you may also answer in your own words):\n");
            for option in options {
                asked.push_str(&format!("- {option}\n"));
            }
        }
        self.history.push(Item::user(asked));
        let request = ModelRequest {
            session_id: "jig-eval-user",
            instructions: &instructions,
            items: &self.history,
            tools: &[],
            output_schema: None,
        };
        let mut stream = client.stream(&request).await.map_err(|e| e.to_string())?;
        let mut text = String::new();
        while let Some(event) = stream.next().await {
            match event.map_err(|e| e.to_string())? {
                ResponseEvent::TextDelta(delta) => text.push_str(&delta),
                ResponseEvent::Retrying { .. } => text.clear(),
                _ => {}
            }
        }
        self.history.push(Item::assistant(text.clone()));
        Ok(text)
    }

    /// The model-driven user's instructions: persona, brief, facts, rules.
    fn instructions(&self) -> String {
        let mut text = format!(
            "You play a person who asked a coding agent for help; you are not an assistant. \
             Stay in character: {persona}\n\nWhat you really want (the agent has NOT seen this):\n{brief}\n\n\
             Facts you know. Tell a fact only when the agent's question is about it; never volunteer one:\n",
            persona = self.config.persona.trim(),
            brief = self.config.requirements.trim(),
        );
        for fact in &self.config.facts {
            text.push_str(&format!(
                "- {} (asked about {}): {}\n",
                fact.name,
                fact.about.join(", "),
                fact.answer.trim()
            ));
        }
        text.push_str(
            "\nAnswer the question in one or two short sentences, as this person would. When the agent \
             offers answers and one fits, answer with exactly that answer's text. When the question is \
             about none of the facts, say you have no preference and let the agent decide.",
        );
        text
    }
}

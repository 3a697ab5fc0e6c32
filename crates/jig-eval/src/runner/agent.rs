//! The agents a run can test, and the command each one is in a sample.
//!
//! - `jig` (the default): jig itself, `jig exec --json` with the run's model;
//!   the model `reference` is each task's reference script and `bad:NAME`
//!   one of its bad scripts (`scripted:` models).
//! - `oracle`: the task's `solution/solve.sh`.
//! - `nop`: nothing at all; every task must then fail.
//! - `cmd:COMMAND`: any other CLI agent, run with `sh -c` and the
//!   instruction on standard input, graded by the same verifier.

use std::path::PathBuf;

use crate::task::Task;

/// The agent under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    /// jig with a model spec, `reference` or `bad:NAME`.
    Jig {
        /// The `--model` given (`scripted:…`, `openai:…`, `reference`, `bad:NAME`).
        model: String,
    },
    /// The task's own solution script.
    Oracle,
    /// Does nothing.
    Nop,
    /// Another CLI agent: a shell command given the instruction on stdin.
    Cmd(String),
}

impl Agent {
    /// Reads `--agent` (`jig`, `oracle`, `nop`, `cmd:…`) with `--model`.
    pub fn parse(agent: &str, model: Option<&str>) -> Result<Agent, String> {
        let model_for_jig = || model.unwrap_or("reference").to_owned();
        let no_model = |name: &str| match model {
            Some(m) => Err(format!(
                "--model {m} applies to --agent jig only, not to --agent {name}"
            )),
            None => Ok(()),
        };
        match agent {
            "jig" => Ok(Agent::Jig { model: model_for_jig() }),
            "oracle" => no_model("oracle").map(|()| Agent::Oracle),
            "nop" => no_model("nop").map(|()| Agent::Nop),
            _ => match agent.strip_prefix("cmd:") {
                Some(command) if !command.trim().is_empty() => no_model("cmd").map(|()| Agent::Cmd(command.to_owned())),
                Some(_) => Err("--agent cmd: needs a command after the colon, e.g. cmd:'codex exec -'".into()),
                None => Err(format!(
                    "unknown agent {agent:?}: use jig, oracle, nop or cmd:'COMMAND'"
                )),
            },
        }
    }

    /// The name stored with the run (`jig`, `oracle`, `nop`, `cmd:…`).
    pub fn name(&self) -> String {
        match self {
            Agent::Jig { .. } => "jig".into(),
            Agent::Oracle => "oracle".into(),
            Agent::Nop => "nop".into(),
            Agent::Cmd(command) => format!("cmd:{command}"),
        }
    }

    /// The model stored with the run (`-` for agents without one).
    pub fn model(&self) -> String {
        match self {
            Agent::Jig { model } => model.clone(),
            _ => "-".into(),
        }
    }

    /// Whether the agent has anything to run on `task`: `bad:NAME` only
    /// where the task declares that bad script, `reference` only where it
    /// has a reference script; every other agent everywhere.
    pub fn applies_to(&self, task: &Task) -> bool {
        match self {
            Agent::Jig { model } if model == "reference" => task.config.jig.reference_script.is_some(),
            Agent::Jig { model } => model
                .strip_prefix("bad:")
                .is_none_or(|name| task.config.jig.bad_scripts.contains_key(name)),
            _ => true,
        }
    }

    /// Whether the agent records a jig rollout that traits are graded from.
    pub fn records_rollout(&self) -> bool {
        matches!(self, Agent::Jig { .. })
    }
}

/// The `--model` spec jig gets for `task`: `reference` and `bad:NAME`
/// become the task's scripts; anything else is passed as given.
pub(crate) fn model_spec(model: &str, task: &Task) -> Result<String, String> {
    let script = |path: &PathBuf| format!("scripted:{}", task.dir.join(path).display());
    let jig = &task.config.jig;
    if model == "reference" {
        return jig
            .reference_script
            .as_ref()
            .map(script)
            .ok_or_else(|| format!("task {} has no [jig] reference_script", task.name));
    }
    if let Some(name) = model.strip_prefix("bad:") {
        return jig.bad_scripts.get(name).map(|bad| script(&bad.script)).ok_or_else(|| {
            format!(
                "task {} has no bad script {name:?} ([jig.bad_scripts.{name}])",
                task.name
            )
        });
    }
    Ok(model.to_owned())
}

/// Whether a jig model needs no network (scripted and local models).
pub(crate) fn offline(spec: &str) -> bool {
    spec.starts_with("scripted:") || spec.starts_with("local:") || spec.starts_with("replay:")
}

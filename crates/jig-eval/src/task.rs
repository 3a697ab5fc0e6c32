//! A task directory in Harbor's format, read and checked in one call.
//!
//! The layout and `task.toml` fields follow Harbor itself, checked against
//! `src/harbor/models/task/{config,paths,task}.py` of Harbor's source (read
//! through the forks `IQuestLab/ModularRSI`, `AlienKevin/sprint` and
//! `LegoX/harbor`, which carry it unchanged at those paths) and the format
//! page `content/docs/tasks/index.mdx` of `laude-institute/harbor-docs`:
//!
//! ```text
//! task.toml           configuration ([task], [metadata], [verifier], [agent],
//!                     [environment], [solution], [[steps]]) and jig's [jig]
//! instruction.md      what the agent is asked (leading canary lines dropped)
//! environment/        the Docker build context: Dockerfile and its files
//! tests/test.sh       the verifier; writes /logs/verifier/reward.{txt,json}
//! solution/solve.sh   optional oracle solution
//! steps/<name>/       multi-step tasks: instruction.md, tests/, solution/
//! ```
//!
//! As in Harbor, a task that declares `[[steps]]` takes each step's
//! instruction from `steps/<name>/instruction.md` and its verifier from
//! `steps/<name>/tests/test.sh`, falling back to the shared `tests/test.sh`;
//! the top-level `instruction.md` is then optional.
//!
//! Invariant: [`Task::load`] either returns a task whose required files exist
//! and whose timeouts are positive, or one [`TaskError`] naming the file and
//! what to do. Unknown `task.toml` keys never fail a load, except inside a
//! `[jig.bad_scripts.NAME]` table, whose every key decides what the script
//! is held to; the rest are kept in [`Task::unknown_keys`] so a typo shows
//! up as a warning. A [`Suite`] keeps a task that fails to load as that
//! task's error and loads the rest.

mod config;
mod reward;
mod suite;

use std::path::{Path, PathBuf};

pub use config::{
    AgentConfig, Author, BadScript, DEFAULT_TIMEOUT_SEC, EnvironmentConfig, JigConfig, McpServer, MinReward,
    NetworkMode, PackageInfo, RewardStrategy, SolutionConfig, StepConfig, TaskConfig, TaskLimits, User, VerifierConfig,
};
pub use reward::{Reward, RewardError, read_reward};
pub use suite::{Suite, SuiteEntry, SuiteError};

use crate::dockerfile::{self, DockerfileError, Environment, Plan};
use crate::traits::TraitName;

/// A loaded, checked task.
#[derive(Debug, Clone)]
pub struct Task {
    /// The task directory.
    pub dir: PathBuf,
    /// `[task].name`, or the directory's name when the table is absent.
    pub name: String,
    /// The parsed `task.toml`.
    pub config: TaskConfig,
    /// `task.toml` keys this version does not know, dotted (`environment.cpuz`), sorted.
    pub unknown_keys: Vec<String>,
    /// The text of `instruction.md`, canary lines removed; empty for a
    /// multi-step task without one.
    pub instruction: String,
    /// `environment/`, the Docker build context.
    pub environment_dir: PathBuf,
    /// `environment/Dockerfile`, when present.
    pub dockerfile: Option<PathBuf>,
    /// What the Dockerfile asks for; `None` when the environment is a
    /// prebuilt image or a compose file, which only a container runner runs.
    pub plan: Option<Plan>,
    /// `tests/test.sh`; `None` only in a multi-step task whose every step has
    /// its own.
    pub test_script: Option<PathBuf>,
    /// `solution/solve.sh`, when present.
    pub solve_script: Option<PathBuf>,
    /// `steps/`, when present.
    pub steps_dir: Option<PathBuf>,
    /// The steps declared by `[[steps]]`, in order.
    pub steps: Vec<Step>,
}

/// One step of a multi-step task, with its files resolved.
#[derive(Debug, Clone)]
pub struct Step {
    /// The step's name (its directory under `steps/`).
    pub name: String,
    /// `steps/<name>/instruction.md`, canary lines removed.
    pub instruction: String,
    /// The step's verifier: its own `tests/test.sh` or the task's.
    pub test_script: PathBuf,
    /// `steps/<name>/solution/solve.sh`, when present.
    pub solve_script: Option<PathBuf>,
}

/// Why a task directory is not a usable task.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The path is not a directory.
    #[error("{} is not a directory; a task is a directory holding task.toml", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// `task.toml` is absent.
    #[error("{} is missing; every task directory needs a task.toml", path.display())]
    MissingConfig {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `task.toml` is not valid TOML or has a value of the wrong type.
    #[error("{}:{line}:{column}: {message}; fix task.toml", path.display())]
    MalformedConfig {
        /// `task.toml`.
        path: PathBuf,
        /// 1-based line of the error (0 when toml gives no position).
        line: usize,
        /// 1-based column of the error (0 when toml gives no position).
        column: usize,
        /// toml's description.
        message: String,
    },
    /// A timeout is zero, negative, or not finite.
    #[error(
        "{}: {key} = {value} is not a positive number of seconds; set it above 0 or remove it for Harbor's default",
        path.display()
    )]
    BadTimeout {
        /// `task.toml`.
        path: PathBuf,
        /// The dotted key (`verifier.timeout_sec`, `steps.fix.agent.timeout_sec`).
        key: String,
        /// The value found.
        value: f64,
    },
    /// `instruction.md` is absent.
    #[error("{} is missing; write what the agent is asked to do there", path.display())]
    MissingInstruction {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `tests/test.sh` is absent.
    #[error(
        "{} is missing; add the verifier, which writes /logs/verifier/reward.txt or reward.json",
        path.display()
    )]
    MissingTests {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `environment/` is absent.
    #[error("{} is missing; it is the Docker build context and holds the Dockerfile", path.display())]
    MissingEnvironment {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// Neither a Dockerfile, a compose file, nor a prebuilt image is given.
    #[error(
        "{} is missing and environment.docker_image is unset; add a Dockerfile or name a prebuilt image",
        path.display()
    )]
    MissingDockerfile {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The Dockerfile is malformed or unreadable.
    #[error("{}: {source}", path.display())]
    Dockerfile {
        /// The Dockerfile.
        path: PathBuf,
        /// What is wrong with it.
        source: DockerfileError,
    },
    /// A `[[steps]]` name is not a plain directory name.
    #[error("step name `{name}` must be a plain directory name under steps/ (no `/`, `.` or `..`)")]
    BadStepName {
        /// The name found.
        name: String,
    },
    /// A declared step has no directory or no instruction.
    #[error("{} is missing; [[steps]] declares step `{step}`", path.display())]
    MissingStep {
        /// The step.
        step: String,
        /// The missing directory or file.
        path: PathBuf,
    },
    /// A file named in `[jig]` does not exist.
    #[error("{} (from jig.{key}) does not exist; fix the path, which is relative to the task directory", path.display())]
    MissingJigFile {
        /// The dotted key (`reference_script`, `bad_scripts.skips_tests.script`).
        key: String,
        /// The resolved path.
        path: PathBuf,
    },
    /// `[jig].graders` names a trait jig does not grade.
    #[error("{}: jig.graders names `{name}`, which is not a trait; use one of {known}", path.display())]
    UnknownGrader {
        /// The task's `task.toml`.
        path: PathBuf,
        /// The name given.
        name: String,
        /// The trait names there are.
        known: String,
    },
    /// `[jig.user]` cannot be used, or an interview trait is graded without it.
    #[error("{}: {problem}", path.display())]
    BadUser {
        /// The task's `task.toml`.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A `[jig.bad_scripts.NAME]` table does not say clearly how its script is bad.
    #[error("{}: jig.{key}: {problem}", path.display())]
    BadScript {
        /// The task's `task.toml`.
        path: PathBuf,
        /// The script's key (`bad_scripts.skips_tests`).
        key: String,
        /// What is wrong with it.
        problem: BadScriptProblem,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What is wrong with a `[jig.bad_scripts.NAME]` table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BadScriptProblem {
    /// A key jig does not know, which would silently hold the script to nothing.
    #[error("`{0}` is not a bad-script setting; use `script`, `breaks` and `reward`")]
    UnknownKey(String),
    /// `breaks` names something that is not a trait.
    #[error("breaks names `{name}`, which is not a trait; use one of {known}")]
    NotATrait {
        /// The name given.
        name: String,
        /// The trait names there are.
        known: String,
    },
    /// `breaks` names a trait the task does not grade, so nothing would
    /// check that the script breaks it.
    #[error("breaks names `{0}`, which jig.graders does not list; add it to graders or drop it from breaks")]
    NotGraded(String),
    /// `reward` is not a finite number.
    #[error("reward = {0} is not a finite number; give the reward the verifier must write")]
    RewardNotFinite(f64),
    /// It breaks no trait and keeps the default reward, so nothing tells it
    /// from a good run.
    #[error(
        "it breaks no trait and keeps the default reward 1, so it is not bad; list the traits it breaks in `breaks` or set the `reward` it gets"
    )]
    BreaksNothing,
}

impl Task {
    /// Reads and checks the task directory `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Task, TaskError> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(TaskError::NotADirectory { path: dir.to_owned() });
        }
        let config_path = dir.join("task.toml");
        let text = read_required(&config_path, |path| TaskError::MissingConfig { path })?;
        let (config, unknown_keys) = parse_config(&config_path, &text)?;
        check_timeouts(&config_path, &config)?;

        let name = match &config.task {
            Some(package) => package.name.clone(),
            None => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let shared_tests = file_if_present(dir.join("tests").join("test.sh"));
        let steps = load_steps(dir, &config, shared_tests.as_deref())?;
        let instruction_path = dir.join("instruction.md");
        let instruction = if steps.is_empty() || instruction_path.exists() {
            strip_canary(&read_required(&instruction_path, |path| {
                TaskError::MissingInstruction { path }
            })?)
        } else {
            String::new()
        };
        if steps.is_empty() && shared_tests.is_none() {
            return Err(TaskError::MissingTests {
                path: dir.join("tests").join("test.sh"),
            });
        }
        let environment_dir = dir.join("environment");
        if !environment_dir.is_dir() {
            return Err(TaskError::MissingEnvironment { path: environment_dir });
        }
        let (dockerfile, plan) = environment_plan(&environment_dir, &config)?;
        check_jig(dir, &config.jig, !config.steps.is_empty(), &unknown_keys)?;
        let steps_dir = dir.join("steps");

        Ok(Task {
            dir: dir.to_owned(),
            name,
            unknown_keys,
            instruction,
            environment_dir,
            dockerfile,
            plan,
            test_script: shared_tests,
            solve_script: file_if_present(dir.join("solution").join("solve.sh")),
            steps_dir: steps_dir.is_dir().then_some(steps_dir),
            steps,
            config,
        })
    }

    /// The environment a container-free runner can set up, if the
    /// Dockerfile stays within the honoured subset.
    pub fn local_environment(&self) -> Option<&Environment> {
        match &self.plan {
            Some(Plan::Local(environment)) => Some(environment),
            Some(Plan::NeedsContainer(_)) | None => None,
        }
    }

    /// One warning line per unknown `task.toml` key.
    pub fn warnings(&self) -> Vec<String> {
        self.unknown_keys
            .iter()
            .map(|key| {
                format!(
                    "warning: {}: unknown key `{key}` is ignored; check its spelling",
                    self.dir.join("task.toml").display()
                )
            })
            .collect()
    }
}

/// Parses `task.toml`, collecting the keys no field took.
fn parse_config(path: &Path, text: &str) -> Result<(TaskConfig, Vec<String>), TaskError> {
    let malformed = |error: toml::de::Error| {
        let (line, column) = error.span().map(|span| line_column(text, span.start)).unwrap_or((0, 0));
        TaskError::MalformedConfig {
            path: path.to_owned(),
            line,
            column,
            message: error.message().trim().to_owned(),
        }
    };
    let deserializer = toml::Deserializer::parse(text).map_err(malformed)?;
    let mut unknown = Vec::new();
    let config = serde_ignored::deserialize(deserializer, |key| unknown.push(key.to_string())).map_err(malformed)?;
    unknown.sort();
    Ok((config, unknown))
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

fn check_timeouts(path: &Path, config: &TaskConfig) -> Result<(), TaskError> {
    let mut timeouts = vec![
        ("verifier.timeout_sec".to_owned(), Some(config.verifier.timeout_sec)),
        ("agent.timeout_sec".to_owned(), config.agent.timeout_sec),
        (
            "environment.build_timeout_sec".to_owned(),
            Some(config.environment.build_timeout_sec),
        ),
    ];
    for step in &config.steps {
        let prefix = format!("steps.{}", step.name);
        timeouts.push((
            format!("{prefix}.verifier.timeout_sec"),
            Some(step.verifier.timeout_sec),
        ));
        timeouts.push((format!("{prefix}.agent.timeout_sec"), step.agent.timeout_sec));
    }
    for (key, value) in timeouts {
        if let Some(value) = value
            && !(value.is_finite() && value > 0.0)
        {
            return Err(TaskError::BadTimeout {
                path: path.to_owned(),
                key,
                value,
            });
        }
    }
    Ok(())
}

fn load_steps(dir: &Path, config: &TaskConfig, shared_tests: Option<&Path>) -> Result<Vec<Step>, TaskError> {
    let mut steps = Vec::with_capacity(config.steps.len());
    for step in &config.steps {
        let plain = Path::new(&step.name).components().count() == 1
            && !matches!(step.name.as_str(), "" | "." | "..")
            && !step.name.contains(['/', '\\']);
        if !plain {
            return Err(TaskError::BadStepName {
                name: step.name.clone(),
            });
        }
        let step_dir = dir.join("steps").join(&step.name);
        let missing = |path: PathBuf| TaskError::MissingStep {
            step: step.name.clone(),
            path,
        };
        if !step_dir.is_dir() {
            return Err(missing(step_dir));
        }
        let instruction = read_required(&step_dir.join("instruction.md"), missing)?;
        let own_tests = file_if_present(step_dir.join("tests").join("test.sh"));
        let Some(test_script) = own_tests.or_else(|| shared_tests.map(Path::to_owned)) else {
            return Err(TaskError::MissingTests {
                path: step_dir.join("tests").join("test.sh"),
            });
        };
        steps.push(Step {
            name: step.name.clone(),
            instruction: strip_canary(&instruction),
            test_script,
            solve_script: file_if_present(step_dir.join("solution").join("solve.sh")),
        });
    }
    Ok(steps)
}

/// The Dockerfile and what it asks for; a compose file or a prebuilt image
/// leaves the plan to a container runner.
fn environment_plan(environment_dir: &Path, config: &TaskConfig) -> Result<(Option<PathBuf>, Option<Plan>), TaskError> {
    let dockerfile = file_if_present(environment_dir.join("Dockerfile"));
    let compose = ["docker-compose.yaml", "docker-compose.yml"]
        .iter()
        .any(|name| environment_dir.join(name).is_file());
    match &dockerfile {
        Some(path) if !compose => {
            let plan = dockerfile::read(path).map_err(|source| TaskError::Dockerfile {
                path: path.clone(),
                source,
            })?;
            Ok((dockerfile, Some(plan)))
        }
        _ if compose || config.environment.docker_image.is_some() => Ok((dockerfile, None)),
        _ => Err(TaskError::MissingDockerfile {
            path: environment_dir.join("Dockerfile"),
        }),
    }
}

/// Checks `[jig]`: graders and bad scripts name real traits, bad scripts
/// say how they are bad, and every script named exists.
fn check_jig(dir: &Path, jig: &JigConfig, has_steps: bool, unknown_keys: &[String]) -> Result<(), TaskError> {
    let config_path = dir.join("task.toml");
    if let Some(name) = jig.graders.iter().find(|name| !is_trait(name)) {
        return Err(TaskError::UnknownGrader {
            path: config_path,
            name: name.clone(),
            known: trait_names(),
        });
    }
    let user_problem = match &jig.user {
        Some(_) if has_steps => {
            Some("[jig.user] talks to one session; a task with [[steps]] cannot have a simulated user".into())
        }
        Some(user) => user.problem(),
        None => jig
            .graders
            .iter()
            .find(|name| TraitName::INTERVIEW.iter().any(|t| t.as_str() == name.as_str()))
            .map(|name| format!("jig.graders names `{name}`, which needs a simulated user; add a [jig.user] table")),
    };
    if let Some(problem) = user_problem {
        return Err(TaskError::BadUser {
            path: config_path,
            problem,
        });
    }
    for (name, bad) in &jig.bad_scripts {
        if let Some(problem) = bad_script_problem(name, bad, jig, unknown_keys) {
            return Err(TaskError::BadScript {
                path: config_path,
                key: format!("bad_scripts.{name}"),
                problem,
            });
        }
    }
    let named = jig
        .reference_script
        .iter()
        .map(|path| ("reference_script".to_owned(), path))
        .chain(
            jig.bad_scripts
                .iter()
                .map(|(name, bad)| (format!("bad_scripts.{name}.script"), &bad.script)),
        );
    for (key, path) in named {
        let path = dir.join(path);
        if !path.is_file() {
            return Err(TaskError::MissingJigFile { key, path });
        }
    }
    Ok(())
}

/// The first thing wrong with bad script `name`, if any.
fn bad_script_problem(
    name: &str,
    bad: &BadScript,
    jig: &JigConfig,
    unknown_keys: &[String],
) -> Option<BadScriptProblem> {
    let prefix = format!("jig.bad_scripts.{name}.");
    if let Some(key) = unknown_keys.iter().find_map(|key| key.strip_prefix(&prefix)) {
        return Some(BadScriptProblem::UnknownKey(key.to_owned()));
    }
    if let Some(name) = bad.breaks.iter().find(|name| !is_trait(name)) {
        return Some(BadScriptProblem::NotATrait {
            name: name.clone(),
            known: trait_names(),
        });
    }
    if let Some(name) = bad.breaks.iter().find(|name| !jig.graders.contains(name)) {
        return Some(BadScriptProblem::NotGraded(name.clone()));
    }
    if !bad.reward.is_finite() {
        return Some(BadScriptProblem::RewardNotFinite(bad.reward));
    }
    (bad.breaks.is_empty() && bad.reward == 1.0).then_some(BadScriptProblem::BreaksNothing)
}

fn is_trait(name: &str) -> bool {
    TraitName::ALL.iter().any(|t| t.as_str() == name)
}

/// Every trait name, for error messages.
fn trait_names() -> String {
    TraitName::ALL.map(TraitName::as_str).join(", ")
}

/// Reads `path`, turning "not found" into the caller's error.
fn read_required(path: &Path, missing: impl FnOnce(PathBuf) -> TaskError) -> Result<String, TaskError> {
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => missing(path.to_owned()),
        _ => TaskError::Io {
            path: path.to_owned(),
            source,
        },
    })
}

fn file_if_present(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

/// Drops the leading canary lines (`# … canary …` or `<!-- … canary … -->`)
/// and the blank lines after them: they guard against training-set
/// contamination and are not for the agent, so Harbor removes them too.
fn strip_canary(text: &str) -> String {
    let is_canary = |line: &str| {
        let line = line.trim();
        let lower = line.to_ascii_lowercase();
        lower.contains("canary") && (line.starts_with('#') || (line.starts_with("<!--") && line.ends_with("-->")))
    };
    let mut lines = text.split('\n').peekable();
    while lines.next_if(|line| is_canary(line)).is_some() {}
    while lines.next_if(|line| line.trim().is_empty()).is_some() {}
    lines.collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_lines_are_dropped() {
        let text = "# BENCHMARK DATA. canary GUID 1234\n<!-- canary -->\n\nFix the bug.\n# not canary? stays\n";
        assert_eq!(strip_canary(text), "Fix the bug.\n# not canary? stays\n");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncdé=x", 8), (2, 5));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}

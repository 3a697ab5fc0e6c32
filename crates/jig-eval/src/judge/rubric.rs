//! Rubrics: the criteria a judge scores, each with a description and an
//! integer scale. A task gives its own in `[jig] rubric` — one sentence
//! (a single `task_rubric` criterion on 1–5) or `[[jig.rubric]]` tables —
//! and a suite may give criteria every task shares in `suite.toml` beside
//! its task directories (`[[rubric]]`). A task's rubric is the suite's
//! criteria, then its own; with neither, [`Rubric::default_criteria`].
//!
//! Invariant: a rubric that loads is one a judge can answer: at least one
//! criterion, names unique and made of `[a-z0-9_]` (they become JSON keys
//! in the answer's schema), every scale `min < max`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file beside a suite's task directories that holds shared criteria.
pub const SUITE_FILE: &str = "suite.toml";

/// The name of the criterion a one-sentence `[jig] rubric` becomes.
pub const TASK_RUBRIC: &str = "task_rubric";

/// Criteria a judge scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rubric {
    /// The criteria, in the order they are asked and reported.
    pub criteria: Vec<Criterion>,
}

/// One criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// A short snake_case name.
    pub name: String,
    /// What the judge looks for, for the judge.
    pub description: String,
    /// The lowest and highest score, `[min, max]` (default `[1, 5]`).
    #[serde(default = "default_scale")]
    pub scale: [i64; 2],
}

fn default_scale() -> [i64; 2] {
    [1, 5]
}

impl Criterion {
    /// The lowest score.
    pub fn min(&self) -> i64 {
        self.scale[0]
    }

    /// The highest score.
    pub fn max(&self) -> i64 {
        self.scale[1]
    }
}

/// `[jig] rubric` as written: a sentence or a list of criteria.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RubricSpec {
    /// One sentence: the `task_rubric` criterion on 1–5.
    Text(String),
    /// `[[jig.rubric]]` tables.
    Criteria(Vec<Criterion>),
}

impl RubricSpec {
    /// The criteria this spec stands for.
    pub fn criteria(&self) -> Vec<Criterion> {
        match self {
            RubricSpec::Text(text) => vec![Criterion {
                name: TASK_RUBRIC.into(),
                description: text.clone(),
                scale: default_scale(),
            }],
            RubricSpec::Criteria(criteria) => criteria.clone(),
        }
    }
}

/// `suite.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    #[serde(default)]
    rubric: Vec<Criterion>,
}

/// Why a rubric cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    /// `suite.toml` could not be read or parsed.
    #[error("cannot read the suite's rubric {}: {reason}", path.display())]
    SuiteFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A criterion is not usable.
    #[error("rubric criterion `{name}`: {why}; fix it in the task's [jig] rubric or the suite's suite.toml")]
    Criterion {
        /// The criterion's name.
        name: String,
        /// What is wrong.
        why: String,
    },
}

impl Rubric {
    /// The criteria used when neither the task nor its suite gives any.
    pub fn default_criteria() -> Vec<Criterion> {
        let criterion = |name: &str, description: &str| Criterion {
            name: name.into(),
            description: description.into(),
            scale: default_scale(),
        };
        vec![
            criterion(
                "solves_the_task",
                "The final workspace does what the instruction asks, and only that; the verifier's result is evidence, not the whole answer.",
            ),
            criterion(
                "process",
                "The agent gathered the context it needed before editing, kept a plan where the work had several steps, and checked its work after the last edit.",
            ),
            criterion(
                "communication",
                "The agent said what it was about to do before acting and ended with an accurate summary; it claims nothing the trajectory does not show.",
            ),
        ]
    }

    /// The rubric for the task in `task_dir` with `[jig] rubric` `own`: the
    /// suite's criteria (from `suite.toml` in the task directory's parent),
    /// then the task's; the default criteria when both are empty.
    pub fn for_task(task_dir: &Path, own: Option<&RubricSpec>) -> Result<Rubric, RubricError> {
        let mut criteria = match task_dir.parent() {
            Some(suite) => suite_criteria(&suite.join(SUITE_FILE))?,
            None => Vec::new(),
        };
        criteria.extend(own.map(RubricSpec::criteria).unwrap_or_default());
        if criteria.is_empty() {
            criteria = Rubric::default_criteria();
        }
        let rubric = Rubric { criteria };
        rubric.check()?;
        Ok(rubric)
    }

    /// Checks the invariant in the module doc.
    pub fn check(&self) -> Result<(), RubricError> {
        let mut seen = HashSet::new();
        for criterion in &self.criteria {
            let bad = |why: &str| RubricError::Criterion {
                name: criterion.name.clone(),
                why: why.into(),
            };
            if criterion.name.is_empty()
                || !criterion
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(bad("a name is snake_case: lower-case letters, digits and _"));
            }
            if !seen.insert(criterion.name.as_str()) {
                return Err(bad(
                    "the name is given twice (a suite's and a task's criteria share one namespace)",
                ));
            }
            if criterion.min() >= criterion.max() {
                return Err(bad("the scale's first number (lowest score) must be below its second"));
            }
            if criterion.description.trim().is_empty() {
                return Err(bad("the description is empty; say what the judge should look for"));
            }
        }
        Ok(())
    }
}

/// The criteria of a `suite.toml`; none when the file does not exist.
fn suite_criteria(path: &Path) -> Result<Vec<Criterion>, RubricError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(RubricError::SuiteFile {
                path: path.to_owned(),
                reason: error.to_string(),
            });
        }
    };
    let file: SuiteFile = toml::from_str(&text).map_err(|error| RubricError::SuiteFile {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    Ok(file.rubric)
}

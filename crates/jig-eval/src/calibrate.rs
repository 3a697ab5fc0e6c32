//! How far a judge agrees with people: human labels (a score per sample
//! and criterion) against the judge's, as exact-agreement accuracy, Cohen's
//! kappa (agreement beyond what the two label distributions give by
//! chance), a confusion matrix, and the disagreements with the judge's
//! rationale — overall and per criterion.
//!
//! The labels file is JSON Lines, one label per line:
//! `{"run": RUN, "task": TASK, "sample": N, "criterion": C, "label": L}`
//! for a sample of a stored run, or `{"rollout": PATH, "criterion": C,
//! "label": L}` (optionally `"task_dir"`, for the task's instruction and
//! rubric) for any recorded session; `"judge_label"` and
//! `"judge_rationale"` may carry a judge's answer given elsewhere.
//!
//! Kappa is `(p_o − p_e) / (1 − p_e)` with `p_o` the observed agreement and
//! `p_e` the agreement expected from each rater's label frequencies; when
//! `p_e` is 1 (both raters gave one and the same label throughout) it is
//! undefined and reported as `None`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One line of a labels file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// A run id or unique prefix (with `task` and `sample`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The task's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The sample's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<u32>,
    /// A session's rollout file, instead of a run's sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<PathBuf>,
    /// The task directory a rollout was recorded on (its instruction and rubric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_dir: Option<PathBuf>,
    /// The rubric criterion labelled.
    pub criterion: String,
    /// The person's score.
    pub label: i64,
    /// A judge's score given elsewhere, used when no judge is run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_label: Option<i64>,
    /// That judge's rationale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_rationale: Option<String>,
}

/// What a label is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A stored run's sample.
    Sample {
        /// The run (as written in the file).
        run: String,
        /// The task.
        task: String,
        /// The sample's index.
        index: u32,
    },
    /// A rollout file.
    Rollout(PathBuf),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Sample { run, task, index } => write!(f, "{run}/{task}#{index}"),
            Subject::Rollout(path) => write!(f, "{}", path.display()),
        }
    }
}

impl Label {
    /// What the label is about; a line naming neither a sample nor a
    /// rollout (or both) is an error saying which.
    pub fn subject(&self) -> Result<Subject, String> {
        match (&self.run, &self.task, self.sample, &self.rollout) {
            (Some(run), Some(task), Some(index), None) => Ok(Subject::Sample {
                run: run.clone(),
                task: task.clone(),
                index,
            }),
            (None, None, None, Some(path)) => Ok(Subject::Rollout(path.clone())),
            (None, _, None, Some(path)) => Ok(Subject::Rollout(path.clone())),
            _ => Err(
                "a label names either a run's sample (`run`, `task`, `sample`) or a `rollout`, not both or neither"
                    .into(),
            ),
        }
    }
}

/// Why a labels file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    /// The file could not be read.
    #[error("cannot read the labels file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not a label.
    #[error("{}:{line}: {why}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The file holds no label.
    #[error("{} holds no label; each line is a JSON object with `criterion` and `label`", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a labels file; blank lines are skipped. Rollout paths are taken
/// relative to the file's directory.
pub fn read_labels(path: &Path) -> Result<Vec<Label>, LabelsError> {
    let text = std::fs::read_to_string(path).map_err(|source| LabelsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut labels = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| LabelsError::Line {
            path: path.to_owned(),
            line: i + 1,
            why,
        };
        let mut label: Label = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        label.subject().map_err(bad)?;
        label.rollout = label.rollout.map(|p| base.join(p));
        label.task_dir = label.task_dir.map(|p| base.join(p));
        labels.push(label);
    }
    if labels.is_empty() {
        return Err(LabelsError::Empty { path: path.to_owned() });
    }
    Ok(labels)
}

/// A person's and a judge's score of one subject on one criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// What was scored, for a person.
    pub subject: String,
    /// The criterion.
    pub criterion: String,
    /// The person's score.
    pub human: i64,
    /// The judge's score.
    pub judge: i64,
    /// The judge's rationale, when known.
    pub rationale: Option<String>,
}

/// Agreement over a set of pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Pairs compared.
    pub pairs: u64,
    /// Share of pairs with the same score.
    pub accuracy: f64,
    /// Cohen's kappa; `None` when undefined (see the module doc).
    pub kappa: Option<f64>,
    /// The confusion matrix.
    pub confusion: Confusion,
}

/// Counts of (human, judge) scores: `counts[i][j]` is how often the person
/// said `labels[i]` and the judge `labels[j]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// Every score either gave, ascending.
    pub labels: Vec<i64>,
    /// Rows are the person's scores, columns the judge's.
    pub counts: Vec<Vec<u64>>,
}

/// A calibration report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Over every pair.
    pub overall: Agreement,
    /// Per criterion, by name.
    pub per_criterion: Vec<(String, Agreement)>,
    /// The pairs where the two disagree.
    pub disagreements: Vec<Pair>,
    /// Labels that could not be compared (no judge score), with why.
    pub skipped: Vec<String>,
}

/// Agreement over `pairs`; `None` when there are none.
pub fn agreement(pairs: &[&Pair]) -> Option<Agreement> {
    if pairs.is_empty() {
        return None;
    }
    let labels: Vec<i64> = pairs
        .iter()
        .flat_map(|p| [p.human, p.judge])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let at = |label: i64| labels.iter().position(|l| *l == label).unwrap_or(0);
    let mut counts = vec![vec![0u64; labels.len()]; labels.len()];
    for pair in pairs {
        counts[at(pair.human)][at(pair.judge)] += 1;
    }
    let n = pairs.len() as f64;
    let agreed: u64 = (0..labels.len()).map(|i| counts[i][i]).sum();
    let observed = agreed as f64 / n;
    let expected: f64 = (0..labels.len())
        .map(|i| {
            let human: u64 = counts[i].iter().sum();
            let judge: u64 = counts.iter().map(|row| row[i]).sum();
            (human as f64 / n) * (judge as f64 / n)
        })
        .sum();
    let kappa = (expected < 1.0 - 1e-12).then(|| (observed - expected) / (1.0 - expected));
    Some(Agreement {
        pairs: pairs.len() as u64,
        accuracy: observed,
        kappa,
        confusion: Confusion { labels, counts },
    })
}

/// The calibration report over `pairs`, with `skipped` labels listed.
pub fn calibrate(pairs: &[Pair], skipped: Vec<String>) -> Option<Calibration> {
    let all: Vec<&Pair> = pairs.iter().collect();
    let overall = agreement(&all)?;
    let criteria: BTreeSet<&str> = pairs.iter().map(|p| p.criterion.as_str()).collect();
    let per_criterion = criteria
        .into_iter()
        .filter_map(|criterion| {
            let these: Vec<&Pair> = pairs.iter().filter(|p| p.criterion == criterion).collect();
            Some((criterion.to_owned(), agreement(&these)?))
        })
        .collect();
    Some(Calibration {
        overall,
        per_criterion,
        disagreements: pairs.iter().filter(|p| p.human != p.judge).cloned().collect(),
        skipped,
    })
}

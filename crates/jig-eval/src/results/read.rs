//! Reading runs and samples back: run lookup by id prefix (as git looks up
//! commits), the samples a `--resume` skips, and the per-sample rows
//! `jig eval show` prints. Reads never write, so they run beside a writer
//! under WAL.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use jig_protocol::TokenUsage;
use rusqlite::types::Type;
use rusqlite::{Row, params};
use serde::Deserialize;

use super::write::sqlite_error;
use super::{Results, ResultsError, Run, RunId, RunSpec, SampleRow, SampleStatus, StoredTrait};
use crate::judge::Judgement;
use crate::task::Reward;
use crate::traits::{Evidence, TraitName};

const RUN_COLUMNS: &str = "id, suites, agent, model, samples_per_task, concurrency, started_at, finished_at, jig_version, filter, judge, user_model";

impl Results {
    /// Every run, oldest first.
    pub fn list_runs(&self) -> Result<Vec<Run>, ResultsError> {
        let mut select = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY started_at, id"))
            .map_err(sqlite_error(&self.path))?;
        let runs = select
            .query_map([], run_from_row)
            .and_then(Iterator::collect)
            .map_err(sqlite_error(&self.path))?;
        Ok(runs)
    }

    /// The run whose id is `prefix` or starts with it; none is
    /// [`ResultsError::UnknownRun`], several [`ResultsError::AmbiguousRun`].
    pub fn run(&self, prefix: &str) -> Result<Run, ResultsError> {
        let unknown = || ResultsError::UnknownRun {
            prefix: prefix.to_owned(),
        };
        if prefix.is_empty() {
            return Err(unknown());
        }
        let mut select = self
            .conn
            .prepare(&format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id"
            ))
            .map_err(sqlite_error(&self.path))?;
        let mut runs: Vec<Run> = select
            .query_map([prefix], run_from_row)
            .and_then(Iterator::collect)
            .map_err(sqlite_error(&self.path))?;
        match runs.len() {
            0 => Err(unknown()),
            1 => Ok(runs.remove(0)),
            _ => Err(ResultsError::AmbiguousRun {
                prefix: prefix.to_owned(),
                matches: runs.into_iter().map(|run| run.id.0).collect(),
            }),
        }
    }

    /// The `(task, sample_index)` pairs recorded for `run`, whatever their
    /// status: what `--resume` must not run again.
    pub fn finished_samples(&self, run: &RunId) -> Result<HashSet<(String, u32)>, ResultsError> {
        let mut select = self
            .conn
            .prepare("SELECT task, sample_index FROM samples WHERE run_id = ?1")
            .map_err(sqlite_error(&self.path))?;
        let finished = select
            .query_map([run.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(sqlite_error(&self.path))?;
        Ok(finished)
    }

    /// The samples of `run`, by task then index, each with its traits.
    pub fn samples(&self, run: &RunId) -> Result<Vec<SampleRow>, ResultsError> {
        let mut traits = self.traits(run)?;
        let mut judgements = self.judgements(run)?;
        let mut select = self
            .conn
            .prepare(
                "SELECT task, sample_index, status, error_reason, container_line, container_text,
                     reward, reward_named, input_tokens, cached_input_tokens, output_tokens, cost_usd,
                     agent_ms, verifier_ms, rollout_path, workspace_diff
                 FROM samples WHERE run_id = ?1 ORDER BY task, sample_index",
            )
            .map_err(sqlite_error(&self.path))?;
        let mut rows: Vec<SampleRow> = select
            .query_map([run.as_str()], sample_from_row)
            .and_then(Iterator::collect)
            .map_err(sqlite_error(&self.path))?;
        for row in &mut rows {
            let key = (row.task.clone(), row.sample_index);
            row.traits = traits.remove(&key).unwrap_or_default();
            row.judgement = judgements.remove(&key);
        }
        Ok(rows)
    }

    /// The judgements of `run`, by sample.
    fn judgements(&self, run: &RunId) -> Result<HashMap<(String, u32), Judgement>, ResultsError> {
        let mut select = self
            .conn
            .prepare("SELECT task, sample_index, body FROM sample_judgements WHERE run_id = ?1")
            .map_err(sqlite_error(&self.path))?;
        let rows = select
            .query_map(params![run.as_str()], |row| {
                let body: String = row.get(2)?;
                let judgement: Judgement = serde_json::from_str(&body)
                    .map_err(|error| rusqlite::Error::FromSqlConversionFailure(2, Type::Text, Box::new(error)))?;
                Ok(((row.get(0)?, row.get(1)?), judgement))
            })
            .and_then(Iterator::collect)
            .map_err(sqlite_error(&self.path))?;
        Ok(rows)
    }

    /// The trait rows of `run`, by sample, each sample's in report order.
    fn traits(&self, run: &RunId) -> Result<HashMap<(String, u32), Vec<StoredTrait>>, ResultsError> {
        let mut select = self
            .conn
            .prepare(
                "SELECT task, sample_index, name, applicable, passed, score, evidence
                 FROM sample_traits WHERE run_id = ?1",
            )
            .map_err(sqlite_error(&self.path))?;
        let rows: Vec<((String, u32), StoredTrait)> = select
            .query_map(params![run.as_str()], |row| {
                let evidence: String = row.get(6)?;
                let evidence: Vec<StoredEvidence> = serde_json::from_str(&evidence)
                    .map_err(|error| rusqlite::Error::FromSqlConversionFailure(6, Type::Text, Box::new(error)))?;
                Ok((
                    (row.get(0)?, row.get(1)?),
                    StoredTrait {
                        name: row.get(2)?,
                        applicable: row.get(3)?,
                        passed: row.get(4)?,
                        score: row.get(5)?,
                        evidence: evidence.into_iter().map(Evidence::from).collect(),
                    },
                ))
            })
            .and_then(Iterator::collect)
            .map_err(sqlite_error(&self.path))?;
        let mut by_sample: HashMap<(String, u32), Vec<StoredTrait>> = HashMap::new();
        for (sample, score) in rows {
            by_sample.entry(sample).or_default().push(score);
        }
        for scores in by_sample.values_mut() {
            scores.sort_by(|a, b| report_order(&a.name).cmp(&report_order(&b.name)));
        }
        Ok(by_sample)
    }
}

/// Where a trait sorts: known traits in [`TraitName::ALL`] order, then any
/// others (from a jig that knows more) by name.
pub(super) fn report_order(name: &str) -> (usize, &str) {
    let known = TraitName::ALL.iter().position(|known| known.as_str() == name);
    (known.unwrap_or(TraitName::ALL.len()), name)
}

/// [`Evidence`] as stored; it only derives `Serialize`.
#[derive(Deserialize)]
struct StoredEvidence {
    record: Option<usize>,
    what: String,
}

impl From<StoredEvidence> for Evidence {
    fn from(stored: StoredEvidence) -> Evidence {
        Evidence {
            record: stored.record,
            what: stored.what,
        }
    }
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<Run> {
    let suites: String = row.get(1)?;
    let suites: Vec<String> = serde_json::from_str(&suites)
        .map_err(|error| rusqlite::Error::FromSqlConversionFailure(1, Type::Text, Box::new(error)))?;
    Ok(Run {
        id: RunId(row.get(0)?),
        spec: RunSpec {
            suites,
            agent: row.get(2)?,
            model: row.get(3)?,
            samples_per_task: row.get(4)?,
            concurrency: row.get(5)?,
            filter: row.get(9)?,
            judge: row.get(10)?,
            user_model: row.get(11)?,
            started_at: row.get(6)?,
            jig_version: row.get(8)?,
        },
        finished_at: row.get(7)?,
    })
}

fn sample_from_row(row: &Row<'_>) -> rusqlite::Result<SampleRow> {
    let status: String = row.get(2)?;
    let status = match status.as_str() {
        "passed" => SampleStatus::Passed,
        "failed" => SampleStatus::Failed,
        "error" => SampleStatus::Error { reason: row.get(3)? },
        "needs_container" => SampleStatus::NeedsContainer {
            line: row.get(4)?,
            text: row.get(5)?,
        },
        // The schema's CHECK admits only the four above.
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                2,
                Type::Text,
                format!("unknown sample status `{other}`").into(),
            ));
        }
    };
    let primary: Option<f64> = row.get(6)?;
    let named: Option<String> = row.get(7)?;
    let reward = match named {
        Some(json) => Some(Reward::Named(
            serde_json::from_str::<BTreeMap<String, f64>>(&json)
                .map_err(|error| rusqlite::Error::FromSqlConversionFailure(7, Type::Text, Box::new(error)))?,
        )),
        None => primary.map(Reward::Single),
    };
    Ok(SampleRow {
        task: row.get(0)?,
        sample_index: row.get(1)?,
        status,
        reward,
        traits: Vec::new(),
        usage: TokenUsage {
            input_tokens: row.get(8)?,
            cached_input_tokens: row.get(9)?,
            output_tokens: row.get(10)?,
        },
        cost_usd: row.get(11)?,
        agent_ms: row.get(12)?,
        verifier_ms: row.get(13)?,
        rollout_path: row.get::<_, Option<String>>(14)?.map(PathBuf::from),
        workspace_diff: row.get(15)?,
        judgement: None,
    })
}

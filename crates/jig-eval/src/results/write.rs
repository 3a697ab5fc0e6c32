//! Writing runs, samples and trait scores. Each write that touches more
//! than one row is one `IMMEDIATE` transaction (the write lock is taken at
//! the start, so two writers queue instead of failing half-way), and any
//! error rolls it back when the transaction is dropped uncommitted.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior, ffi, params};

use super::{Results, ResultsError, RunId, RunSpec, SampleResult, SampleStatus};
use crate::judge::{Judgement, Verdict};
use crate::task::Reward;
use crate::traits::TraitScore;

impl Results {
    /// Stores a new run and returns its id, a fresh UUIDv7.
    pub fn create_run(&mut self, spec: &RunSpec) -> Result<RunId, ResultsError> {
        let id = RunId(uuid::Uuid::now_v7().to_string());
        let suites = serde_json::Value::from(spec.suites.clone()).to_string();
        self.conn
            .execute(
                "INSERT INTO runs (id, suites, agent, model, samples_per_task, concurrency, started_at, jig_version, filter, judge, user_model)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id.as_str(),
                    suites,
                    spec.agent,
                    spec.model,
                    spec.samples_per_task,
                    spec.concurrency,
                    spec.started_at,
                    spec.jig_version,
                    spec.filter,
                    spec.judge,
                    spec.user_model
                ],
            )
            .map_err(sqlite_error(&self.path))?;
        Ok(id)
    }

    /// Marks `run` finished at `finished_at` (RFC 3339). Finishing again
    /// (after a `--resume`) moves the time.
    pub fn finish_run(&mut self, run: &RunId, finished_at: &str) -> Result<(), ResultsError> {
        let changed = self
            .conn
            .execute(
                "UPDATE runs SET finished_at = ?2 WHERE id = ?1",
                params![run.as_str(), finished_at],
            )
            .map_err(sqlite_error(&self.path))?;
        if changed == 0 {
            return Err(ResultsError::UnknownRun {
                prefix: run.to_string(),
            });
        }
        Ok(())
    }

    /// Stores one sample and its traits, all or nothing. A sample already
    /// recorded for `(run, task, sample_index)` is
    /// [`ResultsError::DuplicateSample`]; a value the schema refuses is
    /// [`ResultsError::InvalidSample`]. Either way nothing is written.
    pub fn record_sample(&mut self, run: &RunId, sample: &SampleResult) -> Result<(), ResultsError> {
        let key = SampleKey {
            run,
            task: &sample.task,
            index: sample.sample_index,
        };
        let row = SampleColumns::new(sample).map_err(|why| key.invalid(why))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite_error(&self.path))?;
        insert_sample(&tx, &key, &row).map_err(|error| key.classify(&self.path, Rows::Sample, error))?;
        insert_traits(&tx, &key, &sample.traits).map_err(|error| key.classify(&self.path, Rows::Traits, error))?;
        if let Some(judgement) = &sample.judgement {
            insert_judgement(&tx, &key, judgement).map_err(|error| key.classify(&self.path, Rows::Judgement, error))?;
        }
        tx.commit().map_err(sqlite_error(&self.path))
    }

    /// Replaces a recorded sample's judgement (for `jig eval judge`), all or
    /// nothing.
    pub fn replace_judgement(
        &mut self,
        run: &RunId,
        task: &str,
        sample_index: u32,
        judgement: &Judgement,
    ) -> Result<(), ResultsError> {
        let key = SampleKey {
            run,
            task,
            index: sample_index,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite_error(&self.path))?;
        tx.execute(
            "DELETE FROM sample_judgements WHERE run_id = ?1 AND task = ?2 AND sample_index = ?3",
            params![run.as_str(), task, sample_index],
        )
        .map_err(sqlite_error(&self.path))?;
        insert_judgement(&tx, &key, judgement).map_err(|error| match error {
            rusqlite::Error::SqliteFailure(failure, _)
                if failure.extended_code == ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                ResultsError::UnknownSample {
                    run: run.clone(),
                    task: task.to_owned(),
                    index: sample_index,
                }
            }
            error => key.classify(&self.path, Rows::Judgement, error),
        })?;
        tx.commit().map_err(sqlite_error(&self.path))
    }

    /// Replaces a recorded sample's traits, for `jig eval regrade`; all or
    /// nothing, like [`Results::record_sample`].
    pub fn replace_traits(
        &mut self,
        run: &RunId,
        task: &str,
        sample_index: u32,
        traits: &[TraitScore],
    ) -> Result<(), ResultsError> {
        let key = SampleKey {
            run,
            task,
            index: sample_index,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite_error(&self.path))?;
        let exists = tx
            .query_row(
                "SELECT count(*) FROM samples WHERE run_id = ?1 AND task = ?2 AND sample_index = ?3",
                params![run.as_str(), task, sample_index],
                |row| row.get::<_, i64>(0),
            )
            .map_err(sqlite_error(&self.path))?;
        if exists == 0 {
            return Err(ResultsError::UnknownSample {
                run: run.clone(),
                task: task.to_owned(),
                index: sample_index,
            });
        }
        tx.execute(
            "DELETE FROM sample_traits WHERE run_id = ?1 AND task = ?2 AND sample_index = ?3",
            params![run.as_str(), task, sample_index],
        )
        .map_err(sqlite_error(&self.path))?;
        insert_traits(&tx, &key, traits).map_err(|error| key.classify(&self.path, Rows::Traits, error))?;
        tx.commit().map_err(sqlite_error(&self.path))
    }
}

/// A SQLite error on `path`, for `map_err`.
pub(super) fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> ResultsError + '_ {
    move |source| ResultsError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// Which rows a failed insert was writing, which decides what a key
/// conflict means.
#[derive(Debug, Clone, Copy)]
enum Rows {
    /// The sample's own row: a conflict is the sample recorded twice.
    Sample,
    /// Its trait rows: a conflict is a trait named twice.
    Traits,
    /// Its judgement row.
    Judgement,
}

/// The sample a write is about, for its errors.
struct SampleKey<'a> {
    run: &'a RunId,
    task: &'a str,
    index: u32,
}

impl SampleKey<'_> {
    fn invalid(&self, why: String) -> ResultsError {
        ResultsError::InvalidSample {
            run: self.run.clone(),
            task: self.task.to_owned(),
            index: self.index,
            why,
        }
    }

    /// Turns a constraint failure into what it means for this sample.
    fn classify(&self, path: &Path, rows: Rows, error: rusqlite::Error) -> ResultsError {
        let extended = match &error {
            rusqlite::Error::SqliteFailure(failure, _) => failure.extended_code,
            _ => 0,
        };
        match (extended, rows) {
            (ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE, Rows::Sample) => {
                ResultsError::DuplicateSample {
                    run: self.run.clone(),
                    task: self.task.to_owned(),
                    index: self.index,
                }
            }
            (ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE, Rows::Traits | Rows::Judgement) => {
                self.invalid(format!("a trait is scored twice ({error})"))
            }
            (ffi::SQLITE_CONSTRAINT_FOREIGNKEY, _) => ResultsError::UnknownRun {
                prefix: self.run.to_string(),
            },
            (ffi::SQLITE_CONSTRAINT_CHECK | ffi::SQLITE_CONSTRAINT_NOTNULL, _) => self.invalid(error.to_string()),
            _ => sqlite_error(path)(error),
        }
    }
}

/// A sample's column values, checked for what SQLite would store wrongly.
struct SampleColumns<'a> {
    sample: &'a SampleResult,
    status: &'static str,
    error_reason: Option<&'a str>,
    container_line: Option<usize>,
    container_text: Option<&'a str>,
    reward: Option<f64>,
    reward_named: Option<String>,
    rollout_path: Option<&'a str>,
}

impl<'a> SampleColumns<'a> {
    fn new(sample: &'a SampleResult) -> Result<SampleColumns<'a>, String> {
        let (status, error_reason, container_line, container_text) = match &sample.status {
            SampleStatus::Passed => ("passed", None, None, None),
            SampleStatus::Failed => ("failed", None, None, None),
            SampleStatus::Error { reason } => ("error", Some(reason.as_str()), None, None),
            SampleStatus::NeedsContainer { line, text } => ("needs_container", None, Some(*line), Some(text.as_str())),
        };
        let (reward, reward_named) = match &sample.reward {
            None => (None, None),
            Some(reward) => reward_columns(reward)?,
        };
        if let Some(cost) = sample.cost_usd.filter(|cost| !cost.is_finite()) {
            return Err(format!("cost {cost} is not a finite number"));
        }
        let rollout_path = match &sample.rollout_path {
            None => None,
            Some(path) => Some(
                path.to_str()
                    .ok_or_else(|| format!("rollout path {} is not UTF-8", path.display()))?,
            ),
        };
        Ok(SampleColumns {
            sample,
            status,
            error_reason,
            container_line,
            container_text,
            reward,
            reward_named,
            rollout_path,
        })
    }
}

/// The headline number and, for a named reward, its JSON object. SQLite
/// would store NaN as NULL, so non-finite numbers are refused here.
fn reward_columns(reward: &Reward) -> Result<(Option<f64>, Option<String>), String> {
    let values: Vec<(&str, f64)> = match reward {
        Reward::Single(value) => vec![("reward", *value)],
        Reward::Named(values) => values.iter().map(|(name, value)| (name.as_str(), *value)).collect(),
    };
    if let Some((name, value)) = values.iter().find(|(_, value)| !value.is_finite()) {
        return Err(format!("reward `{name}` is {value}, not a finite number"));
    }
    let named = match reward {
        Reward::Single(_) => None,
        Reward::Named(values) => Some(
            serde_json::Value::Object(
                values
                    .iter()
                    .map(|(name, value)| (name.clone(), serde_json::Value::from(*value)))
                    .collect(),
            )
            .to_string(),
        ),
    };
    Ok((reward.primary(), named))
}

fn insert_sample(conn: &Connection, key: &SampleKey<'_>, row: &SampleColumns<'_>) -> rusqlite::Result<()> {
    let SampleKey { run, task, index } = key;
    conn.execute(
        "INSERT INTO samples (run_id, task, sample_index, status, error_reason, container_line, container_text,
             reward, reward_named, input_tokens, cached_input_tokens, output_tokens, cost_usd,
             agent_ms, verifier_ms, rollout_path, workspace_diff)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            run.as_str(),
            task,
            index,
            row.status,
            row.error_reason,
            row.container_line,
            row.container_text,
            row.reward,
            row.reward_named,
            row.sample.usage.input_tokens,
            row.sample.usage.cached_input_tokens,
            row.sample.usage.output_tokens,
            row.sample.cost_usd,
            row.sample.agent_ms,
            row.sample.verifier_ms,
            row.rollout_path,
            row.sample.workspace_diff
        ],
    )?;
    Ok(())
}

fn insert_traits(conn: &Connection, key: &SampleKey<'_>, traits: &[TraitScore]) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO sample_traits (run_id, task, sample_index, name, applicable, passed, score, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for score in traits {
        let evidence = serde_json::to_string(&score.evidence)
            .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
        insert.execute(params![
            key.run.as_str(),
            key.task,
            key.index,
            score.name.as_str(),
            score.applicable,
            score.passed,
            score.score,
            evidence
        ])?;
    }
    Ok(())
}

fn insert_judgement(conn: &Connection, key: &SampleKey<'_>, judgement: &Judgement) -> rusqlite::Result<()> {
    if let Some(cost) = judgement.cost_usd.filter(|cost| !cost.is_finite()) {
        return Err(rusqlite::Error::ToSqlConversionFailure(
            format!("judge cost {cost} is not a finite number").into(),
        ));
    }
    let status = match judgement.verdict {
        Verdict::Graded { .. } => "graded",
        Verdict::Ungraded { .. } => "ungraded",
    };
    let body =
        serde_json::to_string(judgement).map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    conn.execute(
        "INSERT INTO sample_judgements (run_id, task, sample_index, judge, status, input_tokens, output_tokens, cost_usd, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            key.run.as_str(),
            key.task,
            key.index,
            judgement.judge,
            status,
            judgement.usage.input_tokens,
            judgement.usage.output_tokens,
            judgement.cost_usd,
            body
        ],
    )?;
    Ok(())
}

/// Serialises a reward as `jig eval show --json` prints it: a number, or an
/// object of named numbers.
pub(super) fn serialize_reward<S: serde::Serializer>(
    reward: &Option<Reward>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match reward {
        None => serializer.serialize_none(),
        Some(Reward::Single(value)) => serializer.serialize_f64(*value),
        Some(Reward::Named(values)) => serde::Serialize::serialize(values, serializer),
    }
}

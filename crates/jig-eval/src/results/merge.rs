//! Merging another results database — a shard's, written by `jig eval run
//! --shard i/N` in a pod and shipped back in its archive — into a run of
//! this one, and taking the self-contained copy a shard ships.
//!
//! Invariant: **a sample is merged exactly once.** Only the shard's samples
//! whose `(task, sample_index)` the run does not hold yet are copied, with
//! their traits and judgement, in one `IMMEDIATE` transaction; merging the
//! same shard again (a re-fetched log, a resumed coordinator) adds nothing
//! and overwrites nothing. Rollout paths are rewritten from the shard's
//! work directory to the run's, where the coordinator put the files.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{TransactionBehavior, params};

use super::write::sqlite_error;
use super::{Results, ResultsError, RunId, SCHEMA_VERSION};

/// A shard's sample not yet in the run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unmerged {
    /// The task.
    pub task: String,
    /// The sample index.
    pub sample_index: u32,
    /// Its rollout path as the shard recorded it.
    pub rollout_path: Option<String>,
}

const NEW_KEYS: &str = "SELECT s.task, s.sample_index, s.rollout_path FROM shard.samples s
     WHERE NOT EXISTS (SELECT 1 FROM main.samples m
                       WHERE m.run_id = ?1 AND m.task = s.task AND m.sample_index = s.sample_index)";

impl Results {
    /// Writes a self-contained copy of the database to `to` (`VACUUM
    /// INTO`: no WAL beside it), for a shard's archive.
    pub fn snapshot(&self, to: &Path) -> Result<(), ResultsError> {
        let to = to.to_string_lossy().into_owned();
        self.conn
            .execute("VACUUM INTO ?1", params![to])
            .map_err(sqlite_error(&self.path))?;
        Ok(())
    }

    /// The samples of the shard database at `shard_db` that `run` does
    /// not hold yet.
    pub fn unmerged(&mut self, run: &RunId, shard_db: &Path) -> Result<Vec<Unmerged>, ResultsError> {
        self.with_shard(shard_db, |results| {
            let mut stmt = results.conn.prepare(NEW_KEYS).map_err(sqlite_error(&results.path))?;
            let rows = stmt
                .query_map(params![run.as_str()], |row| {
                    Ok(Unmerged {
                        task: row.get(0)?,
                        sample_index: row.get(1)?,
                        rollout_path: row.get(2)?,
                    })
                })
                .map_err(sqlite_error(&results.path))?;
            let set: BTreeSet<Unmerged> = rows.collect::<Result<_, _>>().map_err(sqlite_error(&results.path))?;
            Ok(set.into_iter().collect())
        })
    }

    /// Copies the shard's samples that `run` does not hold yet, with their
    /// traits and judgements, rewriting rollout paths that start with
    /// `from` to start with `to`; returns how many samples were merged.
    pub fn merge_shard(&mut self, run: &RunId, shard_db: &Path, from: &str, to: &str) -> Result<usize, ResultsError> {
        self.with_shard(shard_db, |results| {
            let path = results.path.clone();
            let sqlite = sqlite_error(&path);
            let tx = results
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(&sqlite)?;
            tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS merge_keys (task TEXT, sample_index INTEGER); DELETE FROM temp.merge_keys;")
                .map_err(&sqlite)?;
            tx.execute(
                &format!("INSERT INTO temp.merge_keys SELECT task, sample_index FROM ({NEW_KEYS})"),
                params![run.as_str()],
            )
            .map_err(&sqlite)?;
            let merged = tx
                .execute(
                    "INSERT INTO main.samples (run_id, task, sample_index, status, error_reason, container_line,
                         container_text, reward, reward_named, input_tokens, cached_input_tokens, output_tokens,
                         cost_usd, agent_ms, verifier_ms, rollout_path, workspace_diff)
                     SELECT ?1, s.task, s.sample_index, s.status, s.error_reason, s.container_line,
                         s.container_text, s.reward, s.reward_named, s.input_tokens, s.cached_input_tokens,
                         s.output_tokens, s.cost_usd, s.agent_ms, s.verifier_ms,
                         CASE WHEN s.rollout_path IS NOT NULL AND substr(s.rollout_path, 1, length(?2)) = ?2
                              THEN ?3 || substr(s.rollout_path, length(?2) + 1)
                              ELSE s.rollout_path END,
                         s.workspace_diff
                     FROM shard.samples s JOIN temp.merge_keys k USING (task, sample_index)",
                    params![run.as_str(), from, to],
                )
                .map_err(&sqlite)?;
            tx.execute(
                "INSERT INTO main.sample_traits (run_id, task, sample_index, name, applicable, passed, score, evidence)
                 SELECT ?1, t.task, t.sample_index, t.name, t.applicable, t.passed, t.score, t.evidence
                 FROM shard.sample_traits t JOIN temp.merge_keys k USING (task, sample_index)",
                params![run.as_str()],
            )
            .map_err(&sqlite)?;
            tx.execute(
                "INSERT INTO main.sample_judgements (run_id, task, sample_index, judge, status, input_tokens,
                     output_tokens, cost_usd, body)
                 SELECT ?1, j.task, j.sample_index, j.judge, j.status, j.input_tokens, j.output_tokens,
                     j.cost_usd, j.body
                 FROM shard.sample_judgements j JOIN temp.merge_keys k USING (task, sample_index)",
                params![run.as_str()],
            )
            .map_err(&sqlite)?;
            tx.commit().map_err(&sqlite)?;
            Ok(merged)
        })
    }

    /// Runs `f` with the database at `shard_db` attached as `shard`, after
    /// checking it is a jig results database of this schema version holding
    /// one run; detaches it afterwards whatever `f` returned.
    fn with_shard<T>(
        &mut self,
        shard_db: &Path,
        f: impl FnOnce(&mut Results) -> Result<T, ResultsError>,
    ) -> Result<T, ResultsError> {
        let file = shard_db.to_string_lossy().into_owned();
        self.conn
            .execute("ATTACH DATABASE ?1 AS shard", params![file])
            .map_err(sqlite_error(&self.path))?;
        let checked = self.check_shard(shard_db);
        let outcome = checked.and_then(|()| f(self));
        let detached = self
            .conn
            .execute_batch("DETACH DATABASE shard")
            .map_err(sqlite_error(&self.path));
        let value = outcome?;
        detached?;
        Ok(value)
    }

    fn check_shard(&self, shard_db: &Path) -> Result<(), ResultsError> {
        let invalid = |why: String| ResultsError::InvalidShard {
            path: shard_db.to_owned(),
            why,
        };
        let version: i64 = self
            .conn
            .query_row("PRAGMA shard.user_version", [], |row| row.get(0))
            .map_err(|e| invalid(e.to_string()))?;
        if version != SCHEMA_VERSION {
            return Err(invalid(format!(
                "it has results schema version {version}, this jig {SCHEMA_VERSION}; run the same jig version in the pods as here"
            )));
        }
        let runs: i64 = self
            .conn
            .query_row("SELECT count(*) FROM shard.runs", [], |row| row.get(0))
            .map_err(|e| invalid(e.to_string()))?;
        if runs != 1 {
            return Err(invalid(format!("it holds {runs} runs, a shard holds one")));
        }
        Ok(())
    }
}

//! The results schema and opening a database file: the version lives in
//! `PRAGMA user_version`, and each step of [`MIGRATIONS`] moves a file one
//! version forward inside one write transaction, so two processes opening
//! an old file at once migrate it once. A version above [`SCHEMA_VERSION`]
//! is refused before anything is written.
//!
//! Tables are `STRICT` and carry their own `CHECK`s, so a bad value is
//! refused by SQLite inside the sample's transaction, whatever code wrote
//! it.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::ResultsError;

/// The schema version this jig writes and reads.
pub const SCHEMA_VERSION: i64 = 4;

/// How long a writer waits for another process's write lock (a second
/// `jig eval run`, or a `show` reading) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `MIGRATIONS[v]` takes a database from version `v` to `v + 1`; version 0
/// is an empty file.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [V1, V2, V3, V4];

const V1: &str = r#"
CREATE TABLE runs (
    id TEXT PRIMARY KEY NOT NULL,
    suites TEXT NOT NULL CONSTRAINT suites_json_array CHECK (json_valid(suites) AND json_type(suites) = 'array'),
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    samples_per_task INTEGER NOT NULL CONSTRAINT samples_per_task_positive CHECK (samples_per_task >= 1),
    concurrency INTEGER NOT NULL CONSTRAINT concurrency_positive CHECK (concurrency >= 1),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    jig_version TEXT NOT NULL
) STRICT;

CREATE TABLE samples (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    task TEXT NOT NULL,
    sample_index INTEGER NOT NULL CONSTRAINT sample_index_not_negative CHECK (sample_index >= 0),
    status TEXT NOT NULL CONSTRAINT known_status
        CHECK (status IN ('passed', 'failed', 'error', 'needs_container')),
    error_reason TEXT CONSTRAINT reason_iff_error CHECK ((status = 'error') = (error_reason IS NOT NULL)),
    container_line INTEGER,
    container_text TEXT,
    reward REAL,
    reward_named TEXT CONSTRAINT reward_named_json_object
        CHECK (reward_named IS NULL OR (json_valid(reward_named) AND json_type(reward_named) = 'object')),
    input_tokens INTEGER NOT NULL CONSTRAINT input_tokens_not_negative CHECK (input_tokens >= 0),
    cached_input_tokens INTEGER NOT NULL CONSTRAINT cached_tokens_not_negative CHECK (cached_input_tokens >= 0),
    output_tokens INTEGER NOT NULL CONSTRAINT output_tokens_not_negative CHECK (output_tokens >= 0),
    cost_usd REAL,
    agent_ms INTEGER NOT NULL CONSTRAINT agent_ms_not_negative CHECK (agent_ms >= 0),
    verifier_ms INTEGER NOT NULL CONSTRAINT verifier_ms_not_negative CHECK (verifier_ms >= 0),
    rollout_path TEXT,
    PRIMARY KEY (run_id, task, sample_index),
    CONSTRAINT container_line_iff_needs_container
        CHECK ((status = 'needs_container') = (container_line IS NOT NULL AND container_text IS NOT NULL))
) STRICT;

CREATE TABLE sample_traits (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    name TEXT NOT NULL CONSTRAINT trait_name_not_empty CHECK (name <> ''),
    applicable INTEGER NOT NULL CONSTRAINT applicable_bool CHECK (applicable IN (0, 1)),
    passed INTEGER NOT NULL CONSTRAINT passed_bool CHECK (passed IN (0, 1)),
    score REAL NOT NULL CONSTRAINT score_in_0_1 CHECK (score >= 0.0 AND score <= 1.0),
    evidence TEXT NOT NULL CONSTRAINT evidence_json_array CHECK (json_valid(evidence) AND json_type(evidence) = 'array'),
    PRIMARY KEY (run_id, task, sample_index, name),
    FOREIGN KEY (run_id, task, sample_index) REFERENCES samples(run_id, task, sample_index) ON DELETE CASCADE
) STRICT;
"#;

/// Version 2: a run keeps its `--filter`, so `--resume` runs the same tasks.
const V2: &str = "ALTER TABLE runs ADD COLUMN filter TEXT;";

/// Version 3: a run keeps its judge's spec, a sample keeps its workspace's final diff, and the LLM
/// judge's verdict has its own table (its tokens and cost apart from the
/// agent's); `body` is the whole [`Judgement`](crate::judge::Judgement) as
/// JSON.
const V3: &str = r#"
ALTER TABLE samples ADD COLUMN workspace_diff TEXT;
ALTER TABLE runs ADD COLUMN judge TEXT;

CREATE TABLE sample_judgements (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    judge TEXT NOT NULL,
    status TEXT NOT NULL CONSTRAINT known_judgement_status CHECK (status IN ('graded', 'ungraded')),
    input_tokens INTEGER NOT NULL CONSTRAINT judge_input_tokens_not_negative CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL CONSTRAINT judge_output_tokens_not_negative CHECK (output_tokens >= 0),
    cost_usd REAL,
    body TEXT NOT NULL CONSTRAINT body_json_object CHECK (json_valid(body) AND json_type(body) = 'object'),
    PRIMARY KEY (run_id, task, sample_index),
    FOREIGN KEY (run_id, task, sample_index) REFERENCES samples(run_id, task, sample_index) ON DELETE CASCADE
) STRICT;
"#;

/// Version 4: a run keeps the model that plays its interview tasks'
/// simulated user (`--user-model`), so `--resume` plays them alike.
const V4: &str = "ALTER TABLE runs ADD COLUMN user_model TEXT;";

/// Opens `path`, creating or migrating its schema.
pub(super) fn open(path: &Path) -> Result<Connection, ResultsError> {
    let sqlite = |source| classify(path, source);
    let mut conn = Connection::open(path).map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    // The first read of the file: a file that is not SQLite fails here.
    let found = user_version(&conn).map_err(sqlite)?;
    check_version(path, &conn, found)?;
    // WAL lets `jig eval show` read while a run writes. The pragma answers
    // with the mode it ended up in; an in-memory database stays `memory`,
    // which is fine.
    conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get::<_, String>(0))
        .map_err(sqlite)?;
    conn.pragma_update(None, "foreign_keys", true).map_err(sqlite)?;
    if found < SCHEMA_VERSION {
        migrate(path, &mut conn)?;
    }
    Ok(conn)
}

/// Moves the schema forward to [`SCHEMA_VERSION`] under the write lock.
fn migrate(path: &Path, conn: &mut Connection) -> Result<(), ResultsError> {
    let sqlite = |source| classify(path, source);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite)?;
    // Another process may have migrated between the first read and the lock.
    let found = user_version(&tx).map_err(sqlite)?;
    check_version(path, &tx, found)?;
    let from = usize::try_from(found).unwrap_or(MIGRATIONS.len());
    for step in MIGRATIONS.iter().skip(from) {
        tx.execute_batch(step).map_err(sqlite)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sqlite)?;
    tx.commit().map_err(sqlite)
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Refuses a newer schema, and a version-0 file that already has tables
/// (someone else's database, which migrating would scribble on).
fn check_version(path: &Path, conn: &Connection, found: i64) -> Result<(), ResultsError> {
    if found > SCHEMA_VERSION {
        return Err(ResultsError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let foreign = found < 0
        || (found == 0
            && conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
                    [],
                    |row| row.get::<_, i64>(0),
                )
                .map_err(|source| classify(path, source))?
                > 0);
    if foreign {
        return Err(ResultsError::NotOurs { path: path.to_owned() });
    }
    Ok(())
}

/// Names the file in a SQLite error, and tells a file that is not a
/// database apart.
fn classify(path: &Path, source: rusqlite::Error) -> ResultsError {
    if source.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
        ResultsError::NotADatabase { path: path.to_owned() }
    } else {
        ResultsError::Sqlite {
            path: path.to_owned(),
            source,
        }
    }
}

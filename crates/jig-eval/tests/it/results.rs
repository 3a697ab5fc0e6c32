//! The results database on real files in temp directories: round trips,
//! summaries against hand-computed numbers, `--resume` bookkeeping, the
//! all-or-nothing sample write, and the files it must refuse.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use jig_eval::results::{
    PassAtK, PerSample, Results, ResultsError, RunSpec, SCHEMA_VERSION, SampleResult, SampleStatus, StoredTrait,
    TraitRate,
};
use jig_eval::task::Reward;
use jig_eval::traits::{Evidence, TraitName, TraitScore};
use jig_protocol::TokenUsage;
use serde_json::json;

fn spec(samples_per_task: u32) -> RunSpec {
    RunSpec {
        suites: vec!["terminal-bench-core".into(), "tests/fixtures/suite.toml".into()],
        agent: "jig:codex".into(),
        model: "gpt-5.1-codex".into(),
        samples_per_task,
        concurrency: 4,
        filter: None,
        judge: None,
        user_model: None,
        started_at: "2026-12-01T10:00:00.000Z".into(),
        jig_version: "0.1.0".into(),
    }
}

fn score(name: TraitName, applicable: bool, passed: bool, score: f64) -> TraitScore {
    TraitScore {
        name,
        applicable,
        passed,
        score,
        evidence: vec![Evidence {
            record: Some(3),
            what: format!("{name} evidence"),
        }],
    }
}

fn sample(task: &str, sample_index: u32, status: SampleStatus) -> SampleResult {
    let reward = match status {
        SampleStatus::Passed => Some(Reward::Single(1.0)),
        SampleStatus::Failed => Some(Reward::Single(0.0)),
        SampleStatus::Error { .. } | SampleStatus::NeedsContainer { .. } => None,
    };
    SampleResult {
        task: task.into(),
        sample_index,
        status,
        reward,
        traits: Vec::new(),
        usage: TokenUsage {
            input_tokens: 1000,
            cached_input_tokens: 400,
            output_tokens: 100,
        },
        cost_usd: Some(0.01),
        agent_ms: 2000,
        verifier_ms: 500,
        rollout_path: Some(PathBuf::from(format!(
            "/home/u/.jig/sessions/{task}-{sample_index}.jsonl"
        ))),
        workspace_diff: None,
        judgement: None,
    }
}

fn error(reason: &str) -> SampleStatus {
    SampleStatus::Error { reason: reason.into() }
}

fn needs_container() -> SampleStatus {
    SampleStatus::NeedsContainer {
        line: 3,
        text: "RUN apt-get install -y git".into(),
    }
}

/// The stored form of `traits`.
fn stored(traits: &[TraitScore]) -> Vec<StoredTrait> {
    traits
        .iter()
        .map(|score| StoredTrait {
            name: score.name.to_string(),
            applicable: score.applicable,
            passed: score.passed,
            score: score.score,
            evidence: score.evidence.clone(),
        })
        .collect()
}

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("evals.db")
}

fn pragma<T: rusqlite::types::FromSql>(path: &Path, name: &str) -> T {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, name, |row| row.get(0)).unwrap()
}

#[test]
fn a_new_file_gets_the_current_schema_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let results = Results::open(db(&dir)).unwrap();
    assert_eq!(results.path(), db(&dir));
    drop(results);
    assert_eq!(pragma::<i64>(&db(&dir), "user_version"), SCHEMA_VERSION);
    assert_eq!(pragma::<String>(&db(&dir), "journal_mode"), "wal");
    // Opening again migrates nothing and keeps the version.
    drop(Results::open(db(&dir)).unwrap());
    assert_eq!(pragma::<i64>(&db(&dir), "user_version"), SCHEMA_VERSION);
}

#[test]
fn a_version_1_file_migrates_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    drop(results);
    // Version 1 had no `filter` (version 2), no judge, workspace diff or
    // judgements (version 3), no user model (version 4).
    let conn = rusqlite::Connection::open(db(&dir)).unwrap();
    conn.execute_batch(
        "DROP TABLE sample_judgements; ALTER TABLE samples DROP COLUMN workspace_diff;
         ALTER TABLE runs DROP COLUMN judge; ALTER TABLE runs DROP COLUMN filter;
         ALTER TABLE runs DROP COLUMN user_model; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let mut results = Results::open(db(&dir)).unwrap();
    assert_eq!(pragma::<i64>(&db(&dir), "user_version"), SCHEMA_VERSION);
    assert_eq!(results.run(run.as_str()).unwrap().spec.filter, None);
    let filtered = RunSpec {
        filter: Some("py-*".into()),
        judge: Some("scripted:judge.toml".into()),
        ..spec(1)
    };
    let second = results.create_run(&filtered).unwrap();
    let stored = results.run(second.as_str()).unwrap().spec;
    assert_eq!(stored.filter.as_deref(), Some("py-*"));
    assert_eq!(stored.judge.as_deref(), Some("scripted:judge.toml"));
    let mut judged = sample("fix-git", 0, SampleStatus::Passed);
    judged.workspace_diff = Some("diff --git a/app/x b/app/x\n".into());
    judged.judgement = Some(jig_eval::judge::Judgement {
        judge: "scripted:judge.toml".into(),
        verdict: jig_eval::judge::Verdict::Ungraded {
            reason: "refused".into(),
        },
        usage: TokenUsage::default(),
        cost_usd: None,
    });
    results.record_sample(&second, &judged).unwrap();
    let row = &results.samples(&second).unwrap()[0];
    assert_eq!(row.workspace_diff, judged.workspace_diff);
    assert_eq!(row.judgement, judged.judgement);
}

#[test]
fn a_run_with_every_status_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(2)).unwrap();
    assert!(uuid::Uuid::parse_str(run.as_str()).is_ok(), "{run}");

    let mut passed = sample("fix-git", 0, SampleStatus::Passed);
    passed.traits = vec![
        score(TraitName::PlanCreated, true, true, 1.0),
        score(TraitName::PreambleBeforeFirstTool, true, false, 0.5),
    ];
    let mut named = sample("fix-git", 1, SampleStatus::Failed);
    named.reward = Some(Reward::Named(BTreeMap::from([
        ("reward".to_owned(), 0.25),
        ("style".to_owned(), 0.75),
    ])));
    named.cost_usd = None;
    named.rollout_path = None;
    let errored = sample("build-cython", 0, error("verifier wrote no reward.txt"));
    let container = sample("qemu-startup", 0, needs_container());
    for sample in [&passed, &named, &errored, &container] {
        results.record_sample(&run, sample).unwrap();
    }

    let rows = results.samples(&run).unwrap();
    let keys: Vec<(&str, u32)> = rows.iter().map(|row| (row.task.as_str(), row.sample_index)).collect();
    assert_eq!(
        keys,
        [("build-cython", 0), ("fix-git", 0), ("fix-git", 1), ("qemu-startup", 0)]
    );
    for (row, sent) in rows.iter().zip([&errored, &passed, &named, &container]) {
        assert_eq!(row.status, sent.status);
        assert_eq!(row.reward, sent.reward);
        assert_eq!(row.usage, sent.usage);
        assert_eq!(row.cost_usd, sent.cost_usd);
        assert_eq!((row.agent_ms, row.verifier_ms), (sent.agent_ms, sent.verifier_ms));
        assert_eq!(row.rollout_path, sent.rollout_path);
    }
    // Traits come back in report order, whatever order they were given in.
    let mut in_order = passed.traits.clone();
    in_order.reverse();
    assert_eq!(rows[1].traits, stored(&in_order));

    // The JSON `jig eval show --json` prints.
    let shown = serde_json::to_value(&rows[2]).unwrap();
    assert_eq!(shown["status"], "failed");
    assert_eq!(shown["reward"], json!({"reward": 0.25, "style": 0.75}));
    assert_eq!(shown["cost_usd"], json!(null));
    let shown = serde_json::to_value(&rows[0]).unwrap();
    assert_eq!(shown["status"], "error");
    assert_eq!(shown["reason"], "verifier wrote no reward.txt");
    let shown = serde_json::to_value(&rows[1]).unwrap();
    assert_eq!(shown["reward"], json!(1.0));
    assert_eq!(shown["traits"][0]["name"], "preamble_before_first_tool");
    assert_eq!(shown["traits"][0]["evidence"][0]["record"], 3);
    let shown = serde_json::to_value(&rows[3]).unwrap();
    assert_eq!(shown["status"], "needs_container");
    assert_eq!(shown["line"], 3);

    let stored_run = results.run(run.as_str()).unwrap();
    assert_eq!(stored_run.spec, spec(2));
    assert_eq!(stored_run.finished_at, None);
    results.finish_run(&run, "2026-12-01T10:30:00.000Z").unwrap();
    let listed = results.list_runs().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, run);
    assert_eq!(listed[0].finished_at.as_deref(), Some("2026-12-01T10:30:00.000Z"));
}

#[test]
fn the_summary_equals_hand_computed_pass_at_k_and_trait_rates() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(3)).unwrap();
    // Task a: 2 of 3 pass. Task b: none of 3 (one an error). Task c needs a
    // container: counted, but not in the rates.
    let verify = |passed| {
        score(
            TraitName::VerifiedAfterLastEdit,
            true,
            passed,
            f64::from(u8::from(passed)),
        )
    };
    let not_applicable = score(TraitName::ReadBeforeEdit, false, true, 1.0);
    let samples = [
        ("a", 0, SampleStatus::Passed, vec![verify(true), not_applicable.clone()]),
        ("a", 1, SampleStatus::Passed, vec![verify(true)]),
        ("a", 2, SampleStatus::Failed, vec![verify(false)]),
        ("b", 0, SampleStatus::Failed, vec![verify(false), not_applicable]),
        ("b", 1, SampleStatus::Failed, vec![verify(true)]),
        ("b", 2, error("agent timed out"), vec![]),
        ("c", 0, needs_container(), vec![]),
        ("c", 1, needs_container(), vec![]),
        ("c", 2, needs_container(), vec![]),
    ];
    for (index, (task, sample_index, status, traits)) in samples.into_iter().enumerate() {
        let mut sample = sample(task, sample_index, status);
        sample.traits = traits;
        sample.agent_ms = 1000 * index as u64;
        if let SampleStatus::NeedsContainer { .. } = sample.status {
            sample.usage = TokenUsage::default();
            sample.cost_usd = None;
            sample.agent_ms = 0;
            sample.verifier_ms = 0;
        }
        results.record_sample(&run, &sample).unwrap();
    }

    let summary = results.summary(&run).unwrap();
    assert_eq!(summary.run.id, run);
    assert_eq!(
        (
            summary.samples,
            summary.passed,
            summary.failed,
            summary.errors,
            summary.needs_container
        ),
        (9, 2, 3, 1, 3)
    );
    assert_eq!(summary.pass_rate, Some(2.0 / 6.0));
    // Rewards: 1, 1, 0, 0, 0 (the error has none).
    assert_eq!(summary.mean_reward, Some(0.4));
    // pass@1 = (2/3 + 0) / 2. pass@2 for a: 1 - C(1,2)/C(3,2) = 1; for b: 0.
    // pass@3: likewise 1 and 0.
    let close = |got: &[PassAtK], want: &[(u32, f64)]| {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (got, &(k, value)) in got.iter().zip(want) {
            assert_eq!(got.k, k);
            assert!((got.value - value).abs() < 1e-12, "pass@{k}: {} vs {value}", got.value);
        }
    };
    close(&summary.pass_at_k, &[(1, 1.0 / 3.0), (2, 0.5), (3, 0.5)]);
    assert_eq!(
        summary.trait_rates,
        [
            TraitRate {
                name: "read_before_edit".into(),
                applicable: 0,
                passed: 0,
                pass_rate: None,
            },
            TraitRate {
                name: "verified_after_last_edit".into(),
                applicable: 5,
                passed: 3,
                pass_rate: Some(0.6),
            },
        ]
    );
    assert_eq!(
        summary.usage,
        TokenUsage {
            input_tokens: 6000,
            cached_input_tokens: 2400,
            output_tokens: 600,
        }
    );
    assert!((summary.cost_usd.unwrap() - 0.06).abs() < 1e-12);
    // Means over the six samples that ran; agent_ms was 0..=5 seconds.
    let per_sample = summary.per_sample.unwrap();
    assert!((per_sample.cost_usd.unwrap() - 0.01).abs() < 1e-12);
    assert_eq!(
        per_sample,
        PerSample {
            input_tokens: 1000.0,
            cached_input_tokens: 400.0,
            output_tokens: 100.0,
            cost_usd: per_sample.cost_usd,
            agent_ms: 2500.0,
            verifier_ms: 500.0,
        }
    );

    // A resumed run part-way: a task with one sample leaves pass@2 and
    // pass@3 undefined.
    results
        .record_sample(&run, &sample("d", 0, SampleStatus::Passed))
        .unwrap();
    let partial = results.summary(&run).unwrap();
    close(&partial.pass_at_k, &[(1, (2.0 / 3.0 + 0.0 + 1.0) / 3.0)]);
}

#[test]
fn an_empty_run_summarises_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    let summary = results.summary(&run).unwrap();
    assert_eq!(
        (summary.samples, summary.pass_rate, summary.mean_reward),
        (0, None, None)
    );
    assert!(summary.pass_at_k.is_empty() && summary.trait_rates.is_empty());
    assert_eq!((summary.cost_usd, summary.per_sample), (None, None));
}

#[test]
fn a_sample_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    results
        .record_sample(&run, &sample("fix-git", 0, SampleStatus::Passed))
        .unwrap();
    let again = results
        .record_sample(&run, &sample("fix-git", 0, SampleStatus::Failed))
        .unwrap_err();
    assert!(matches!(again, ResultsError::DuplicateSample { ref task, index: 0, .. } if task == "fix-git"));
    assert_eq!(
        again.to_string(),
        format!(
            "sample fix-git#0 of run {run} is already recorded; a resumed run must skip the samples `finished_samples` lists"
        )
    );
    let rows = results.samples(&run).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, SampleStatus::Passed);
    // The same task and index in another run is another sample.
    let other = results.create_run(&spec(1)).unwrap();
    results
        .record_sample(&other, &sample("fix-git", 0, SampleStatus::Failed))
        .unwrap();
}

#[test]
fn finished_samples_are_what_resume_skips() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(2)).unwrap();
    let other = results.create_run(&spec(2)).unwrap();
    assert!(results.finished_samples(&run).unwrap().is_empty());
    results
        .record_sample(&run, &sample("a", 0, SampleStatus::Passed))
        .unwrap();
    results.record_sample(&run, &sample("a", 1, error("crashed"))).unwrap();
    results.record_sample(&run, &sample("b", 1, needs_container())).unwrap();
    results
        .record_sample(&other, &sample("c", 0, SampleStatus::Failed))
        .unwrap();
    let want: HashSet<(String, u32)> = [("a", 0), ("a", 1), ("b", 1)]
        .into_iter()
        .map(|(task, index)| (task.to_owned(), index))
        .collect();
    assert_eq!(results.finished_samples(&run).unwrap(), want);
}

#[test]
fn everything_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(2)).unwrap();
    let mut first = sample("a", 0, SampleStatus::Passed);
    first.traits = vec![score(TraitName::WithinLimits, true, true, 1.0)];
    results.record_sample(&run, &first).unwrap();
    results
        .record_sample(&run, &sample("a", 1, error("no reward")))
        .unwrap();
    results.finish_run(&run, "2026-12-01T11:00:00Z").unwrap();
    let (runs, rows, summary) = (
        results.list_runs().unwrap(),
        results.samples(&run).unwrap(),
        results.summary(&run).unwrap(),
    );
    drop(results);

    let results = Results::open(db(&dir)).unwrap();
    assert_eq!(results.list_runs().unwrap(), runs);
    assert_eq!(results.samples(&run).unwrap(), rows);
    assert_eq!(results.summary(&run).unwrap(), summary);
    assert_eq!(rows[0].traits, stored(&first.traits));
}

#[test]
fn run_ids_match_by_prefix_like_git() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let ids: Vec<_> = (0..3).map(|_| results.create_run(&spec(1)).unwrap()).collect();
    assert_eq!(
        results
            .list_runs()
            .unwrap()
            .iter()
            .map(|run| run.id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    for id in &ids {
        assert_eq!(&results.run(id.as_str()).unwrap().id, id);
        // The shortest prefix no other id shares finds it too.
        let unique = (1..=id.as_str().len())
            .map(|len| &id.as_str()[..len])
            .find(|prefix| ids.iter().filter(|other| other.as_str().starts_with(prefix)).count() == 1)
            .unwrap();
        assert_eq!(&results.run(unique).unwrap().id, id);
    }
    // A UUIDv7 starts with the time in milliseconds: ids made within weeks
    // of each other share their first four hex digits.
    let shared = &ids[0].as_str()[..4];
    match results.run(shared).unwrap_err() {
        ResultsError::AmbiguousRun { prefix, matches } => {
            assert_eq!(prefix, shared);
            assert_eq!(matches, ids.iter().map(ToString::to_string).collect::<Vec<_>>());
        }
        other => panic!("{other}"),
    }
    for unknown in ["zzz", "", "%"] {
        let error = results.run(unknown).unwrap_err();
        assert!(matches!(error, ResultsError::UnknownRun { .. }), "{error}");
    }
    assert_eq!(
        results.run("zzz").unwrap_err().to_string(),
        "no eval run `zzz`; `jig eval list` shows the runs"
    );
}

#[test]
fn a_run_from_another_database_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let mut here = Results::open(db(&dir)).unwrap();
    let mut there = Results::open(dir.path().join("other.db")).unwrap();
    let foreign = there.create_run(&spec(1)).unwrap();
    let error = here
        .record_sample(&foreign, &sample("a", 0, SampleStatus::Passed))
        .unwrap_err();
    assert!(matches!(error, ResultsError::UnknownRun { .. }), "{error}");
    let error = here.finish_run(&foreign, "2026-12-01T11:00:00Z").unwrap_err();
    assert!(matches!(error, ResultsError::UnknownRun { .. }), "{error}");
    assert!(matches!(here.summary(&foreign), Err(ResultsError::UnknownRun { .. })));
}

#[test]
fn a_sample_whose_trait_breaks_a_check_leaves_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    let mut broken = sample("fix-git", 0, SampleStatus::Passed);
    // The first trait row goes in; the second breaks the schema's
    // `score_in_0_1` CHECK, so SQLite refuses it inside the transaction.
    broken.traits = vec![
        score(TraitName::PlanCreated, true, true, 1.0),
        score(TraitName::ReadBeforeEdit, true, false, 1.5),
    ];
    let error = results.record_sample(&run, &broken).unwrap_err();
    assert!(matches!(error, ResultsError::InvalidSample { .. }), "{error}");
    assert!(error.to_string().contains("score_in_0_1"), "{error}");
    assert!(results.samples(&run).unwrap().is_empty());
    assert!(results.finished_samples(&run).unwrap().is_empty());
    let conn = rusqlite::Connection::open(db(&dir)).unwrap();
    let traits: i64 = conn
        .query_row("SELECT count(*) FROM sample_traits", [], |row| row.get(0))
        .unwrap();
    assert_eq!(traits, 0);

    // A trait scored twice breaks the trait key: refused the same way, and
    // not mistaken for the sample being recorded twice.
    broken.traits = vec![
        score(TraitName::PlanCreated, true, true, 1.0),
        score(TraitName::PlanCreated, true, false, 0.0),
    ];
    let error = results.record_sample(&run, &broken).unwrap_err();
    assert!(matches!(error, ResultsError::InvalidSample { .. }), "{error}");
    assert!(results.samples(&run).unwrap().is_empty());

    // Nothing half-written blocks the fixed sample.
    broken.traits.pop();
    results.record_sample(&run, &broken).unwrap();
    assert_eq!(results.samples(&run).unwrap()[0].traits, stored(&broken.traits));
}

#[test]
fn non_finite_numbers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    let mut bad = sample("a", 0, SampleStatus::Passed);
    bad.reward = Some(Reward::Named(BTreeMap::from([("reward".to_owned(), f64::NAN)])));
    let error = results.record_sample(&run, &bad).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("cannot record sample a#0 of run {run}: reward `reward` is NaN, not a finite number")
    );
    bad.reward = Some(Reward::Single(1.0));
    bad.cost_usd = Some(f64::INFINITY);
    assert!(matches!(
        results.record_sample(&run, &bad),
        Err(ResultsError::InvalidSample { .. })
    ));
    assert!(results.finished_samples(&run).unwrap().is_empty());
}

#[test]
fn replace_traits_regrades_a_stored_sample() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    let mut first = sample("a", 0, SampleStatus::Passed);
    first.traits = vec![score(TraitName::PlanCreated, true, false, 0.0)];
    results.record_sample(&run, &first).unwrap();

    let regraded = vec![
        score(TraitName::PlanCreated, true, true, 1.0),
        score(TraitName::WithinLimits, false, true, 1.0),
    ];
    results.replace_traits(&run, "a", 0, &regraded).unwrap();
    let rows = results.samples(&run).unwrap();
    assert_eq!(rows[0].traits, stored(&regraded));
    assert_eq!(rows[0].status, SampleStatus::Passed);

    // A bad regrade keeps the old grades.
    let bad = vec![score(TraitName::PlanCreated, true, true, -0.5)];
    let error = results.replace_traits(&run, "a", 0, &bad).unwrap_err();
    assert!(matches!(error, ResultsError::InvalidSample { .. }), "{error}");
    assert_eq!(results.samples(&run).unwrap()[0].traits, stored(&regraded));

    let error = results.replace_traits(&run, "a", 1, &regraded).unwrap_err();
    assert_eq!(error.to_string(), format!("run {run} has no sample a#1"));
}

#[test]
fn a_file_that_is_not_sqlite_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::write(
        dir.path(),
        "evals.db",
        "these are my notes, not a database\n".repeat(40).as_str(),
    );
    let error = Results::open(&path).unwrap_err();
    assert!(matches!(error, ResultsError::NotADatabase { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not a SQLite database, so it cannot hold eval results; move it aside (jig then creates a new one) or pass another path",
            path.display()
        )
    );
    // Nothing was written to it.
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "these are my notes, not a database\n".repeat(40)
    );
}

#[test]
fn a_database_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(db(&dir)).unwrap();
    let run = results.create_run(&spec(1)).unwrap();
    drop(results);
    let conn = rusqlite::Connection::open(db(&dir)).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(conn);

    let error = Results::open(db(&dir)).unwrap_err();
    assert!(
        matches!(error, ResultsError::NewerSchema { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{} has results schema version {}, newer than the {SCHEMA_VERSION} this jig understands; upgrade jig to read it",
            db(&dir).display(),
            SCHEMA_VERSION + 1
        )
    );
    // Refusing wrote nothing: the version and the run are still there.
    assert_eq!(pragma::<i64>(&db(&dir), "user_version"), SCHEMA_VERSION + 1);
    let conn = rusqlite::Connection::open(db(&dir)).unwrap();
    let stored: String = conn.query_row("SELECT id FROM runs", [], |row| row.get(0)).unwrap();
    assert_eq!(stored, run.as_str());
}

#[test]
fn someone_elses_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(db(&dir)).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT);").unwrap();
    drop(conn);
    let error = Results::open(db(&dir)).unwrap_err();
    assert!(matches!(error, ResultsError::NotOurs { .. }), "{error}");
    assert!(error.to_string().contains("not a jig results database"), "{error}");
}

/// A shard's archive (its database and rollouts, as a pod prints it) merges
/// into the coordinator's run once: a second merge of the same archive (a
/// re-fetched log, a resumed coordinator) adds and overwrites nothing.
#[test]
fn a_shard_archive_merges_each_sample_exactly_once() {
    use jig_eval::runner::Shard;
    use jig_eval::shard_archive::ShardArchive;

    let dir = tempfile::tempdir().unwrap();
    let pod_work = dir.path().join("pod/evals/shard-run");
    let rollout = pod_work.join("fix-git/0/sessions/s1/rollout.jsonl");
    std::fs::create_dir_all(rollout.parent().unwrap()).unwrap();
    std::fs::write(&rollout, "{\"pod\":1}\n").unwrap();
    let mut shard = Results::open(dir.path().join("pod/evals.db")).unwrap();
    let shard_run = shard.create_run(&spec(1)).unwrap();
    let mut passed = sample("fix-git", 0, SampleStatus::Passed);
    passed.rollout_path = Some(rollout.clone());
    passed.traits = vec![score(TraitName::ReadBeforeEdit, true, true, 1.0)];
    shard.record_sample(&shard_run, &passed).unwrap();
    shard
        .record_sample(&shard_run, &sample("sort-mbox", 0, error("verifier wrote no reward")))
        .unwrap();
    let archive = ShardArchive::collect(Shard { index: 0, count: 2 }, &shard, &pod_work).unwrap();
    let mut framed = Vec::new();
    archive.write_framed(&mut framed).unwrap();
    let archive = ShardArchive::find_in_log(&String::from_utf8(framed).unwrap()).unwrap();

    let mut here = Results::open(db(&dir)).unwrap();
    let run = here.create_run(&spec(1)).unwrap();
    let work = dir.path().join("home/evals").join(run.as_str());
    assert_eq!(archive.merge_into(&mut here, &run, &work).unwrap(), 2);
    let local = work.join("fix-git/0/sessions/s1/rollout.jsonl");
    assert_eq!(std::fs::read_to_string(&local).unwrap(), "{\"pod\":1}\n");
    let first = here.samples(&run).unwrap();
    assert_eq!(
        first[0].rollout_path.as_deref(),
        Some(local.as_path()),
        "rollout paths point here"
    );
    assert_eq!(first[0].traits.len(), 1);

    std::fs::write(&local, "kept\n").unwrap();
    assert_eq!(
        archive.merge_into(&mut here, &run, &work).unwrap(),
        0,
        "merged again: nothing new"
    );
    assert_eq!(here.samples(&run).unwrap(), first);
    assert_eq!(
        std::fs::read_to_string(&local).unwrap(),
        "kept\n",
        "a merged sample's files are not overwritten"
    );
}

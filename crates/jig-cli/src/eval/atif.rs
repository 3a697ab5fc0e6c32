//! `jig eval export RUN --format atif -o DIR` and `jig eval
//! import-trajectory FILE`: Harbor's Agent Trajectory Interchange Format
//! out of and into jig (`jig_eval::atif`).
//!
//! Export writes one pretty-printed trajectory per session of every sample
//! that recorded one (`TASK-INDEX.json`, `TASK-INDEX-stepN.json` for a
//! multi-step sample) and says which samples had none; a sample whose
//! rollout cannot be read is reported and skipped, and the command then
//! exits 1. Import reads a trajectory strictly (an invalid one is an error
//! naming the JSON path at fault, exit 1), grades it with the behaviour
//! traits and prints them as `jig eval traits` does, exiting 1 when a
//! trait that applies failed.

use anyhow::Context;
use jig_eval::atif;
use jig_eval::results::Results;
use jig_eval::traits::{Dialect, TraitOptions, grade};
use jig_protocol::RolloutRecord;

use crate::cli::{EvalExportArgs, EvalImportArgs};
use crate::{UsageError, exit};

/// The formats `jig eval export` writes.
const FORMATS: &[&str] = &["atif"];

/// `jig eval export RUN`.
pub fn export(args: EvalExportArgs) -> anyhow::Result<u8> {
    if !FORMATS.contains(&args.format.as_str()) {
        return Err(UsageError(format!(
            "unknown export format `{}`; known formats: {}",
            args.format,
            FORMATS.join(", ")
        ))
        .into());
    }
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, _) = crate::exec::settings(&here, None)?;
    let results = Results::open(settings.home.join("evals.db"))?;
    let run = results.run(&args.run)?;
    std::fs::create_dir_all(&args.output).with_context(|| format!("cannot create {}", args.output.display()))?;
    let mut written = 0;
    let mut failed = 0;
    for sample in results.samples(&run.id)? {
        // One sample's unreadable rollout does not stop the others.
        let trajectories = match atif::export_sample(&run.id, &sample) {
            Ok(trajectories) => trajectories,
            Err(err) => {
                eprintln!(
                    "error: cannot export {} sample {}: {err}",
                    sample.task, sample.sample_index
                );
                failed += 1;
                continue;
            }
        };
        if trajectories.is_empty() {
            eprintln!(
                "note: {} sample {} recorded no jig session; nothing to export",
                sample.task, sample.sample_index
            );
        }
        for one in trajectories {
            let path = args.output.join(&one.file_name);
            let text = serde_json::to_string_pretty(&one.trajectory)?;
            std::fs::write(&path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?;
            written += 1;
        }
    }
    println!(
        "wrote {written} {} trajectories of run {} to {}",
        atif::SCHEMA_VERSION,
        run.id,
        args.output.display()
    );
    Ok(if failed == 0 { exit::COMPLETED } else { exit::FAILED })
}

/// `jig eval import-trajectory FILE`.
pub fn import(args: EvalImportArgs) -> anyhow::Result<u8> {
    let path = &args.file;
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let trajectory =
        atif::parse(&text).with_context(|| format!("{} is not a valid ATIF trajectory", path.display()))?;
    let imported = atif::import(&trajectory);
    for note in &imported.left_out {
        eprintln!("note: left out {note}");
    }
    let Some(RolloutRecord::SessionMeta(meta)) = imported.records.first() else {
        anyhow::bail!("importing {} gave no session", path.display());
    };
    let options = TraitOptions {
        dialect: args.dialect.and_then(|d| Dialect::from_name(d.as_str())),
        ..TraitOptions::default()
    };
    let dialect = options
        .dialect
        .map(Dialect::as_str)
        .or(meta.dialect.as_deref())
        .unwrap_or("generic");
    let scores = grade(&imported.records, &options);
    if args.json {
        let report = serde_json::json!({
            "session_id": meta.session_id,
            "agent": { "name": trajectory.agent.name, "version": trajectory.agent.version },
            "schema_version": trajectory.schema_version,
            "dialect": dialect,
            "left_out": imported.left_out,
            "traits": scores,
        });
        println!("{report}");
    } else {
        println!(
            "{} trajectory of {} {}, {} steps",
            trajectory.schema_version,
            trajectory.agent.name,
            trajectory.agent.version,
            trajectory.steps.len()
        );
        super::print_scores(&meta.session_id, dialect, &scores);
    }
    let all_passed = scores.iter().all(|s| s.passed || !s.applicable);
    Ok(if all_passed { exit::COMPLETED } else { exit::FAILED })
}

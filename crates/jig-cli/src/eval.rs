//! `jig eval`: the eval workbench's commands: `run`, `list`, `show` and
//! `regrade` (in [`run`]), and `jig eval traits`,
//! which grades a recorded session's behaviour from its rollout alone
//! (`jig_eval::traits`): each trait passed or not, its score, and the
//! rollout records that prove it. The exit code is 0 when every trait that
//! applies passed and 1 otherwise, so it can gate a script.

use anyhow::Context;
use jig_core::SessionStore;
use jig_core::rollout::read_rollout;
use jig_core::store::ROLLOUT_FILE;
use jig_eval::traits::{TraitOptions, TraitScore, grade};
use jig_protocol::RolloutRecord;

use crate::cli::EvalCommand;
use crate::{UsageError, exit};

mod atif;
mod batch;
mod judge;
mod kubernetes;
mod report;
mod run;

/// `jig eval …`.
pub fn run(cmd: EvalCommand) -> anyhow::Result<u8> {
    match cmd {
        EvalCommand::Traits { id, last, json } => traits(id.as_deref(), last, json),
        EvalCommand::Run(args) => run::run(*args),
        EvalCommand::List { json } => run::list(json),
        EvalCommand::Show { run, json } => run::show(&run, json),
        EvalCommand::Regrade { run } => run::regrade(&run),
        EvalCommand::Judge(args) => judge::judge(args),
        EvalCommand::Calibrate(args) => judge::calibrate(args),
        EvalCommand::Report(args) => report::report(args),
        EvalCommand::Compare(args) => report::compare(args),
        EvalCommand::Export(args) => atif::export(args),
        EvalCommand::ImportTrajectory(args) => atif::import(args),
    }
}

fn traits(id: Option<&str>, last: bool, json: bool) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, _) = crate::exec::settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    let dir = match (id, last) {
        (Some(id), false) => store.resolve(id)?,
        (None, true) => store.latest()?,
        _ => return Err(UsageError("give a session ID or --last".into()).into()),
    };
    let path = dir.join(ROLLOUT_FILE);
    let records = read_rollout(&path)?.records;
    let Some(RolloutRecord::SessionMeta(meta)) = records.first() else {
        return Err(jig_core::store::empty_rollout(path).into());
    };
    jig_core::store::check_format(meta, &path)?;
    let scores = grade(&records, &TraitOptions::default());
    if json {
        let report = serde_json::json!({ "session_id": meta.session_id, "traits": scores });
        println!("{report}");
    } else {
        print_scores(&meta.session_id, meta.dialect.as_deref().unwrap_or("generic"), &scores);
    }
    let all_passed = scores.iter().all(|s| s.passed || !s.applicable);
    Ok(if all_passed { exit::COMPLETED } else { exit::FAILED })
}

pub(crate) fn print_scores(session: &str, dialect: &str, scores: &[TraitScore]) {
    println!("session {session} ({dialect} dialect)");
    for score in scores {
        let mark = match (score.applicable, score.passed) {
            (false, _) => "–",
            (true, true) => "✓",
            (true, false) => "✗",
        };
        let figure = if score.applicable {
            format!("{:.2}", score.score)
        } else {
            "(does not apply)".to_owned()
        };
        println!("  {mark} {:<28} {figure}", score.name.as_str());
        for evidence in &score.evidence {
            match evidence.record {
                Some(record) => println!("      record {record}: {}", evidence.what),
                None => println!("      {}", evidence.what),
            }
        }
    }
}

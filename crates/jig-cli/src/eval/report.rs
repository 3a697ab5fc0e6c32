//! `jig eval report` and `jig eval compare`: a run's report as one
//! self-contained HTML file (or its data as JSON), and two runs compared
//! with paired bootstrap intervals as text, JSON or HTML. The figures and
//! pages are built in `jig_eval::report` and `jig_eval::compare`; this
//! module only finds the runs and writes where it is told.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jig_eval::compare::{self, bootstrap::Bootstrap};
use jig_eval::report;
use jig_eval::results::Results;

use crate::cli::{EvalCompareArgs, EvalReportArgs};
use crate::exit;

fn open_results() -> anyhow::Result<Results> {
    let path = super::run::home()?.join("evals.db");
    if !path.is_file() {
        anyhow::bail!(
            "no eval results at {}; `jig eval run` records runs there",
            path.display()
        );
    }
    Ok(Results::open(path)?)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// `jig eval report RUN`.
pub fn report(args: EvalReportArgs) -> anyhow::Result<u8> {
    let results = open_results()?;
    let run = results.run(&args.run)?;
    let built = report::build(&results, &run)?;
    if args.json {
        let json = serde_json::to_string_pretty(&built)?;
        match &args.output {
            Some(path) => write(path, &json)?,
            None => println!("{json}"),
        }
        return Ok(exit::COMPLETED);
    }
    let path = args.output.unwrap_or_else(|| PathBuf::from("report.html"));
    let html = report::html::report(&built)?;
    write(&path, &html)?;
    eprintln!(
        "wrote {} ({} samples, {} KiB)",
        path.display(),
        built.samples.len(),
        html.len().div_ceil(1024)
    );
    Ok(exit::COMPLETED)
}

/// `jig eval compare RUN_A RUN_B`.
pub fn compare(args: EvalCompareArgs) -> anyhow::Result<u8> {
    let results = open_results()?;
    let a = results.run(&args.run_a)?;
    let b = results.run(&args.run_b)?;
    let comparison = compare::build(&results, &a, &b, Bootstrap::default())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
    } else {
        print!("{}", compare::text(&comparison));
    }
    if let Some(path) = &args.output {
        write(path, &compare::html(&comparison)?)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(exit::COMPLETED)
}

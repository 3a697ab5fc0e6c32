//! `jig bench search DIR`: jig's `rg` against real ripgrep on the same tree,
//! in the same run.
//!
//! Each search runs as a process both ways: jig through an `rg` link to its
//! own executable (how the commands jig starts reach it), ripgrep as found
//! on `PATH`. Rounds interleave the two, alternating which goes first, so
//! load from elsewhere falls on both; stdout goes through a pipe, stdin is
//! `/dev/null` (so both search the tree, not stdin). Reported per search:
//! the median wall time of each side and their ratio, the ratio of CPU time
//! (user + system, from the children's resource usage), and whether the
//! outputs agree: byte for byte under `--sort path`, as the same lines in
//! any order otherwise (ripgrep's default order across files is whatever
//! its threads produce).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::sys::resource::{UsageWho, getrusage};

use super::median;
use crate::exit;

/// The searches: a rare literal, case-insensitive and word searches, a
/// regex, a literal with very many matching lines (output-bound), a
/// listing, and the one ordered mode.
const SEARCHES: &[&[&str]] = &[
    &["-n", "PM_RESUME"],
    &["-c", "-i", "unsafe impl"],
    &["-n", r"fn \w+_test\("],
    &["-l", "-w", "Copyright"],
    &["-n", "impl"],
    &["--files"],
    &["--sort", "path", "-n", "TODO:"],
];

/// One side of a comparison.
struct Side {
    program: PathBuf,
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

/// What one run printed.
struct Output {
    code: Option<i32>,
    stdout: Vec<u8>,
}

/// `jig bench search DIR --rounds N`.
pub fn search(dir: &Path, rounds: u32) -> anyhow::Result<u8> {
    let rounds = rounds.max(1);
    anyhow::ensure!(dir.is_dir(), "cannot search {}: not a directory", dir.display());
    let exe = std::env::current_exe().context("cannot find the jig executable")?;
    let links = tempfile::tempdir().context("cannot create a directory for the rg link")?;
    let shim = links.path().join("rg");
    std::os::unix::fs::symlink(&exe, &shim).context("cannot link rg to the jig executable")?;
    let real = real_ripgrep(&exe);
    let (files, bytes) = tree_size(dir);
    println!(
        "bench search: {} ({files} files, {:.0} MB), {rounds} rounds, median wall time",
        dir.display(),
        bytes as f64 / 1e6
    );
    match &real {
        Some(real) => println!("  reference: {} ({})", real.display(), version(real)),
        None => println!("  reference: none (no ripgrep on PATH); jig's rg alone"),
    }
    println!(
        "  {:<28} {:>9} {:>9} {:>7} {:>8}  output",
        "search", "jig ms", "rg ms", "ratio", "cpu"
    );
    let mut totals = (Duration::ZERO, Duration::ZERO);
    for args in SEARCHES {
        let mut jig = Side::new(shim.clone());
        let mut rg = real.clone().map(Side::new);
        let mut outputs = (None, None);
        for round in 0..rounds {
            let ours_first = round % 2 == 0;
            if ours_first {
                outputs.0 = Some(jig.run(dir, args)?);
            }
            if let Some(rg) = rg.as_mut() {
                outputs.1 = Some(rg.run(dir, args)?);
            }
            if !ours_first {
                outputs.0 = Some(jig.run(dir, args)?);
            }
        }
        let agreement = match (&outputs.0, &outputs.1) {
            (Some(ours), Some(theirs)) => agreement(args, ours, theirs),
            _ => "-".to_string(),
        };
        let label = args.join(" ");
        let (ours, cpu_ours) = (median(&jig.wall), median(&jig.cpu));
        totals.0 += ours;
        match rg {
            Some(rg) => {
                let (theirs, cpu_theirs) = (median(&rg.wall), median(&rg.cpu));
                totals.1 += theirs;
                println!(
                    "  {label:<28} {:>9.1} {:>9.1} {:>6.2}x {:>7.2}x  {agreement}",
                    super::ms(ours),
                    super::ms(theirs),
                    ratio(ours, theirs),
                    ratio(cpu_ours, cpu_theirs)
                );
            }
            None => println!(
                "  {label:<28} {:>9.1} {:>9} {:>7} {:>8}  -",
                super::ms(ours),
                "-",
                "-",
                "-"
            ),
        }
    }
    if real.is_some() {
        println!(
            "  {:<28} {:>9.1} {:>9.1} {:>6.2}x",
            "all (sum of medians)",
            super::ms(totals.0),
            super::ms(totals.1),
            ratio(totals.0, totals.1)
        );
    }
    Ok(exit::COMPLETED)
}

impl Side {
    fn new(program: PathBuf) -> Side {
        Side {
            program,
            wall: Vec::new(),
            cpu: Vec::new(),
        }
    }

    /// Runs one search in `dir`, recording its wall and CPU time.
    fn run(&mut self, dir: &Path, args: &[&str]) -> anyhow::Result<Output> {
        let cpu_before = children_cpu();
        let start = Instant::now();
        let output = Command::new(&self.program)
            .arg("--no-config")
            .args(args)
            .current_dir(dir)
            .env_remove("RIPGREP_CONFIG_PATH")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        self.wall.push(start.elapsed());
        self.cpu.push(children_cpu().saturating_sub(cpu_before));
        Ok(Output {
            code: output.status.code(),
            stdout: output.stdout,
        })
    }
}

/// Whether two outputs agree as far as ripgrep defines them.
fn agreement(args: &[&str], ours: &Output, theirs: &Output) -> String {
    if ours.code != theirs.code {
        return format!("DIFFERENT exit codes: jig {:?}, ripgrep {:?}", ours.code, theirs.code);
    }
    let lines = theirs.stdout.split(|&b| b == b'\n').count().saturating_sub(1);
    if args.iter().any(|arg| arg.starts_with("--sort")) {
        return match ours.stdout == theirs.stdout {
            true => format!("same bytes ({lines} lines)"),
            false => "DIFFERENT bytes".to_string(),
        };
    }
    let sorted = |bytes: &[u8]| {
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        lines.sort_unstable();
        lines
    };
    match sorted(&ours.stdout) == sorted(&theirs.stdout) {
        true => format!("same lines ({lines}; order not defined)"),
        false => "DIFFERENT lines".to_string(),
    }
}

/// The first `rg` on `PATH` that is not a link to jig.
fn real_ripgrep(jig: &Path) -> Option<PathBuf> {
    let jig = std::fs::canonicalize(jig).ok();
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("rg"))
        .find(|candidate| candidate.is_file() && std::fs::canonicalize(candidate).ok() != jig)
}

fn version(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.lines().next().map(str::to_string))
        .unwrap_or_else(|| "version unknown".to_string())
}

/// Regular files under `dir` and their total size, links not followed.
fn tree_size(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.is_file() {
                files += 1;
                bytes += meta.len();
            }
        }
    }
    (files, bytes)
}

/// User and system time of every child waited for so far.
fn children_cpu() -> Duration {
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .map(|usage| {
            let time = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec().max(0) as u64) + Duration::from_micros(t.tv_usec().max(0) as u64)
            };
            time(usage.user_time()) + time(usage.system_time())
        })
        .unwrap_or_default()
}

fn ratio(ours: Duration, theirs: Duration) -> f64 {
    ours.as_secs_f64() / theirs.as_secs_f64().max(f64::MIN_POSITIVE)
}

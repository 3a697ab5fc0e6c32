//! Command-line grammar of `jig` (clap derive). Parsing only; no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// jig — a coding-agent harness and agent-evaluation workbench.
#[derive(Debug, Parser)]
#[command(name = "jig", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the agent on a task without interaction; the final message goes to stdout.
    Exec(ExecArgs),
    /// Continue a recorded session: finish its unfinished turn, then run PROMPT if given.
    Resume(ResumeArgs),
    /// List or show recorded sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Apply a patch (`*** Begin Patch` format) from FILE or stdin to the current directory.
    ApplyPatch {
        /// Patch file; reads stdin when absent or `-`.
        file: Option<PathBuf>,
    },
    /// Measure jig itself.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// Options shared by commands that run turns.
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Print every event as one JSON line on stdout instead of human progress.
    #[arg(long)]
    pub json: bool,
    /// Model as PROVIDER:NAME: `scripted:PATH` (a model script) or `replay:SESSION`.
    #[arg(long, short = 'm', value_name = "PROVIDER:NAME")]
    pub model: Option<String>,
    /// Most model requests a turn may make.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_turns: u32,
}

/// `jig exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run with DIR as the workspace.
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunOptions,
    /// The task. `-` reads it from stdin.
    pub prompt: String,
}

/// `jig resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Resume the most recently active session.
    #[arg(long)]
    pub last: bool,
    #[command(flatten)]
    pub run: RunOptions,
    /// `ID [PROMPT]`, or just `[PROMPT]` with `--last`.
    #[arg(value_name = "ID_AND_PROMPT", num_args = 0..=2)]
    pub args: Vec<String>,
}

/// `jig sessions`.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// One line per session, oldest first.
    List,
    /// The transcript of one session.
    Show {
        /// Session id, unique prefix, or path.
        id: String,
    },
}

/// `jig bench`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Per-turn harness overhead and peak memory of the agent loop (scripted model, trivial tool).
    Loop {
        /// Model requests to run.
        #[arg(long, default_value_t = 1000)]
        turns: u32,
    },
    /// Start-up time of `jig --version` against `true`.
    Startup {
        /// Runs of each command.
        #[arg(long, default_value_t = 50)]
        runs: u32,
    },
}

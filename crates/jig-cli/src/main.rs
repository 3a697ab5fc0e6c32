//! The `jig` binary: parses arguments, wires the pieces together, and maps
//! outcomes to exit codes. Logic worth testing lives in the libraries.
//!
//! `jig --version` and `--help` are answered by clap before any runtime or
//! file is touched, so start-up stays a few milliseconds.

mod acp;
mod approve;
mod bench;
mod cli;
mod eval;
mod exec;
mod mcp;
mod model;
mod render;
mod sessions;
mod trust;
mod tui;
mod undo;

use std::process::ExitCode;

use clap::Parser;

use cli::{BenchCommand, Cli, Command, ConfigCommand, McpCommand, ModelCommand, PolicyCommand};

/// Exit codes, documented in the README.
pub mod exit {
    /// The turn completed.
    pub const COMPLETED: u8 = 0;
    /// The turn failed, or jig could not start it.
    pub const FAILED: u8 = 1;
    /// Bad command-line usage (clap also uses 2).
    pub const USAGE: u8 = 2;
    /// The turn hit its `--max-turns` limit.
    pub const LIMIT: u8 = 3;
    /// The turn was interrupted (Ctrl-C).
    pub const INTERRUPTED: u8 = 130;
}

fn main() -> ExitCode {
    // The sandbox and view helpers must run first, while the process is
    // single-threaded.
    let mut args = std::env::args().skip(1);
    let helper: Option<fn(&[String]) -> i32> = match args.next().as_deref() {
        Some(jig_sandbox::HELPER_SUBCOMMAND) => Some(jig_sandbox::helper_main),
        Some(jig_sandbox::VIEW_SUBCOMMAND) => Some(jig_sandbox::view_main),
        _ => None,
    };
    if let Some(helper) = helper {
        let rest: Vec<String> = args.collect();
        return ExitCode::from(u8::try_from(helper(&rest)).unwrap_or(125));
    }
    quiet_when_the_reader_goes();
    if let Some(code) = run_as_rg() {
        return code;
    }
    if let Ok(exe) = std::env::current_exe() {
        jig_tools::sandboxing::use_helper(exe);
    }
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return finish(runtime().and_then(|rt| rt.block_on(tui::open(cli.tui))));
    };
    let result = match command {
        Command::ApplyPatch { file } => sessions::apply_patch(file.as_deref()),
        Command::Sessions(cmd) => sessions::run(cmd),
        Command::Undo(args) => undo::undo(args),
        Command::Diff(args) => undo::diff(args),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Bench(BenchCommand::Startup { runs }) => bench::startup(runs),
        Command::Bench(BenchCommand::Search { dir, rounds }) => bench::search(&dir, rounds),
        Command::Bench(BenchCommand::Eval { suite, rounds }) => bench::eval(suite.as_deref(), rounds),
        Command::Config(ConfigCommand::Show { cwd }) => sessions::config_show(cwd.as_deref()),
        Command::Trust { dir, revoke: false } => trust::decide(dir.as_deref(), jig_config::TrustLevel::Trusted),
        Command::Trust { dir, revoke: true } | Command::Untrust { dir } => {
            trust::decide(dir.as_deref(), jig_config::TrustLevel::Untrusted)
        }
        Command::Policy(PolicyCommand::Check { cwd, command }) => sessions::policy_check(cwd.as_deref(), command),
        Command::Model(ModelCommand::Fetch { name, find_links }) => model::fetch(name.as_deref(), find_links),
        Command::Model(ModelCommand::List) => model::list(),
        Command::Bench(BenchCommand::Local { model, turns }) => bench::local(&model, turns),
        Command::Bench(BenchCommand::Sessions { sessions }) => bench::sessions(sessions),
        Command::Bench(BenchCommand::Agents {
            children,
            seconds,
            side,
        }) => bench::agents(children, seconds, side),
        Command::Bench(BenchCommand::Tui { runs }) => bench::tui(runs),
        command => runtime().and_then(|rt| {
            let result = rt.block_on(async {
                match command {
                    Command::Exec(args) => exec::exec(args).await,
                    Command::Resume(args) if tui::wants_picker(&args) => tui::pick(tui::from_resume(args)).await,
                    Command::Resume(args) => exec::resume(args).await,
                    Command::Compact(args) => exec::compact(args).await,
                    Command::Bench(BenchCommand::Loop { turns }) => bench::agent_loop(turns).await,
                    Command::Bench(BenchCommand::Soak { turns }) => bench::soak(turns).await,
                    Command::Mcp(McpCommand::List(args)) => mcp::list::run(args).await,
                    Command::Mcp(McpCommand::Serve(args)) => mcp::serve::run(args).await,
                    Command::Acp(args) => acp::run(args).await,
                    Command::ApplyPatch { .. }
                    | Command::Sessions(_)
                    | Command::Undo(_)
                    | Command::Diff(_)
                    | Command::Bench(_)
                    | Command::Config(_)
                    | Command::Trust { .. }
                    | Command::Untrust { .. }
                    | Command::Model(_)
                    | Command::Eval(_)
                    | Command::Policy(_) => Ok(exit::COMPLETED),
                }
            });
            // A question abandoned mid-read leaves a blocking stdin read
            // behind; do not wait for it.
            rt.shutdown_timeout(std::time::Duration::from_millis(100));
            result
        }),
    };
    finish(result)
}

/// The status a shell reports for a program ended by `SIGPIPE` (128 + 13).
const CLOSED_PIPE: u8 = 141;

/// A reader that goes away (`jig … | head`) ends jig quietly, as it ends
/// other Unix tools, with the status a shell shows for `SIGPIPE`. Rust keeps
/// `SIGPIPE` ignored so that a closed socket is an `EPIPE` error rather than
/// the end of jig, and `println!` then panics on a closed standard output:
/// that panic is recognised here and becomes the quiet exit. Every other
/// panic goes to the default hook as before.
fn quiet_when_the_reader_goes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(CLOSED_PIPE));
        }
        default(info);
    }));
}

/// Whether `err` is a write to a reader that went away.
fn closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit code for a command's result; errors are printed. Telemetry is
/// flushed first: every session has ended by now, and with it its spans.
fn finish(result: anyhow::Result<u8>) -> ExitCode {
    if let Err(err) = jig_telemetry::shutdown_all() {
        eprintln!("warning: {err}");
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if closed_pipe(&err) => ExitCode::from(CLOSED_PIPE),
        Err(err) => {
            eprintln!("error: {err:#}");
            match err.downcast_ref::<UsageError>() {
                Some(_) => ExitCode::from(exit::USAGE),
                None => ExitCode::from(exit::FAILED),
            }
        }
    }
}

/// A mistake in how jig was called; exits with [`exit::USAGE`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Invoked as `rg` (through the shim link jig puts on the PATH of the
/// commands it runs when ripgrep is not installed): answer as ripgrep would,
/// reading stdin when ripgrep would.
fn run_as_rg() -> Option<ExitCode> {
    let mut args = std::env::args_os();
    let argv0 = args.next()?;
    if std::path::Path::new(&argv0).file_name()? != "rg" {
        return None;
    }
    let args: Result<Vec<String>, _> = args.map(|arg| arg.into_string()).collect();
    let Ok(args) = args else {
        eprintln!("rg (jig): an argument is not valid UTF-8; jig's rg takes UTF-8 patterns and paths only");
        return Some(ExitCode::from(2));
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let mut stdin = std::io::stdin().lock();
    let input = if jig_tools::rg::readable_stdin() {
        jig_tools::rg::Input::Readable(&mut stdin)
    } else {
        jig_tools::rg::Input::Terminal(&mut stdin)
    };
    let code = jig_tools::rg::main(
        args,
        &cwd,
        input,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    Some(ExitCode::from(u8::try_from(code).unwrap_or(2)))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

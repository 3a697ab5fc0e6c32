//! The built-in tools of jig and the [`ToolRouter`] that dispatches the
//! model's tool calls to them.
//!
//! A [`Tool`] has a name, a JSON Schema, a description, and says whether it
//! mutates state ([`Tool::is_mutating`]): read-only calls may run concurrently,
//! mutating ones run alone and in order. Failures split in two, as
//! [`ToolError`] shows: what the model can fix goes back to it as tool output;
//! only real faults end a turn. Tools never choose the names the model sees:
//! dialects (a later layer) map their own names and argument shapes onto the
//! same implementations; the names here are the `generic` dialect's.
#![deny(missing_docs)]

pub mod agent_host;
pub mod agents;
pub mod apply_patch;
pub mod ask;
pub mod command_env;
pub mod create_tool;
pub mod edit_file;
pub mod exec_session;
pub mod files;
pub mod goal;
pub mod images;
pub mod list_dir;
pub mod plan;
pub mod project_tools;
pub mod read_file;
pub mod rg;
pub mod router;
pub mod sandboxing;
pub mod search;
pub mod shell;
pub mod skills;
pub mod truncate;
pub mod view_image;
pub mod write_file;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jig_protocol::{PlanStep, ToolSpec, ToolStatus};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

pub use router::ToolRouter;

/// The session's plan, shared by every tool face that edits it
/// (`update_plan`, a dialect's task tools). The core seeds it on resume from
/// the last recorded plan, so it needs no store of its own.
pub type SharedPlan = Arc<Mutex<Vec<PlanStep>>>;

/// The session's goal, shared by the goal tools and the core (which seeds
/// it on resume and keeps it outside the compacted history).
pub type SharedGoal = Arc<Mutex<Option<jig_protocol::Goal>>>;

/// What a tool run may look at.
#[derive(Debug, Clone)]
pub struct ToolContext {
    /// The workspace root; relative paths resolve against it.
    pub cwd: PathBuf,
    /// Cancelled when the person interrupts the turn; long tools must watch it.
    pub cancel: CancellationToken,
    /// The session's current plan.
    pub plan: SharedPlan,
    /// The session's goal.
    pub goal: SharedGoal,
    /// What commands and file writes may touch; `None` runs unsandboxed
    /// (danger-full-access, or a command a person approved to escalate).
    pub sandbox: Option<Arc<jig_sandbox::SandboxPolicy>>,
    /// How the environment of the commands this session runs is made from
    /// jig's own (`[shell_environment_policy]`).
    pub env: Arc<command_env::CommandEnv>,
    /// A directory put first on the `PATH` of the commands this session
    /// runs: the `rg` shim's, when no ripgrep is installed. Per session, so
    /// sessions side by side in one process never share one by accident.
    pub path_prefix: Option<PathBuf>,
    /// The front-end, for a tool that must ask it something (the tool host);
    /// `None` where nobody can answer (benches, direct dispatch).
    pub host: Option<Arc<dyn ToolHost>>,
    /// The session's sub-agents, for the agent tools; `None` where a
    /// session cannot have children (past the depth limit, benches).
    pub agents: Option<Arc<dyn agent_host::AgentHost>>,
    /// Where `read_file`, `write_file` and `edit_file` read and write text
    /// when not the disk (an editor's buffers); `None` is the disk.
    pub files: Option<Arc<dyn files::FileAccess>>,
}

/// How a running tool asks the front-end something and waits for the
/// answer: the session records the question before it is asked and the
/// answer after, and a question still open when jig stopped is asked again
/// on resume by running the call again. So a tool that asks does so before
/// it changes anything.
#[async_trait::async_trait]
pub trait ToolHost: Send + Sync + std::fmt::Debug {
    /// Asks `request` on behalf of the running call; returns the answer, or
    /// [`ToolError::Interrupted`] when the turn is interrupted meanwhile.
    async fn ask(&self, request: jig_protocol::HostRequest) -> Result<jig_protocol::HostAnswer, ToolError>;
}

impl ToolContext {
    /// A context for `cwd` with a fresh cancellation token.
    pub fn new(cwd: impl Into<PathBuf>) -> Self {
        ToolContext {
            cwd: cwd.into(),
            cancel: CancellationToken::new(),
            plan: SharedPlan::default(),
            goal: SharedGoal::default(),
            sandbox: None,
            env: Arc::default(),
            path_prefix: None,
            host: None,
            agents: None,
            files: None,
        }
    }
}

/// What a finished tool run hands back.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// Text shown to the model.
    pub output: String,
    /// `Ok`, or `Error` when the tool ran but reports failure (e.g. a
    /// non-zero exit code).
    pub status: ToolStatus,
    /// A change of session state the core must announce.
    pub effect: Option<ToolEffect>,
}

impl ToolResult {
    /// A successful result with `output`.
    pub fn ok(output: impl Into<String>) -> Self {
        ToolResult {
            output: output.into(),
            status: ToolStatus::Ok,
            effect: None,
        }
    }

    /// A result the tool reports as failed, with `output`.
    pub fn error(output: impl Into<String>) -> Self {
        ToolResult {
            output: output.into(),
            status: ToolStatus::Error,
            effect: None,
        }
    }
}

/// Session state a tool changed, for the core to turn into events.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolEffect {
    /// The plan was replaced.
    Plan {
        /// Optional note from the model.
        explanation: Option<String>,
        /// The new plan.
        plan: Vec<PlanStep>,
    },
    /// The goal was set or changed.
    Goal(jig_protocol::Goal),
    /// A project tool was created in `dir` ([`create_tool`]): the session
    /// offers it from its next model request.
    ToolCreated {
        /// The tool's directory.
        dir: PathBuf,
    },
    /// Images for the model ([`view_image`]): the core puts them on the
    /// call's output item, after its text, and announces nothing.
    Images(Vec<jig_protocol::ToolImage>),
}

/// Why a tool call did not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Something the model can fix (bad arguments, missing file, patch that
    /// does not apply). Goes back to the model as tool output.
    #[error("{0}")]
    RespondToModel(String),
    /// The call was cancelled by an interrupt.
    #[error("interrupted")]
    Interrupted,
    /// A fault of the harness or the machine; ends the turn.
    #[error("{0}")]
    Fatal(String),
}

/// A tool the model can call.
#[async_trait::async_trait]
pub trait Tool: Send + Sync {
    /// The spec offered to the model (name, description, JSON Schema).
    fn spec(&self) -> ToolSpec;

    /// Whether the tool may change the workspace or session state.
    fn is_mutating(&self) -> bool;

    /// Runs the tool with already-parsed JSON arguments.
    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError>;

    /// The command a call with `args` would run, for exec-policy rules and
    /// approvals; `None` for tools that run no command. Arguments that do
    /// not parse give `None` (the run itself reports them).
    fn preview(&self, _args: &serde_json::Value) -> Option<CommandPreview> {
        None
    }

    /// What a person approves before a call with `args` of a tool that acts
    /// outside jig's sandbox and rules (an MCP server's tool that does not
    /// say it is read-only): one line naming the action. `None` for tools
    /// the sandbox governs, and for commands (see [`Tool::preview`]).
    fn outside_action(&self, _args: &serde_json::Value) -> Option<String> {
        None
    }

    /// The files a call with `args` may create, change or delete, absolute
    /// or relative to `cwd`, so the session can snapshot them first (the
    /// checkpoints of `jig undo`). Empty for a tool that names no files:
    /// what a command writes is not known in advance. Arguments that do not
    /// parse give an empty list (the run itself reports them).
    fn writes(&self, _cwd: &std::path::Path, _args: &serde_json::Value) -> Vec<PathBuf> {
        Vec::new()
    }
}

/// What a command-running tool call is about to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPreview {
    /// The command.
    pub command: shell::CommandLine,
    /// The model's justification, when it asked to run outside the sandbox.
    pub escalation: Option<String>,
}

impl CommandPreview {
    /// The command as a person would type it.
    pub fn display(&self) -> String {
        match &self.command {
            shell::CommandLine::Script(script) => script.clone(),
            shell::CommandLine::Argv(argv) => argv
                .iter()
                .map(|a| {
                    if a.is_empty() || a.chars().any(|c| c.is_whitespace() || "'\"$`\\|&;<>()*?".contains(c)) {
                        format!("'{}'", a.replace('\'', r"'\''"))
                    } else {
                        a.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// The one file a call names in its string argument `key`, joined to
/// `cwd`, for [`Tool::writes`]; empty when the argument is missing.
pub fn named_file(cwd: &std::path::Path, args: &serde_json::Value, key: &str) -> Vec<PathBuf> {
    args.get(key)
        .and_then(|path| path.as_str())
        .map(|path| vec![cwd.join(path)])
        .unwrap_or_default()
}

/// Refuses a write the sandbox would refuse, before a built-in tool touches
/// the disk; `path` is relative to the workspace or absolute.
pub fn check_write(ctx: &ToolContext, path: &std::path::Path) -> Result<(), ToolError> {
    let Some(policy) = &ctx.sandbox else { return Ok(()) };
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        ctx.cwd.join(path)
    };
    jig_sandbox::check_write(policy, &path).map_err(|err| {
        ToolError::RespondToModel(format!(
            "{err}; the {} sandbox allows writes only under {}; ask the user for an escalation if this write is needed",
            policy.mode,
            policy
                .writable_roots()
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Runs blocking file work off the async threads; `what` names the tool in
/// the fault message if the worker itself dies.
pub(crate) async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, ToolError> + Send + 'static,
) -> Result<T, ToolError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ToolError::Fatal(format!("{what}: the worker thread failed: {err}")))?
}

/// Deserializes tool arguments, turning serde's message into one the model
/// can act on.
pub fn parse_args<T: DeserializeOwned>(tool: &str, args: serde_json::Value) -> Result<T, ToolError> {
    serde_json::from_value(args).map_err(|err| {
        ToolError::RespondToModel(format!(
            "invalid arguments for {tool}: {err}; check the tool's schema and call it again"
        ))
    })
}

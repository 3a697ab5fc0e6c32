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
    let policy = RetryPolicy::default();
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

//! Model profiles: which provider serves a model, which dialect it was
//! trained on, its context window, price, reasoning and preamble settings —
//! and the system prompt that follows from them.
//!
//! A profile is resolved once from a model spec: `PROVIDER:MODEL` takes the
//! model family's defaults (matched on the model name), a bare `NAME` is a
//! user profile from config or a built-in one. User config wins over
//! built-ins field by field; prices in config override the built-in table.
//! The prompt is byte-stable for a given profile, so request prefixes stay
//! cacheable.

use jig_config::{Dialect, Preamble, PriceSettings, ProviderKind, ReasoningEffort, Settings};
use jig_tools::images::{ImageInput, ImageLimits};

/// Everything jig knows about the model a session talks to.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Profile name (a built-in name, a config profile, or the model name).
    pub name: String,
    /// Provider key in [`Settings::providers`] (`openai`, `anthropic`, `ollama`, `chat`, or a user's).
    pub provider: String,
    /// Model name as the provider knows it.
    pub model: String,
    /// The tool dialect the family was trained on.
    pub dialect: Dialect,
    /// Context window in tokens.
    pub context_window: u64,
    /// How much the model narrates before tool calls.
    pub preamble: Preamble,
    /// Reasoning effort, for models that take one.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// USD per million tokens, when known.
    pub price: Option<PriceSettings>,
    /// Whether the model is offered the sub-agent tools. Off for the
    /// embedded model: a model that small spawns agents aimlessly, and each
    /// child's result starts another turn.
    pub sub_agents: bool,
    /// Whether the model takes image input (`view_image`, `Read` of an
    /// image). Known vision families only: the embedded model, scripted
    /// sessions and unknown chat models are text-only.
    pub vision: bool,
}

/// A model spec that names no known provider or profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model `{spec}`; {hint}")]
pub struct UnknownModel {
    /// What was asked for.
    pub spec: String,
    /// The choices there are.
    pub hint: String,
}

/// Built-in profiles: `(name, provider, model)`.
pub const BUILTIN_PROFILES: &[(&str, &str, &str)] = &[
    ("gpt-5-codex", "openai", "gpt-5-codex"),
    ("gpt-5", "openai", "gpt-5"),
    ("gpt-5-mini", "openai", "gpt-5-mini"),
    ("gpt-4.1", "openai", "gpt-4.1"),
    ("claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
    ("claude-opus-4-1", "anthropic", "claude-opus-4-1"),
    ("claude-haiku-4-5", "anthropic", "claude-haiku-4-5"),
    ("qwen2.5-coder", "ollama", "qwen2.5-coder:7b"),
    ("llama3.1", "ollama", "llama3.1:8b"),
    ("gemma3", "ollama", "gemma3:4b"),
];

/// Resolves `spec` (`PROVIDER:MODEL` or a profile name) against `settings`.
pub fn resolve(spec: &str, settings: &Settings) -> Result<Profile, UnknownModel> {
    let mut profile = match spec.split_once(':') {
        Some((provider, model)) if settings.providers.contains_key(provider) && !model.is_empty() => {
            family_defaults(model, provider, model)
        }
        Some((provider, _)) => {
            let known: Vec<&str> = settings.providers.keys().map(String::as_str).collect();
            return Err(UnknownModel {
                spec: spec.to_string(),
                hint: format!(
                    "provider `{provider}` is not configured; known providers: {}, plus scripted:PATH and replay:SESSION",
                    known.join(", ")
                ),
            });
        }
        None => named_profile(spec, settings)?,
    };
    if let Some(price) = settings.prices.get(&profile.model) {
        profile.price = Some(*price);
    }
    Ok(profile)
}

fn named_profile(name: &str, settings: &Settings) -> Result<Profile, UnknownModel> {
    if let Some(user) = settings.profiles.get(name) {
        let mut profile = family_defaults(name, &user.provider, &user.model);
        profile.dialect = user.dialect.unwrap_or(profile.dialect);
        profile.context_window = user.context_window.map_or(profile.context_window, u64::from);
        profile.preamble = user.preamble.unwrap_or(profile.preamble);
        profile.reasoning_effort = user.reasoning_effort.or(profile.reasoning_effort);
        return Ok(profile);
    }
    if let Some((_, provider, model)) = BUILTIN_PROFILES.iter().find(|(n, _, _)| *n == name) {
        return Ok(family_defaults(name, provider, model));
    }
    let mut names: Vec<&str> = settings.profiles.keys().map(String::as_str).collect();
    names.extend(BUILTIN_PROFILES.iter().map(|(n, _, _)| *n));
    Err(UnknownModel {
        spec: name.to_string(),
        hint: format!(
            "give PROVIDER:MODEL (e.g. openai:gpt-5-codex, anthropic:claude-sonnet-4-5, ollama:qwen2.5-coder:7b) \
             or a profile: {}",
            names.join(", ")
        ),
    })
}

/// Defaults for a model family, recognised by the model name.
fn family_defaults(name: &str, provider: &str, model: &str) -> Profile {
    let m = model.to_ascii_lowercase();
    let price = |input: f64, cached: f64, output: f64| {
        Some(PriceSettings {
            input,
            cached_input: Some(cached),
            output,
        })
    };
    let (dialect, context_window, price) = if m.starts_with("gpt-5") {
        let price = if m.contains("nano") {
            price(0.05, 0.005, 0.4)
        } else if m.contains("mini") {
            price(0.25, 0.025, 2.0)
        } else {
            price(1.25, 0.125, 10.0)
        };
        (Dialect::Codex, 400_000, price)
    } else if m.starts_with("gpt-4.1") {
        (Dialect::CodexLegacy, 1_047_576, price(2.0, 0.5, 8.0))
    } else if m.starts_with("o3") || m.starts_with("o4") {
        (Dialect::CodexLegacy, 200_000, price(2.0, 0.5, 8.0))
    } else if m.starts_with("claude") {
        let price = if m.contains("opus-4-5") || m.contains("opus-4.5") {
            price(5.0, 0.5, 25.0)
        } else if m.contains("opus") {
            price(15.0, 1.5, 75.0)
        } else if m.contains("haiku") {
            price(1.0, 0.1, 5.0)
        } else {
            price(3.0, 0.3, 15.0)
        };
        (Dialect::Claude, 200_000, price)
    } else if m.starts_with("qwen") {
        (Dialect::Generic, 32_768, None)
    } else if m.starts_with("llama3") || m.starts_with("gemma3") {
        (Dialect::Generic, 131_072, None)
    } else {
        (Dialect::Generic, 32_768, None)
    };
    Profile {
        name: name.to_string(),
        provider: provider.to_string(),
        model: model.to_string(),
        dialect,
        context_window,
        preamble: Preamble::Brief,
        reasoning_effort: None,
        price,
        sub_agents: true,
        vision: sees_images(&m),
    }
}

/// Model families known to take images, by lower-case model name: OpenAI's
/// GPT-4.1/GPT-5/o-series, Claude, Gemma 3, and the open vision models whose
/// names say so (`llava`, `…-vision`, `qwen2.5vl`, `…-vl`).
fn sees_images(model: &str) -> bool {
    ["gpt-4.1", "gpt-4o", "gpt-5", "o3", "o4", "claude", "gemma3"]
        .iter()
        .any(|family| model.starts_with(family))
        || ["llava", "vision", "-vl", "vl:", "minicpm-v"]
            .iter()
            .any(|marker| model.contains(marker))
        || model.ends_with("vl")
}

/// What the tools may send the model in images: nothing for a text-only
/// model, else the limits of the wire its provider speaks.
pub fn image_input(profile: &Profile, settings: &Settings) -> ImageInput {
    if !profile.vision {
        return ImageInput::TextOnly;
    }
    ImageInput::Accepted(match settings.providers.get(&profile.provider).map(|p| p.kind) {
        Some(ProviderKind::Anthropic) => ImageLimits::ANTHROPIC,
        Some(ProviderKind::OpenAi) => ImageLimits::OPENAI,
        Some(ProviderKind::Chat) | None => ImageLimits::CHAT,
    })
}

/// The profile scripted and replayed sessions (and the embedded model)
/// use: generic tools, no price, text only.
pub fn offline(name: &str) -> Profile {
    Profile {
        vision: false,
        ..family_defaults(name, "scripted", name)
    }
}

/// The system prompt for a profile: who jig is, how much to narrate, how to
/// work, the dialect's tool paragraph, and where it runs. Fixed for the life
/// of a session, so every request starts with the same bytes.
pub fn instructions(profile: &Profile, cwd: &std::path::Path) -> String {
    let narrate = match profile.preamble {
        Preamble::None => "Do not narrate; call tools directly and report only the result.",
        Preamble::Brief => "Before calling tools, say in one short sentence what you are about to do.",
        Preamble::Detailed => {
            "Before each group of tool calls, explain in two or three sentences what you are about to do and why."
        }
    };
    format!(
        "You are jig, a coding agent working in the user's workspace through tools. {narrate} \
Gather context before editing: search and read the relevant code first. Keep a plan for work of more \
than a couple of steps. After changing code, run the tests or the narrowest check that proves the \
change, and fix what fails. Finish with a brief summary of what you changed and how you verified it.\n\n{}\n\n\
Environment: working directory {}; operating system {}; commands run with bash.",
        crate::tool_instructions(profile.dialect),
        cwd.display(),
        std::env::consts::OS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vision_follows_the_model_family_and_offline_models_are_text_only() {
        let sees = |provider: &str, model: &str| family_defaults(model, provider, model).vision;
        assert!(sees("openai", "gpt-5-codex"));
        assert!(sees("anthropic", "claude-sonnet-4-5"));
        assert!(sees("ollama", "gemma3:4b"));
        assert!(sees("ollama", "qwen2.5vl:7b"));
        assert!(sees("ollama", "llama3.2-vision:11b"));
        assert!(!sees("ollama", "qwen2.5-coder:7b"));
        assert!(!sees("chat", "my-local-model"));
        assert!(!offline("local:qwen2.5-coder-0.5b").vision);
        assert!(!offline("claude-sonnet-4-5").vision);
    }

    #[test]
    fn image_limits_follow_the_providers_wire() {
        let home = std::env::temp_dir().join(format!("jig-image-limits-{}", std::process::id()));
        let env = jig_config::EnvSnapshot::from_pairs([("JIG_HOME", home.display().to_string())]);
        let inputs = jig_config::LoadInputs {
            cwd: home.clone(),
            env,
            cli: jig_config::CliOverrides::default(),
        };
        let settings = jig_config::load(&inputs).unwrap_or_else(|e| panic!("{e}"));
        let profile = |provider: &str, model: &str| family_defaults(model, provider, model);
        assert_eq!(
            image_input(&profile("anthropic", "claude-haiku-4-5"), &settings),
            ImageInput::Accepted(ImageLimits::ANTHROPIC)
        );
        assert_eq!(
            image_input(&profile("openai", "gpt-5"), &settings),
            ImageInput::Accepted(ImageLimits::OPENAI)
        );
        assert_eq!(
            image_input(&profile("ollama", "qwen2.5-coder:7b"), &settings),
            ImageInput::TextOnly
        );
    }
}

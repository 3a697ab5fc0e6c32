//! The packaged model, a helper to run one generation, and an independent
//! check of tool-call arguments against their JSON Schema.

use std::path::PathBuf;

use jig_local::engine::{Engine, EngineOptions, GenStats, Generation};
use jig_local::prompt::ChatMessage;
use jig_local::toolcall::{self, Listing};
use jig_protocol::ToolSpec;
use serde_json::Value;

/// The default packaged model, as `jig model fetch` installed it
/// (`$JIG_MODELS_DIR`, else `$JIG_HOME/models`, else `~/.jig/models`).
pub fn model_path() -> PathBuf {
    let dir = std::env::var_os("JIG_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("JIG_HOME").map(|h| PathBuf::from(h).join("models")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".jig/models")))
        .unwrap_or_else(|| PathBuf::from(".jig/models"));
    match jig_local::registry::locate(jig_local::registry::DEFAULT_MODEL, &dir) {
        Ok(path) => path,
        Err(e) => panic!("these tests need the packaged model: {e}"),
    }
}

pub fn engine(options: EngineOptions) -> Engine {
    match Engine::load(&model_path(), options) {
        Ok(engine) => engine,
        Err(e) => panic!("cannot load the packaged model: {e}"),
    }
}

/// An engine with a model of its own, which no other test's handles share.
pub fn unshared(options: EngineOptions) -> Engine {
    match Engine::load_unshared(&model_path(), options) {
        Ok(engine) => engine,
        Err(e) => panic!("cannot load the packaged model: {e}"),
    }
}

pub fn chat(pairs: &[(&'static str, &str)]) -> Vec<ChatMessage> {
    pairs
        .iter()
        .map(|(role, content)| ChatMessage {
            role,
            content: (*content).to_owned(),
        })
        .collect()
}

/// Runs one generation to the end.
pub fn run(engine: &Engine, messages: Vec<ChatMessage>, grammar: Option<String>) -> GenStats {
    let stop = vec!["<tool_response>".into()];
    engine
        .complete(Generation {
            messages,
            grammar,
            stop,
        })
        .unwrap_or_else(|e| panic!("generation failed: {e}"))
}

/// jig's generic tools, as `jig exec` offers them.
pub fn tools() -> Vec<ToolSpec> {
    jig_dialect::router(jig_config::Dialect::Generic).specs()
}

/// The system prompt `jig exec` sends a small local model.
pub fn system_prompt(tools: &[ToolSpec]) -> String {
    let profile = jig_dialect::profiles::offline("local:smollm2");
    let instructions = jig_dialect::profiles::instructions(&profile, std::path::Path::new("/workspace"));
    let layout = toolcall::CallLayout::Array;
    format!(
        "{instructions}\n\n{}",
        toolcall::tools_prompt(tools, layout, Listing::Brief)
    )
}

/// Checks `value` against the subset of JSON Schema jig's tools use: types,
/// `required`, `additionalProperties: false`, `enum`, `anyOf`, `items`,
/// bounds. Written separately from the grammar so it can catch the grammar.
pub fn validate(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        return if options.iter().any(|s| validate(s, value, at).is_ok()) {
            Ok(())
        } else {
            Err(format!("{at}: matches no anyOf branch"))
        };
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let ty = schema.get("type").and_then(Value::as_str);
    let ok = match ty {
        Some("object") => value.is_object(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        _ => true,
    };
    if !ok {
        return Err(format!("{at}: {value} is not of type {ty:?}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        return Err(format!("{at}: {n} is below the minimum {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64())
        && n > max
    {
        return Err(format!("{at}: {n} is above the maximum {max}"));
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            return Err(format!("{at}: fewer than {min} items"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(item_schema, item, &format!("{at}[{i}]"))?;
            }
        }
    }
    if let Some(map) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !map.contains_key(key) {
                return Err(format!("{at}: required `{key}` is missing"));
            }
        }
        for (key, v) in map {
            match props.and_then(|p| p.get(key)) {
                Some(s) => validate(s, v, &format!("{at}.{key}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return Err(format!("{at}: unknown argument `{key}`")),
                    Some(extra @ Value::Object(_)) => validate(extra, v, &format!("{at}.{key}"))?,
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

/// How one generated response's tool calls fared against the offered tools.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Responses that tried to call a tool (wrote the opening tag).
    pub attempted: u32,
    /// Calls that parsed, named an offered tool, and had valid arguments.
    pub valid: u32,
    /// Calls (or blocks) that did not.
    pub malformed: u32,
}

pub fn tally(text: &str, tools: &[ToolSpec], into: &mut Tally, failures: &mut Vec<String>) {
    if !text.contains(toolcall::OPEN) {
        return;
    }
    into.attempted += 1;
    let parsed = toolcall::parse(text);
    for bad in &parsed.malformed {
        into.malformed += 1;
        failures.push(bad.reason.clone());
    }
    for call in parsed.calls {
        let verdict = match tools.iter().find(|t| t.name == call.name) {
            None => Err(format!("`{}` is not an offered tool", call.name)),
            Some(tool) => serde_json::from_str::<Value>(&call.arguments)
                .map_err(|e| e.to_string())
                .and_then(|args| validate(&jig_model::wire::function_parameters(tool), &args, &call.name)),
        };
        match verdict {
            Ok(()) => into.valid += 1,
            Err(e) => {
                into.malformed += 1;
                failures.push(e);
            }
        }
    }
}

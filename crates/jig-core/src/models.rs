//! Turning a model spec (`PROVIDER:NAME`) into a [`ModelClient`].
//!
//! Lives in the core, not in `jig-model`, because `replay:SESSION` needs the
//! session store to find a rollout. Real network providers arrive with
//! model profiles; until then the deterministic providers are the choices.

use std::path::Path;
use std::sync::Arc;

use jig_model::replay::ReplayModel;
use jig_model::scripted::ScriptedModel;
use jig_model::{ModelClient, ModelError};

use crate::error::CoreError;
use crate::store::{ROLLOUT_FILE, SessionStore};

/// Builds the client for `spec`, e.g. `scripted:fix.toml` or `replay:0192…`.
pub fn model_from_spec(spec: &str, store: &SessionStore) -> Result<Arc<dyn ModelClient>, CoreError> {
    let (provider, name) = spec.split_once(':').unwrap_or((spec, ""));
    if name.is_empty() {
        return Err(bad_spec(spec).into());
    }
    match provider {
        "scripted" => Ok(Arc::new(ScriptedModel::from_file(Path::new(name))?)),
        "replay" => {
            let dir = store.resolve(name)?;
            Ok(Arc::new(ReplayModel::from_rollout(&dir.join(ROLLOUT_FILE))?))
        }
        _ => Err(bad_spec(spec).into()),
    }
}

fn bad_spec(spec: &str) -> ModelError {
    ModelError::BadSpec(format!(
        "unknown model `{spec}`; use `scripted:PATH` (a model script file) or `replay:SESSION` \
         (re-run a recorded session's responses)"
    ))
}

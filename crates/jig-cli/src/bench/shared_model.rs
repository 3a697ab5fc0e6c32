//! `jig bench sessions`, local part: the resident memory of sessions on one
//! embedded model, against one session on it, and against the same sessions
//! each with a model of its own ([`Engine::load_unshared`]), all in one run.
//!
//! Figures are `VmRSS` growth, split into anonymous memory (contexts, KV
//! caches, buffers) and file pages (the weights, which are memory-mapped:
//! every mapping of the file counts its pages again in `VmRSS`, though the
//! page cache holds them once), with the proportional set size (`Pss`, each
//! page counted once however often it is mapped) beside it as the physical
//! figure. The shared handles are dropped before the unshared step, and the
//! bench waits for the model to unload (on its own thread, some time after
//! its last handle drops) before reading that step's baseline, so each step
//! is measured alone and its file pages count in its `Pss`. Generations are
//! a few tokens, so the bench measures memory, not speed.
//!
//! Invariant: the shared handles are checked to run on one model and the
//! unshared ones on models of their own before any figure is printed.

use std::time::{Duration, Instant};

use jig_local::LocalModel;
use jig_local::engine::{Engine, EngineOptions, Generation};
use jig_local::prompt::ChatMessage;
use jig_local::registry::FetchError;

use super::loop_gap::status_kib;

/// The packaged model the bench loads, as `jig bench local` does by default.
const MODEL: &str = "smollm2";

/// Sessions on the model, shared and unshared.
const SESSIONS: usize = 4;

/// Longest wait for a model to unload after its last handle drops.
const UNLOAD_WAIT: Duration = Duration::from_secs(30);

/// Resident memory at one moment, MiB.
#[derive(Clone, Copy)]
struct Rss {
    total: f64,
    anon: f64,
    file: f64,
    /// Proportional set size: a page mapped k times counts 1/k per mapping.
    pss: f64,
}

impl Rss {
    fn now() -> Rss {
        let mib = |field| status_kib(field).unwrap_or(f64::NAN) / 1024.0;
        Rss {
            total: mib("VmRSS:"),
            anon: mib("RssAnon:"),
            file: mib("RssFile:"),
            pss: smaps_rollup_kib("Pss:").unwrap_or(f64::NAN) / 1024.0,
        }
    }

    fn minus(self, before: Rss) -> Rss {
        Rss {
            total: self.total - before.total,
            anon: self.anon - before.anon,
            file: self.file - before.file,
            pss: self.pss - before.pss,
        }
    }
}

/// Prints the RSS of [`SESSIONS`] sessions on one model against one, and
/// against [`SESSIONS`] unshared models; a line saying why when the model
/// is not installed.
pub fn shared_model() -> anyhow::Result<()> {
    let (models_dir, _) = crate::model::models_dir()?;
    let path = match jig_local::registry::locate(MODEL, &models_dir) {
        Ok(path) => path,
        Err(FetchError::NotInstalled { dir, .. }) => {
            println!(
                "bench sessions: shared local model: skipped ({MODEL} is not installed in {dir}; \
                 `jig model fetch {MODEL}` installs it)"
            );
            return Ok(());
        }
        Err(err) => return Err(err.into()),
    };
    let options = EngineOptions {
        max_output_tokens: 4,
        ..EngineOptions::default()
    };
    let before = Rss::now();
    let first = LocalModel::load(MODEL, &models_dir, options.clone())?;
    generate(first.engine())?;
    let one = Rss::now().minus(before);
    let info = first.engine().info().clone();
    let mut shared = vec![first];
    for _ in 1..SESSIONS {
        let model = LocalModel::load(MODEL, &models_dir, options.clone())?;
        generate(model.engine())?;
        shared.push(model);
    }
    let loaded = Rss::now();
    let four_shared = loaded.minus(before);
    let lead = shared[0].engine();
    anyhow::ensure!(
        shared.iter().all(|m| m.engine().shares_model_with(lead)) && lead.model_handles() == SESSIONS,
        "the {SESSIONS} pooled handles do not share one model ({} handles on the first)",
        lead.model_handles()
    );
    drop(shared);
    let unloaded = wait_for_unload(loaded, one.file)?;
    let mut unshared: Vec<Engine> = Vec::new();
    for _ in 0..SESSIONS {
        let engine = Engine::load_unshared(&path, options.clone())?;
        generate(&engine)?;
        anyhow::ensure!(
            engine.model_handles() == 1 && !unshared.iter().any(|u| u.shares_model_with(&engine)),
            "an unshared engine runs on another engine's model"
        );
        unshared.push(engine);
    }
    let four_unshared = Rss::now().minus(unloaded);

    println!(
        "bench sessions: {SESSIONS} sessions on one local model vs 1 ({}, {} parameters, {}-token contexts, \
         {} tokens per generation; growth over the RSS before loading)",
        info.name, info.parameters, info.context_size, options.max_output_tokens
    );
    println!(
        "  {:<38} {:>12} {:>8} {:>8} {:>8} {:>12} {:>10}",
        "", "VmRSS MiB", "anon", "file", "Pss", "VmRSS/ref", "Pss/ref"
    );
    row("1 session (reference)", one, one);
    row(&format!("{SESSIONS} sessions, one shared model"), four_shared, one);
    row(
        &format!("{SESSIONS} sessions, {SESSIONS} unshared models"),
        four_unshared,
        one,
    );
    println!(
        "  sharing saves {:.1} of {:.1} MiB VmRSS ({:.2}x less), {:.1} of {:.1} MiB Pss ({:.2}x less); \
         VmRSS counts the mapped weights once per model, Pss once",
        four_unshared.total - four_shared.total,
        four_unshared.total,
        four_unshared.total / four_shared.total,
        four_unshared.pss - four_shared.pss,
        four_unshared.pss,
        four_unshared.pss / four_shared.pss
    );
    Ok(())
}

/// One row: the growth `rss`, and its ratios to `reference`.
fn row(name: &str, rss: Rss, reference: Rss) {
    println!(
        "  {name:<38} {:>12.1} {:>8.1} {:>8.1} {:>8.1} {:>11.2}x {:>9.2}x",
        rss.total,
        rss.anon,
        rss.file,
        rss.pss,
        rss.total / reference.total,
        rss.pss / reference.pss
    );
}

/// Waits until the model whose last handle was just dropped has unloaded
/// (on its own thread) and returns the RSS then: the baseline of the
/// unshared step. `loaded` is the RSS with the model loaded, `mapped` the
/// file pages its load added; the model has unloaded once most of those are
/// gone (the rest are code pages its first use faulted in, which stay).
/// Its contexts are freed before its weights, so anonymous memory is back
/// by then too.
fn wait_for_unload(loaded: Rss, mapped: f64) -> anyhow::Result<Rss> {
    let deadline = Instant::now() + UNLOAD_WAIT;
    loop {
        let now = Rss::now();
        if now.file <= loaded.file - mapped / 2.0 {
            return Ok(now);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the shared model did not unload within {} s of its last handle dropping ({:.1} MiB of file pages still mapped)",
            UNLOAD_WAIT.as_secs(),
            now.file - (loaded.file - mapped)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `field` of `/proc/self/smaps_rollup`, in KiB.
fn smaps_rollup_kib(field: &str) -> Option<f64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = rollup.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One tiny generation, so the handle has its context and its pages touched.
fn generate(engine: &Engine) -> anyhow::Result<()> {
    engine.complete(Generation {
        messages: vec![ChatMessage {
            role: "user",
            content: "Say hi.".to_owned(),
        }],
        grammar: None,
        stop: Vec::new(),
    })?;
    Ok(())
}

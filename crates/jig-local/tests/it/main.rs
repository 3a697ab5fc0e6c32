//! jig-local's integration tests: the real packaged GGUF model (installed by
//! `jig model fetch`, as the README's test command does), loaded and run on
//! this machine's CPU with greedy decoding, so every run is deterministic.

mod constrained;
mod engine;
mod pool;
mod provider;
mod support;

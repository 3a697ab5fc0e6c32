//! How the engine sets up llama.cpp: the model and context parameters,
//! chosen by measurement on CPU (`jig bench local`), in one place so the
//! bench's plain llama.cpp reference runs with exactly the engine's settings.
//!
//! Invariant: every context the engine creates comes from [`context_params`];
//! nothing else picks threads, batch sizes or the attention kernel.
//!
//! Flash attention is off. llama.cpp turns it on by default for CPU, where
//! its kernel re-reads the whole KV cache per head without the matrix
//! routines the plain path uses: at a ~1k-token context generation ran
//! 1.4–2.3× slower with it (SmolLM2-135M, 2 cores), and its text also
//! changed with the thread count, which the plain path's does not.

use std::num::NonZeroU32;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::model::params::LlamaModelParams;

use super::EngineOptions;

/// Tokens evaluated per `llama_decode` call while reading a prompt (also the
/// physical batch: one graph per chunk).
pub const BATCH: usize = 512;

/// The context parameters for a `context_size`-token context under `options`.
pub fn context_params(options: &EngineOptions, context_size: u32) -> LlamaContextParams {
    let threads = threads(options);
    LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(context_size))
        .with_n_batch(BATCH as u32)
        .with_n_ubatch(BATCH as u32)
        .with_n_threads(threads)
        .with_n_threads_batch(threads)
        .with_flash_attention_policy(llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_DISABLED)
}

/// The model parameters: the file is memory-mapped (llama.cpp's default),
/// so loading maps the page cache instead of copying the weights.
pub fn model_params() -> LlamaModelParams {
    LlamaModelParams::default().with_use_mmap(true)
}

/// CPU threads for `options`: every core unless told otherwise.
fn threads(options: &EngineOptions) -> i32 {
    let threads = options.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    i32::try_from(threads.max(1)).unwrap_or(1)
}

//! How the engine sets up llama.cpp: the model and context parameters,
//! chosen by measurement on CPU (`jig bench local`), in one place so the
//! bench's plain llama.cpp reference runs with exactly the engine's settings.
//!
//! Invariant: every context the engine creates comes from [`context_params`];
//! nothing else picks threads, batch sizes or the attention kernel.
//!
//! Flash attention stays on (llama.cpp's choice for CPU). Off, generation at
//! a ~1k-token context ran 1.4–2.3× faster here (SmolLM2-135M, 2 cores),
//! but the plain attention path's sums depend on the batch's shape: a prompt
//! evaluated after a reused KV prefix then gives different logits than the
//! same prompt evaluated whole, and prefix reuse changed the model's answers
//! (`kv_reuse_evaluates_only_the_new_tokens_and_changes_no_output`). Reuse
//! must never change output, so the faster path is not taken.

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
        .with_flash_attention_policy(llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_AUTO)
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

//! Start-up: nothing slow runs before the first model request, and the
//! binary loads no shared library it can do without.
//!
//! The o200k tokenizer (OpenAI families) takes a few hundred milliseconds of
//! CPU to build, so `jig exec` must reach its first request without it and
//! build it only once the context is large enough for exact counts to
//! matter. `JIG_LOG=jig_compact=debug` makes the build visible on stderr;
//! those tests run a real `jig exec` against the fake server. The times
//! themselves are `jig bench startup`'s to show.

use std::process::Output;

use jig_testkit::streams::openai;
use jig_testkit::{End, Reply};

use crate::support::{Env, serve, stderr, stdout};

const BUILDING: &str = "building the o200k_base tokenizer";

/// `jig exec --model MODEL PROMPT` against a fake OpenAI server answering
/// one text response, with the tokenizer's build logged.
fn exec_openai(env: &Env, model: &str, prompt: &str) -> Output {
    let served = serve(vec![Reply::events(&openai::text(&["done"]), End::Clean)]);
    let mut cmd = env.jig();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") {
            cmd.env_remove(name.as_ref());
        }
    }
    let out = cmd
        .env_remove("OLLAMA_HOST")
        .env_remove("JIG_MODEL")
        .env("OPENAI_BASE_URL", served.server.base_url())
        .env("OPENAI_API_KEY", "sk-test")
        .env("JIG_LOG", "jig_compact=debug")
        .args(["exec", "--model", model, prompt])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(served.server.requests().len(), 1);
    out
}

#[test]
fn a_short_openai_session_never_builds_the_tokenizer() {
    let env = Env::new();
    let out = exec_openai(&env, "openai:gpt-5-codex", "say done");
    assert!(!stderr(&out).contains(BUILDING), "{}", stderr(&out));
}

#[test]
fn a_context_near_its_window_builds_the_tokenizer_for_exact_counts() {
    let env = Env::new();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(
        env.home().join("config.toml"),
        "[compaction]\nauto = false\n\n[profiles.tiny]\nprovider = \"openai\"\nmodel = \"gpt-5-codex\"\n\
         context_window = 200\n",
    )
    .unwrap();
    // About 500 tokens in a 200-token window: the byte bound cannot rule out
    // the budget note, so the count must be exact.
    let prompt = "count these words please ".repeat(100);
    let out = exec_openai(&env, "tiny", &prompt);
    assert!(stderr(&out).contains(BUILDING), "{}", stderr(&out));
}

/// Loading and relocating the shared C++ library (which llama.cpp needs)
/// cost every start, `jig --version` included, about 0.3 ms of CPU: it is
/// linked into the binary instead.
#[cfg(target_os = "linux")]
#[test]
fn jig_needs_no_shared_cxx_library() {
    let needed = needed_libraries(&std::fs::read(env!("CARGO_BIN_EXE_jig")).unwrap());
    assert!(needed.iter().any(|lib| lib.starts_with("libc.so")), "{needed:?}");
    assert!(!needed.iter().any(|lib| lib.starts_with("libstdc++")), "{needed:?}");
}

/// The `DT_NEEDED` entries of a little-endian ELF64 executable.
#[cfg(target_os = "linux")]
fn needed_libraries(elf: &[u8]) -> Vec<String> {
    const PT_LOAD: u32 = 1;
    const PT_DYNAMIC: u32 = 2;
    const DT_NEEDED: u64 = 1;
    const DT_STRTAB: u64 = 5;
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap()) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    assert_eq!(&elf[..6], b"\x7fELF\x02\x01", "not a little-endian ELF64 file");
    let headers: Vec<usize> = (0..u16_at(0x38))
        .map(|i| u64_at(0x20) as usize + i * u16_at(0x36))
        .collect();
    // (type, file offset, address, size in the file) of each program header.
    let segments: Vec<(u32, u64, u64, u64)> = headers
        .iter()
        .map(|&h| (u32_at(h), u64_at(h + 8), u64_at(h + 16), u64_at(h + 32)))
        .collect();
    let file_offset = |address: u64| {
        let &(_, offset, start, _) = segments
            .iter()
            .find(|&&(kind, _, start, size)| kind == PT_LOAD && (start..start + size).contains(&address))
            .unwrap();
        (address - start + offset) as usize
    };
    let &(_, dynamic, _, size) = segments.iter().find(|s| s.0 == PT_DYNAMIC).unwrap();
    let entries: Vec<(u64, u64)> = (dynamic..dynamic + size)
        .step_by(16)
        .map(|at| (u64_at(at as usize), u64_at(at as usize + 8)))
        .take_while(|&(tag, _)| tag != 0)
        .collect();
    let strings = file_offset(entries.iter().find(|e| e.0 == DT_STRTAB).unwrap().1);
    entries
        .iter()
        .filter(|e| e.0 == DT_NEEDED)
        .map(|&(_, name)| {
            let start = strings + name as usize;
            let end = start + elf[start..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8_lossy(&elf[start..end]).into_owned()
        })
        .collect()
}

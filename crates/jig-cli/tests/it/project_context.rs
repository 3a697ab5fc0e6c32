//! Project instructions (`AGENTS.md`) and skills through whole `jig exec`
//! sessions: what the first request's instructions hold and in what order,
//! that every later request — also after `jig resume`, with the files
//! changed meanwhile — starts with the same bytes, and a skill listed,
//! loaded on request and its script run, in the generic and claude dialects.
//!
//! `HOME` points into the test's temp dir, so the developer's own
//! `~/.codex/skills` or `~/.claude/skills` can never leak into a request.

use std::path::{Path, PathBuf};
use std::process::Output;

use jig_testkit::streams::openai;
use jig_testkit::{End, Reply};
use serde_json::Value;

use crate::support::{Env, records, serve, stderr, stdout};

/// A repository in `ws` (with `.git`), instructions files at its root, in
/// `ws/pkg` (where the session runs) and the user's in `$JIG_HOME`.
fn repository() -> (Env, PathBuf) {
    let env = Env::new();
    let ws = env.ws();
    let pkg = ws.join("pkg");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(env.home().join("AGENTS.md"), "# Mine\nAnswer in British English.\n").unwrap();
    std::fs::write(
        ws.join("AGENTS.md"),
        "# Repository\nRun `make check` before finishing.\n",
    )
    .unwrap();
    std::fs::write(pkg.join("AGENTS.md"), "# pkg\nThis package has no network access.\n").unwrap();
    std::fs::write(pkg.join("hello.txt"), "hello\n").unwrap();
    (env, pkg)
}

/// `jig ARGS` in `dir` against the fake OpenAI server at `base_url`, with
/// the developer's provider variables removed and `HOME` in the temp dir.
fn run_openai(env: &Env, dir: &Path, base_url: &str, args: &[&str]) -> Output {
    let mut cmd = env.jig();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env_remove("OLLAMA_HOST")
        .env_remove("JIG_MODEL")
        .env("HOME", env.dir.path())
        .env("OPENAI_BASE_URL", base_url)
        .env("OPENAI_API_KEY", "sk-test")
        .current_dir(dir);
    let out = cmd.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

/// The instructions of a Responses request: its leading developer message.
fn instructions(request: &Value) -> String {
    let first = &request["input"][0];
    assert_eq!(first["role"], "developer", "{first}");
    first["content"][0]["text"].as_str().unwrap().to_string()
}

#[test]
fn agents_md_chain_reaches_the_first_request_in_order_and_the_prefix_never_changes() {
    let served = serve(vec![
        Reply::events(
            &openai::function_call("call_1", "exec_command", r#"{"cmd":"cat hello.txt"}"#),
            End::Clean,
        ),
        Reply::events(&openai::text(&["It says hello."]), End::Clean),
        Reply::events(&openai::text(&["Still hello."]), End::Clean),
    ]);
    let (env, pkg) = repository();
    let url = served.server.base_url();
    let args = [
        "exec",
        "--json",
        "--model",
        "openai:gpt-5-codex",
        "what does hello.txt say?",
    ];
    run_openai(&env, &pkg, &url, &args);

    // The files change after the session began; resume must not pick that up.
    std::fs::write(env.ws().join("AGENTS.md"), "# Repository\nSomething else entirely.\n").unwrap();
    std::fs::write(pkg.join("AGENTS.override.md"), "A new override.\n").unwrap();
    run_openai(&env, &pkg, &url, &["resume", "--json", "--last", "and now?"]);

    let requests: Vec<Value> = served.server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(requests.len(), 3);
    let text = instructions(&requests[0]);
    let order = ["Answer in British English.", "Run `make check`", "no network access"].map(|needle| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from the instructions:\n{text}"))
    });
    assert!(order.is_sorted(), "the chain is out of order:\n{text}");
    // The profile's own text comes first; the snapshot pins what follows it,
    // so a change to the tools' paragraph does not touch it.
    assert!(text.starts_with("You are jig"), "{text}");
    let section = &text[text.find("## Project instructions").expect("the project instructions")..];
    let ws = env.ws().canonicalize().unwrap();
    let shown = section
        .replace(&ws.display().to_string(), "[WS]")
        .replace(&env.home().display().to_string(), "[HOME]");
    insta::assert_snapshot!("agents_md_first_request_instructions", shown);

    // Request 2, and request 3 after resume, start with request 1's bytes:
    // the same instructions, tools and first items.
    let first_input = requests[0]["input"].as_array().unwrap();
    for (n, later) in requests.iter().enumerate().skip(1) {
        let input = later["input"].as_array().unwrap();
        assert_eq!(
            input[..first_input.len()],
            first_input[..],
            "request {} must start with request 1's input",
            n + 1
        );
        assert_eq!(
            later["tools"],
            requests[0]["tools"],
            "request {} changed the tools",
            n + 1
        );
        let a = serde_json::to_string(&requests[0]["input"][0]).unwrap();
        let b = serde_json::to_string(&later["input"][0]).unwrap();
        assert_eq!(a, b, "request {} changed the instructions' bytes", n + 1);
    }
    assert!(!instructions(&requests[2]).contains("Something else entirely"));
}

#[test]
fn config_show_lists_the_instructions_files_and_skills() {
    let (env, pkg) = repository();
    write_skill(&env.ws(), "marker");
    std::fs::write(pkg.join("AGENTS.md"), "x".repeat(40 * 1024)).unwrap();
    let out = env
        .jig()
        .env("HOME", env.dir.path())
        .current_dir(&pkg)
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ws = env.ws().canonicalize().unwrap();
    let shown: Vec<String> = stdout(&out)
        .lines()
        .filter(|line| line.starts_with("instructions[") || line.starts_with("skills."))
        .map(|line| {
            line.replace(&ws.display().to_string(), "[WS]")
                .replace(&env.home().display().to_string(), "[HOME]")
        })
        .collect();
    insta::assert_snapshot!("config_show_project_context", shown.join("\n"));
    assert!(
        stderr(&out).contains("instructions files exceed 32768 bytes"),
        "{}",
        stderr(&out)
    );
}

/// A skill `name` in `root/.jig/skills/NAME` whose script writes
/// `skill-ran.txt` in the directory it runs in and prints `MARKED`.
fn write_skill(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(".jig/skills").join(name);
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        format!(
            "---\nname: {name}\ndescription: Leaves a marker file in the workspace. Use when asked to mark it.\n---\n\n\
# Marker\nSTEP ONE: run `sh scripts/mark.sh`; it leaves skill-ran.txt in the current directory.\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("scripts/mark.sh"),
        "echo skill-ran > skill-ran.txt\necho MARKED\n",
    )
    .unwrap();
    dir
}

/// A session in `dialect` whose scripted model loads the skill `marker`
/// with `load` (a tool call in TOML) and runs its script with `run`.
fn skill_session(dialect: &str, load: &str, run: &str) {
    let env = Env::new();
    let skill = write_skill(&env.ws(), "marker");
    let broken = env.ws().join(".claude/skills/broken/SKILL.md");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(&broken, "# Broken\nNo frontmatter here.\n").unwrap();
    let script_path = skill.join("scripts/mark.sh").canonicalize().unwrap();
    let run = run.replace("SCRIPT", &script_path.display().to_string());
    let script = format!(
        r#"
[[response]]
text = "Loading the skill."
{load}

[[response]]
[response.expect]
last_output_contains = "STEP ONE: run `sh scripts/mark.sh`"
{run}

[[response]]
text = "Marked."
[response.expect]
last_output_contains = "MARKED"
"#
    );
    let model = format!("scripted:{}", env.file("script.toml", &script).display());
    let out = env
        .jig()
        .env("HOME", env.dir.path())
        .args(["exec", "--dialect", dialect, "--model", &model, "mark the workspace"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "Marked.\n");
    assert!(
        env.ws().join("skill-ran.txt").is_file(),
        "the skill's script did not run"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("skipped skill {}", broken.display())) && err.contains("no YAML frontmatter"),
        "{err}"
    );

    let session = env.only_session();
    let meta = records(&session.join("rollout.jsonl"))
        .into_iter()
        .find_map(|record| match record {
            jig_protocol::RolloutRecord::SessionMeta(meta) => Some(meta),
            _ => None,
        })
        .expect("a session_meta record");
    let listing = "## Skills\n";
    let line = "\n- marker: Leaves a marker file in the workspace. Use when asked to mark it.\n";
    assert!(
        meta.instructions.contains(listing) && meta.instructions.contains(line),
        "{}",
        meta.instructions
    );
    assert!(!meta.instructions.contains("broken"), "{}", meta.instructions);
    assert!(
        !meta.instructions.contains("STEP ONE"),
        "the body is loaded only on request"
    );
}

#[test]
fn a_generic_skill_is_listed_loaded_with_skill_and_its_script_run_with_shell() {
    skill_session(
        "generic",
        "[[response.tool_calls]]\nname = \"skill\"\narguments = { name = \"marker\" }",
        "[[response.tool_calls]]\nname = \"shell\"\narguments = { command = [\"sh\", \"SCRIPT\"] }",
    );
}

#[test]
fn a_claude_skill_is_loaded_with_skill_and_its_script_run_with_bash() {
    skill_session(
        "claude",
        "[[response.tool_calls]]\nname = \"Skill\"\narguments = { skill = \"marker\" }",
        "[[response.tool_calls]]\nname = \"Bash\"\narguments = { command = \"sh SCRIPT\" }",
    );
}

#[test]
fn an_anthropic_request_lists_skills_in_the_system_prompt_and_offers_skill() {
    let served = serve(vec![Reply::events(
        &jig_testkit::streams::anthropic::text(&["Nothing to do."]),
        End::Clean,
    )]);
    let env = Env::new();
    write_skill(&env.ws(), "marker");
    let mut cmd = env.jig();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env_remove("JIG_MODEL")
        .env("HOME", env.dir.path())
        .env("ANTHROPIC_BASE_URL", served.server.root_url())
        .env("ANTHROPIC_API_KEY", "sk-ant-test");
    let out = cmd
        .args(["exec", "--json", "--model", "anthropic:claude-sonnet-4-5", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let request = served.server.requests()[0].json();
    let system = request["system"][0]["text"].as_str().unwrap();
    assert!(
        system.contains("\n- marker: Leaves a marker file in the workspace. Use when asked to mark it.\n"),
        "{system}"
    );
    assert!(system.contains("load it with the Skill tool"), "{system}");
    let skill = request["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|tool| tool["name"] == "Skill")
        .expect("the Skill tool");
    assert_eq!(skill["input_schema"]["required"], serde_json::json!(["skill"]));
}

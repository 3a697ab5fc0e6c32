//! Driving jig from a program: build a session with `SessionBuilder`, submit
//! a prompt, answer the approval the session asks for, and print every event
//! as the JSON line `jig exec --json` would print.
//!
//! The model is the scripted one, so this runs anywhere without a key:
//! `cargo run -p jig-core --example embed`. The program is also its own
//! sandbox helper, as `jig` is: sandboxed commands run through
//! `PROGRAM __sandbox-exec …`, which must be answered first thing in `main`.

use std::sync::Arc;

use jig_config::{ApprovalPolicy, CliOverrides, EnvSnapshot, LoadInputs};
use jig_core::SessionBuilder;
use jig_model::scripted::{ScriptFormat, ScriptedModel};
use jig_protocol::{Event, Op, ReviewDecision};

/// The model's side of the conversation: one command (which the approval
/// policy makes the session ask about), then an answer.
const SCRIPT: &str = r#"
[[response]]
text = "Creating the file."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo hello > hello.txt" }
[[response]]
text = "Done: hello.txt says hello."
"#;

fn main() -> anyhow::Result<()> {
    // The sandbox helper runs first, while the process is single-threaded.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(jig_sandbox::HELPER_SUBCOMMAND) {
        std::process::exit(jig_sandbox::helper_main(&args[1..]));
    }
    jig_tools::sandboxing::use_helper(std::env::current_exe()?);
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let workspace = scratch.path().join("workspace");
    std::fs::create_dir_all(&workspace)?;
    // The program decides what jig sees of the environment: here, only where
    // its data goes.
    let env = EnvSnapshot::from_pairs([("JIG_HOME", scratch.path().join("jig-home").display().to_string())]);
    let settings = jig_config::load(&LoadInputs {
        cwd: workspace.clone(),
        env: env.clone(),
        cli: CliOverrides::default(),
    })?;
    let model = Arc::new(ScriptedModel::parse("embed", SCRIPT, ScriptFormat::Toml)?);
    let built = SessionBuilder::new(&settings, &env)
        .workspace(&workspace)
        .client("scripted:embed", model)
        .approval(ApprovalPolicy::Untrusted)
        .create()?;
    for note in &built.notes {
        eprintln!("{note}");
    }
    let mut session = built.session.spawn();
    session.submit(Op::UserInput {
        text: "Create hello.txt saying hello.".into(),
    });
    while let Some(envelope) = session.next().await {
        println!("{}", serde_json::to_string(&envelope)?);
        match envelope.event {
            // The session waits for this answer, through the tool host.
            Event::ApprovalRequested { request_id, .. } => {
                session.submit(Op::Approval {
                    request_id,
                    decision: ReviewDecision::Approve,
                });
            }
            Event::TurnCompleted { .. } => {
                session.submit(Op::Shutdown);
            }
            _ => {}
        }
    }
    let written = std::fs::read_to_string(workspace.join("hello.txt"))?;
    eprintln!("hello.txt: {}", written.trim_end());
    Ok(())
}

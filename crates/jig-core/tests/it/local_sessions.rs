//! Four sessions on the embedded model in one process share one loaded copy
//! of the GGUF file, each with its own context, and stay independent.

use std::path::PathBuf;

use jig_config::{CliOverrides, EnvSnapshot, LoadInputs};
use jig_core::SessionBuilder;
use jig_protocol::{Event, Op, RolloutRecord, TurnOutcome};

use crate::support::Fixture;

/// The packaged model's directory, as `jig model fetch` installed it.
fn models_dir() -> PathBuf {
    std::env::var_os("JIG_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("JIG_HOME").map(|h| PathBuf::from(h).join("models")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".jig/models")))
        .unwrap_or_else(|| PathBuf::from(".jig/models"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_sessions_share_one_local_model_and_keep_their_own_rollouts() {
    let model = jig_local::registry::locate(jig_local::registry::DEFAULT_MODEL, &models_dir())
        .unwrap_or_else(|e| panic!("this test needs the packaged model: {e}"));
    let fixtures: Vec<Fixture> = (0..4).map(|_| Fixture::new()).collect();
    let (sink, mut events) = tokio::sync::mpsc::unbounded_channel();
    let mut handles = Vec::new();
    for fx in &fixtures {
        let home = fx.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        // Short answers keep the test quick; the settings are the user's own.
        std::fs::write(home.join("config.toml"), "[local]\nmax_output_tokens = 12\n").unwrap();
        let env = EnvSnapshot::from_pairs([("JIG_HOME", home.display().to_string())]);
        let settings = jig_config::load(&LoadInputs {
            cwd: fx.ws(),
            env: env.clone(),
            cli: CliOverrides::default(),
        })
        .unwrap();
        let mut built = SessionBuilder::new(&settings, &env)
            .workspace(fx.ws())
            .model(format!("local:{}", model.display()))
            .max_turns(Some(1))
            .create()
            .unwrap();
        // The embedded model gets the working tools but not the sub-agent
        // ones, which a model this small spawns aimlessly, nor `create_tool`
        // or `view_image` (it sees no images).
        let tools = built.session.tool_names();
        assert!(tools.contains(&"shell") && tools.contains(&"apply_patch"), "{tools:?}");
        assert!(
            !tools.iter().any(|t| jig_dialect::SUB_AGENT_TOOLS.contains(t)),
            "{tools:?}"
        );
        assert!(
            !tools.contains(&"create_tool") && !tools.contains(&"view_image"),
            "{tools:?}"
        );
        built.session.send_events_to(sink.clone());
        let handle = built.session.spawn();
        handle.submit(Op::UserInput {
            text: "Say hello.".into(),
        });
        handles.push(handle);
    }
    drop(sink);
    // One more handle on the same file with the same settings joins the same model.
    let probe = jig_local::Engine::load(&model, jig_local::EngineOptions::default()).unwrap();
    assert_eq!(
        probe.model_handles(),
        5,
        "the four sessions did not share one loaded model"
    );

    let mut ended = std::collections::HashMap::new();
    while ended.len() < handles.len() {
        let envelope = events.recv().await.expect("a session went away before its turn ended");
        if let Event::TurnCompleted { outcome, .. } = envelope.event {
            ended.insert(envelope.session_id, outcome);
        }
    }
    for handle in &handles {
        let outcome = &ended[&handle.session_id];
        assert!(
            matches!(outcome, TurnOutcome::Completed | TurnOutcome::MaxTurns { .. }),
            "{}: {outcome:?}",
            handle.session_id
        );
        let records: Vec<RolloutRecord> = std::fs::read_to_string(handle.dir.join("rollout.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let responses = records
            .iter()
            .filter(|r| matches!(r, RolloutRecord::Response { .. }))
            .count();
        assert_eq!(responses, 1, "{}", handle.session_id);
        assert!(matches!(
            records.last(),
            Some(RolloutRecord::Event {
                event: Event::TurnCompleted { .. }
            })
        ));
    }
}

//! Crash consistency across a compacting session: `jig exec` is killed with
//! SIGKILL after 200 different record counts of a scripted session that
//! compacts many times, then `jig resume --last` finishes it. Nothing
//! recorded before the kill changes, no side effect runs twice, the session
//! completes, and it ends with as many compactions as an uninterrupted run.
//!
//! The scripted model counts responses, so every compaction's summary is
//! scripted exactly where it happens (guarded by `expect.user_contains` on
//! the summary instruction): a resumed session that compacted at another
//! point would fail its script. Every response reports zero input tokens,
//! which keeps the session's token estimator at its default ratio; see the
//! module doc of jig-core's compaction tests.

use jig_protocol::{Event, RolloutRecord, TurnOutcome};

use crate::support::{Env, exec, markers, records, stderr};

/// Read steps; every fourth also appends a marker to effects.log.
const STEPS: usize = 40;
const KILL_POINTS: u64 = 200;

/// The session: each step is a ~1250-token message and a small read. The
/// scripted profile's window is 32768 tokens and `threshold = 0.1` gives a
/// limit of 3276, so (with ~180 tokens of instructions) the first compaction
/// comes after 3 steps and then one every 2: a compacted context (~280
/// tokens of instructions, prompt and summary, plus the last step) fits one
/// more step with ~400 tokens to spare and passes the limit by ~800 with
/// two. The bulk is the model's own text, recorded with its calls in one
/// record, so a call that a kill interrupts (its output then a short note)
/// moves no compaction.
fn script(env: &Env) -> String {
    let zero = "usage = { input_tokens = 0, output_tokens = 0 }\n";
    let mut script = String::new();
    let mut compactions = 0;
    std::fs::create_dir_all(env.ws().join("docs")).unwrap();
    for n in 1..=STEPS {
        let path = format!("docs/f{n:02}.txt");
        std::fs::write(env.ws().join(&path), format!("contents of f{n:02}\n")).unwrap();
        let text = format!("Step {n:02}: {}", "reading the next file carefully. ".repeat(150));
        script.push_str(&format!(
            "[[response]]\n{zero}text = \"{text}\"\n[[response.tool_calls]]\nname = \"read_file\"\n\
             arguments = {{ path = \"{path}\" }}\n"
        ));
        if n % 4 == 0 {
            script.push_str(&format!(
                "[[response.tool_calls]]\nname = \"shell\"\n\
                 arguments = {{ command = [\"sh\", \"-c\", \"echo s{n} >> effects.log\"] }}\n"
            ));
        }
        if n >= 3 && n % 2 == 1 {
            compactions += 1;
            script.push_str(&format!(
                "[[response]]\n{zero}text = \"Summary {compactions}: read docs/f01.txt to docs/f{n:02}.txt.\"\n\
                 [response.expect]\nuser_contains = \"about to be compacted\"\n"
            ));
        }
    }
    script.push_str(&format!("[[response]]\n{zero}text = \"Finished.\"\n"));
    script
}

/// An env whose project config compacts early, with the script written.
fn setup() -> (Env, String) {
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        "max_turns = 100\n\n[compaction]\nthreshold = 0.1\nkeep_recent_tokens = 100\n",
    )
    .unwrap();
    let text = script(&env);
    let model = format!("scripted:{}", env.file("s.toml", &text).display());
    (env, model)
}

fn compactions(records: &[RolloutRecord]) -> usize {
    records
        .iter()
        .filter(|r| matches!(r, RolloutRecord::Compaction { .. }))
        .count()
}

fn last_outcome(records: &[RolloutRecord]) -> Option<TurnOutcome> {
    records.iter().rev().find_map(|r| match r {
        RolloutRecord::Event {
            event: Event::TurnCompleted { outcome, .. },
        } => Some(outcome.clone()),
        _ => None,
    })
}

/// Kills and resumes at `kill_after`; returns whether resume had a turn to finish.
fn kill_and_resume(kill_after: u64, clean_compactions: usize) -> bool {
    let (env, model) = setup();
    let out = exec(&env, &model, Some(kill_after));
    assert_eq!(out.status.code(), None, "killed by a signal at record {kill_after}");
    let rollout = env.only_session().join("rollout.jsonl");
    let before = std::fs::read_to_string(&rollout).unwrap();
    assert_eq!(
        records(&rollout).len() as u64,
        kill_after,
        "every synced record is on disk"
    );

    let out = env.run(&["resume", "--last"]);
    let after = std::fs::read_to_string(&rollout).unwrap();
    assert!(
        after.starts_with(&before),
        "kill at {kill_after}: recorded bytes changed"
    );
    let all = records(&rollout);
    if !all.iter().any(|r| matches!(r, RolloutRecord::Item { .. })) {
        // Killed before the prompt was recorded: nothing to continue.
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        return false;
    }
    assert!(
        out.status.success(),
        "kill at {kill_after}: resume failed\n{}",
        stderr(&out)
    );
    assert_eq!(last_outcome(&all), Some(TurnOutcome::Completed), "kill at {kill_after}");
    assert_eq!(
        compactions(&all),
        clean_compactions,
        "kill at {kill_after}: compactions"
    );
    let markers = markers(&env.ws());
    for (marker, count) in &markers {
        assert_eq!(*count, 1, "kill at {kill_after}: {marker} ran {count} times");
    }
    // A marker is missing only when the kill came while its call was running.
    assert!(markers.len() + 1 >= STEPS / 4, "kill at {kill_after}: {markers:?}");
    true
}

#[test]
fn kill_9_at_200_points_of_a_compacting_session_then_resume_completes() {
    let (clean, model) = setup();
    let out = exec(&clean, &model, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = records(&clean.only_session().join("rollout.jsonl"));
    let total = all.len() as u64;
    let clean_compactions = compactions(&all);
    assert!(
        clean_compactions >= 3,
        "the clean run compacted {clean_compactions} times"
    );
    assert_eq!(last_outcome(&all), Some(TurnOutcome::Completed));
    assert_eq!(markers(&clean.ws()).len(), STEPS / 4);
    assert!(
        total >= KILL_POINTS + 2,
        "want {KILL_POINTS} kill points, the session writes {total} records"
    );

    // 200 distinct points spread over records 2..total, split over two workers.
    let points: Vec<u64> = (0..KILL_POINTS).map(|i| 2 + i * (total - 2) / KILL_POINTS).collect();
    let resumed: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = points
            .chunks(points.len().div_ceil(2))
            .map(|chunk| scope.spawn(move || chunk.iter().filter(|&&k| kill_and_resume(k, clean_compactions)).count()))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    eprintln!(
        "crash consistency: {KILL_POINTS} kill points over {total} records, {resumed} resumed, \
         {clean_compactions} compactions per run"
    );
    assert!(resumed >= 190, "only {resumed} kill points exercised resume");
}

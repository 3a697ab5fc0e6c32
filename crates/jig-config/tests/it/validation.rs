//! Values out of range are rejected at load, naming the file, line and
//! column; echoed text is clipped.

use jig_config::CliOverrides;

use crate::support::Tree;

/// The error of loading a user file holding `text`.
fn user_error(text: &str) -> String {
    let tree = Tree::new();
    tree.user_config(text);
    let err = tree.load(&[]).expect_err(text);
    tree.redact(&err.to_string())
}

#[test]
fn numbers_out_of_range_name_the_file_and_line() {
    let cases = [
        (
            "max_cost_usd = -1.0",
            "max_cost_usd must be a finite number of at least 0, not -1",
        ),
        (
            "max_cost_usd = nan",
            "max_cost_usd must be a finite number of at least 0, not NaN",
        ),
        (
            "max_cost_usd = inf",
            "max_cost_usd must be a finite number of at least 0, not inf",
        ),
        (
            "max_turns = 0",
            "max_turns must be at least 1, not 0; leave it out for no limit",
        ),
        ("max_tokens = 0", "max_tokens must be at least 1, not 0"),
        (
            "[compaction]\nthreshold = 2.5",
            "compaction.threshold must be between 0.1 and 0.95",
        ),
        (
            "[compaction]\nthreshold = -1.0",
            "compaction.threshold must be between 0.1 and 0.95",
        ),
        (
            "[compaction]\nthreshold = nan",
            "compaction.threshold must be between 0.1 and 0.95",
        ),
        (
            "[compaction]\nthreshold = 0.0",
            "compaction.threshold must be between 0.1 and 0.95",
        ),
        ("[local]\nthreads = 0", "local.threads must be at least 1, not 0"),
        ("[local]\ncontexts = 0", "local.contexts must be at least 1, not 0"),
        ("[local]\ncontext_size = 0", "local.context_size must be at least 1"),
        (
            "[local]\ntemperature = -0.5",
            "local.temperature must be a finite number of at least 0, not -0.5",
        ),
        (
            "[profiles.q]\nprovider = \"ollama\"\nmodel = \"q\"\ncontext_window = 0",
            "profiles.q.context_window must be at least 1, not 0",
        ),
        (
            "[prices.\"gpt-5\"]\noutput = 1.0\ninput = -1.0",
            "prices.gpt-5.input must be a finite number of at least 0, not -1",
        ),
        (
            "[prices.m]\ninput = 1.0\noutput = inf",
            "prices.m.output must be a finite number",
        ),
    ];
    for (text, expected) in cases {
        let err = user_error(&format!("# comment\n{text}\n"));
        // The offending value is on the case's last line.
        let line = text.lines().count() + 1;
        assert!(
            err.starts_with(&format!(
                "invalid config [TMP]/home/.jig/config.toml line {line}, column "
            )),
            "{text}: {err}"
        );
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn bad_redact_patterns_are_rejected_at_load() {
    let err = user_error("redact_patterns = [\n  \"acct-[0-9]{6}\",\n  \"acct-[0-9\",\n]\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/home/.jig/config.toml line 3, column 3: redact_patterns entry "acct-[0-9" is not a valid regular expression: unclosed character class"#);
    for pattern in ["", ".*", "x*", "(?:abc)?", "a|"] {
        let err = user_error(&format!("redact_patterns = [{pattern:?}]\n"));
        assert!(err.contains("line 1, column 20"), "{pattern}: {err}");
        assert!(err.contains("can match the empty string"), "{pattern}: {err}");
    }
    // A valid project pattern is checked too, with the project's path.
    let tree = Tree::new();
    tree.project_config("redact_patterns = [\"(\"]\n");
    let err = tree.load(&[]).unwrap_err().to_string();
    assert!(
        tree.redact(&err)
            .starts_with("invalid config [TMP]/proj/.jig/config.toml line 1"),
        "{err}"
    );
}

#[test]
fn a_huge_key_or_value_gives_a_short_error() {
    let huge = "k".repeat(1 << 20);
    for text in [
        format!("{huge} = 1\n"),
        format!("[profiles.{huge}]\nprovider = \"nope\"\nmodel = \"m\"\n"),
        format!("sandbox = \"{huge}\"\n"),
        format!("max_turns = \"{huge}\"\n"),
        format!("redact_patterns = [\"({huge}\"]\n"),
    ] {
        let err = user_error(&text);
        assert!(err.len() < 1200, "{} bytes: {}", err.len(), &err[..200]);
    }
}

#[test]
fn flags_out_of_range_are_rejected() {
    let tree = Tree::new();
    let load = |cli: CliOverrides| {
        tree.load_with(tree.project(), tree.env(&[]), cli)
            .unwrap_err()
            .to_string()
    };
    let err = load(CliOverrides {
        max_turns: Some(0),
        ..CliOverrides::default()
    });
    assert_eq!(
        err,
        "invalid --max-turns 0: give at least 1, or leave it out for no limit"
    );
    let err = load(CliOverrides {
        max_cost_usd: Some(f64::NAN),
        ..CliOverrides::default()
    });
    assert_eq!(err, "invalid --max-cost NaN: give a finite amount of at least 0");
}

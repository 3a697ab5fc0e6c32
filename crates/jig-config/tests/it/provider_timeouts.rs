//! `headers_timeout_secs` and `idle_timeout_secs` per provider: read from a
//! file, shown with their source, and refused unless finite and above 0.

use std::time::Duration;

use jig_config::Source;

use crate::support::Tree;

#[test]
fn provider_time_limits_are_read_and_shown() {
    let tree = Tree::new();
    let path = tree.user_config("[providers.openai]\nheaders_timeout_secs = 1.5\nidle_timeout_secs = 90\n");
    let s = tree.load(&[]).unwrap();
    let openai = &s.providers["openai"];
    assert_eq!(openai.headers_timeout, Some(Duration::from_millis(1500)));
    assert_eq!(openai.idle_timeout, Some(Duration::from_secs(90)));
    assert_eq!(
        s.source("providers.openai.headers_timeout_secs"),
        &Source::UserFile(path)
    );
    assert_eq!(
        s.providers["anthropic"].headers_timeout, None,
        "unset leaves the default"
    );
    let shown = jig_config::render_show(&s);
    assert!(shown.contains("providers.openai.headers_timeout_secs = 1.5"), "{shown}");
    assert!(shown.contains("providers.openai.idle_timeout_secs = 90.0"), "{shown}");
}

#[test]
fn a_time_limit_must_be_finite_and_above_zero() {
    for value in ["0", "-1", "0.0", "nan", "inf"] {
        let tree = Tree::new();
        tree.user_config(&format!("[providers.openai]\nheaders_timeout_secs = {value}\n"));
        let err = tree.redact(&tree.load(&[]).unwrap_err().to_string());
        assert!(
            err.starts_with("invalid config [TMP]/home/.jig/config.toml line 2, column 24: "),
            "{err}"
        );
        assert!(
            err.contains("a time limit must be a finite number of seconds above 0"),
            "{err}"
        );
    }
}

use jig_compact::{
    Estimator, ITEM_OVERHEAD_TOKENS, TokenCounter, context_tokens, context_tokens_at_most, item_tokens,
    item_tokens_at_most,
};
use jig_protocol::Item;

use crate::{call, out};

#[test]
fn estimator_divides_characters_by_four() {
    let estimator = Estimator::new();
    assert_eq!(estimator.count(""), 0);
    assert_eq!(estimator.count("abcdefgh"), 2);
    assert_eq!(estimator.count("abcdefghi"), 3, "partial tokens round up");
    // Characters, not bytes: four two-byte characters are one token.
    assert_eq!(estimator.count("éééé"), 1);
}

#[cfg(feature = "tiktoken")]
#[test]
fn tiktoken_counts_o200k_tokens() {
    const PROSE: &str = "The quick brown fox jumps over the lazy dog. Compaction keeps the user's words \
                         verbatim and replaces older tool output with a summary that the model writes itself.";
    const CODE: &str =
        "fn main() {\n    let items: Vec<Item> = load(\"rollout.jsonl\")?;\n    println!(\"{}\", items.len());\n}\n";
    let tiktoken = jig_compact::Tiktoken::o200k().unwrap();
    assert_eq!(tiktoken.count(""), 0);
    assert_eq!(tiktoken.count("hello world"), 2);
    // The estimator is a fair proxy for prose and code: within a factor of two.
    let estimator = Estimator::new();
    for text in [PROSE, CODE] {
        let exact = tiktoken.count(text) as f64;
        let estimate = estimator.count(text) as f64;
        assert!(
            estimate > exact / 2.0 && estimate < exact * 2.0,
            "estimate {estimate} vs tiktoken {exact} for {text:?}"
        );
    }
}

#[test]
fn calibration_moves_toward_the_reported_ratio() {
    let mut estimator = Estimator::new();
    let text = "x".repeat(400);
    let estimated = estimator.count(&text);
    assert_eq!(estimated, 100);
    // The provider says 200 tokens: 2 characters per token.
    estimator.calibrate(estimated, 200);
    let after_one = estimator.chars_per_token();
    assert!(after_one < 4.0 && after_one > 2.0, "{after_one}");
    for _ in 0..20 {
        let estimated = estimator.count(&text);
        estimator.calibrate(estimated, 200);
    }
    assert!(
        (estimator.chars_per_token() - 2.0).abs() < 0.05,
        "{}",
        estimator.chars_per_token()
    );
    assert!(estimator.count(&text).abs_diff(200) <= 5);
}

#[test]
fn calibration_is_clamped_and_ignores_empty_reports() {
    let mut estimator = Estimator::new();
    estimator.calibrate(0, 100);
    estimator.calibrate(100, 0);
    assert_eq!(estimator.chars_per_token(), Estimator::DEFAULT_CHARS_PER_TOKEN);
    for _ in 0..50 {
        estimator.calibrate(100, 1_000_000);
    }
    assert_eq!(estimator.chars_per_token(), Estimator::MIN_CHARS_PER_TOKEN);
    for _ in 0..50 {
        estimator.calibrate(1_000_000, 1);
    }
    assert_eq!(estimator.chars_per_token(), Estimator::MAX_CHARS_PER_TOKEN);
    assert_eq!(
        Estimator::with_ratio(f64::NAN).chars_per_token(),
        Estimator::DEFAULT_CHARS_PER_TOKEN
    );
    assert_eq!(
        Estimator::with_ratio(0.1).chars_per_token(),
        Estimator::MIN_CHARS_PER_TOKEN
    );
}

#[test]
fn items_count_their_text_arguments_and_output_plus_overhead() {
    let estimator = Estimator::new();
    let message = Item::user("a".repeat(40));
    assert_eq!(item_tokens(&estimator, &message), 10 + ITEM_OVERHEAD_TOKENS);
    // name "shell" (2) + arguments {"command":"ls"} (16 chars → 4).
    let shell = call("c1", "shell", serde_json::json!({"command": "ls"}));
    assert_eq!(item_tokens(&estimator, &shell), 2 + 4 + ITEM_OVERHEAD_TOKENS);
    let output = out("c1", &"b".repeat(400));
    assert_eq!(item_tokens(&estimator, &output), 100 + ITEM_OVERHEAD_TOKENS);
    let summary = Item::Compaction {
        summary: "c".repeat(80),
        responses: 3,
    };
    assert_eq!(item_tokens(&estimator, &summary), 20 + ITEM_OVERHEAD_TOKENS);
    let items = [message, shell, output, summary];
    let total: u64 = items.iter().map(|item| item_tokens(&estimator, item)).sum();
    assert_eq!(context_tokens(&estimator, &items), total);
    assert_eq!(total, 10 + 6 + 100 + 20 + 4 * ITEM_OVERHEAD_TOKENS);
}

/// Texts where characters, bytes and tokens part ways.
const VARIED: &[&str] = &[
    "",
    "hello world",
    "fn main() { println!(\"{}\", 1 + 2); }\n",
    "日本語のテキストとカタカナ",
    "emoji 🦀🦀🦀 and ZWJ 👩‍💻",
    "                                        ",
    "\n\n\t\t  x",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

fn assert_bound_holds(counter: &dyn TokenCounter) {
    for text in VARIED {
        assert!(counter.at_most(text) >= counter.count(text), "{text:?}");
    }
    let items = vec![
        Item::user(VARIED.concat()),
        call("c1", "shell", serde_json::json!({"command": VARIED[3]})),
        out("c1", VARIED[4]),
    ];
    for item in &items {
        assert!(item_tokens_at_most(counter, item) >= item_tokens(counter, item));
    }
    assert!(context_tokens_at_most(counter, &items) >= context_tokens(counter, &items));
}

#[test]
fn the_estimators_bound_is_its_count() {
    let estimator = Estimator::with_ratio(1.0);
    assert_bound_holds(&estimator);
    assert_eq!(estimator.at_most("abcd"), estimator.count("abcd"));
}

#[cfg(feature = "tiktoken")]
#[test]
fn the_tokenizers_bound_is_never_below_its_count() {
    assert_bound_holds(&jig_compact::Tiktoken::o200k().unwrap());
    assert_bound_holds(&jig_compact::LazyTiktoken);
    // Same counts as the eager tokenizer, and a bound from bytes alone.
    let lazy = jig_compact::LazyTiktoken;
    assert_eq!(lazy.count("hello world"), 2);
    assert_eq!(lazy.at_most("hello world"), 11);
    lazy.prepare();
    assert_eq!(
        lazy.count(VARIED[2]),
        jig_compact::Tiktoken::o200k().unwrap().count(VARIED[2])
    );
}

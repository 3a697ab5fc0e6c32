use jig_compact::{DEFAULT_TEMPLATE, summary_instruction, summary_item};
use jig_protocol::Item;

#[test]
fn default_template_has_every_section() {
    for section in [
        "Goal",
        "Constraints and user preferences",
        "Decisions",
        "Files touched",
        "Commands run and results",
        "Errors",
        "Current plan",
        "Open questions",
        "Next step",
    ] {
        assert!(
            DEFAULT_TEMPLATE.contains(&format!("## {section}\n")),
            "missing {section}"
        );
    }
}

#[test]
fn instruction_demands_text_only_and_exact_identifiers() {
    let text = summary_instruction(None, None);
    assert!(text.contains("Write the summary only. Do not call any tool"), "{text}");
    assert!(text.contains("Keep exact file paths, commands"), "{text}");
    assert!(text.ends_with(DEFAULT_TEMPLATE), "{text}");
    assert!(!text.contains("focus"), "{text}");
}

#[test]
fn instruction_gives_focus_priority_and_takes_a_custom_template() {
    let text = summary_instruction(Some("## Done\n## Todo\n"), Some("the flaky parser test"));
    assert!(
        text.contains("focus on: the flaky parser test. Give it priority"),
        "{text}"
    );
    assert!(text.ends_with("## Done\n## Todo"), "{text}");
    assert!(!text.contains("## Goal"), "{text}");
    // Rules survive any template.
    assert!(text.contains("Do not call any tool"), "{text}");
    assert_eq!(summary_instruction(None, Some("  ")), summary_instruction(None, None));
}

#[test]
fn summary_item_carries_summary_ledger_and_responses() {
    let item = summary_item("## Goal\nfix it\n\n", "Files read: a.rs.", 6);
    assert_eq!(
        item,
        Item::Compaction {
            summary: "## Goal\nfix it\n\nLedger: Files read: a.rs.".to_string(),
            responses: 6,
        }
    );
}

use std::collections::HashMap;

use jig_compact::{Estimator, Plan, item_tokens, plan, replacement, responses_in, summary_item};
use jig_protocol::{Item, Role};

use crate::{call, out};

/// `n` characters: `n / 4` tokens for the default estimator.
fn text(n: usize) -> String {
    "x".repeat(n)
}

fn read(id: &str) -> Item {
    call(id, "read_file", serde_json::json!({"path": format!("src/{id}.rs")}))
}

/// Conversations of different shapes, each ending where a turn might be
/// compacted.
fn layouts() -> Vec<(&'static str, Vec<Item>)> {
    vec![
        (
            "sequential calls",
            vec![
                Item::user("fix the bug"),
                Item::reasoning(text(200)),
                read("a"),
                out("a", &text(800)),
                Item::reasoning(text(100)),
                read("b"),
                out("b", &text(400)),
                Item::assistant(text(300)),
                Item::user("now the tests"),
                read("c"),
                out("c", &text(1200)),
                Item::assistant("done"),
            ],
        ),
        (
            "parallel calls in one response",
            vec![
                Item::user("look around"),
                Item::reasoning(text(120)),
                read("p1"),
                read("p2"),
                read("p3"),
                out("p1", &text(600)),
                out("p2", &text(600)),
                out("p3", &text(600)),
                Item::assistant(text(200)),
                Item::user("and more"),
                read("q1"),
                read("q2"),
                out("q2", &text(500)),
                out("q1", &text(500)),
            ],
        ),
        (
            "earlier summary and a pending call",
            vec![
                Item::user("first request"),
                Item::Compaction {
                    summary: text(400),
                    responses: 4,
                },
                Item::user("second request"),
                read("r1"),
                out("r1", &text(900)),
                Item::assistant(text(100)),
                Item::user("third request"),
                Item::reasoning(text(40)),
                read("r2"),
                out("r2", &text(300)),
                read("r3"),
            ],
        ),
        (
            "reused call ids",
            vec![
                Item::user("go"),
                read("call_0"),
                out("call_0", &text(700)),
                read("call_0"),
                out("call_0", &text(700)),
                Item::assistant(text(50)),
            ],
        ),
    ]
}

/// The tail a plan must at least keep: the longest suffix within budget,
/// never less than the last item.
fn greedy_start(items: &[Item], budget: u64) -> usize {
    let estimator = Estimator::new();
    let mut start = items.len() - 1;
    let mut used = item_tokens(&estimator, &items[start]);
    while start > 0 && used + item_tokens(&estimator, &items[start - 1]) <= budget {
        start -= 1;
        used += item_tokens(&estimator, &items[start]);
    }
    start
}

fn check_invariants(name: &str, items: &[Item], plan: &Plan, budget: u64) {
    let ctx = format!("{name}, budget {budget}: {plan:?}");
    let n = items.len();
    assert!(plan.tail_start < n, "tail keeps at least the last item; {ctx}");
    assert!(
        plan.tail_start <= greedy_start(items, budget),
        "tail shrank below its budget; {ctx}"
    );
    let mut covered: Vec<usize> = plan.keep_users.iter().chain(&plan.drop).copied().collect();
    covered.sort_unstable();
    assert_eq!(covered, (0..plan.tail_start).collect::<Vec<_>>(), "{ctx}");
    assert!(plan.keep_users.windows(2).all(|w| w[0] < w[1]) && plan.drop.windows(2).all(|w| w[0] < w[1]));
    for (i, item) in items.iter().enumerate().take(plan.tail_start) {
        let is_user = matches!(item, Item::Message { role: Role::User, .. });
        assert_eq!(plan.keep_users.contains(&i), is_user, "item {i}; {ctx}");
    }
    assert!(
        plan.drop.iter().any(|&i| !matches!(items[i], Item::Compaction { .. })),
        "a plan drops something new; {ctx}"
    );
    // Pair calls and outputs the way providers do: nearest earlier call.
    let mut latest: HashMap<&str, usize> = HashMap::new();
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::ToolCall(c) => {
                latest.insert(&c.call_id, i);
            }
            Item::ToolOutput(o) => pairs.push((latest[o.call_id.as_str()], i)),
            _ => {}
        }
    }
    for (call_at, output_at) in pairs {
        let call_kept = call_at >= plan.tail_start;
        let output_kept = output_at >= plan.tail_start;
        assert_eq!(
            call_kept, output_kept,
            "call {call_at} / output {output_at} split; {ctx}"
        );
    }
    if plan.tail_start > 0 {
        let splits_response = items[plan.tail_start].is_from_model() && items[plan.tail_start - 1].is_from_model();
        assert!(!splits_response, "tail starts inside a model response; {ctx}");
    }
}

#[test]
fn plans_never_split_calls_from_outputs_at_any_budget() {
    let estimator = Estimator::new();
    for (name, items) in layouts() {
        let total: u64 = items.iter().map(|item| item_tokens(&estimator, item)).sum();
        let mut planned = 0;
        for budget in (0..=total + 10).step_by(7) {
            if let Some(plan) = plan(&items, &estimator, budget) {
                check_invariants(name, &items, &plan, budget);
                planned += 1;
            }
        }
        assert!(planned > 3, "{name}: only {planned} budgets produced a plan");
        assert_eq!(
            plan(&items, &estimator, total),
            None,
            "{name}: everything fits, nothing to drop"
        );
    }
}

#[test]
fn tail_fits_the_budget_when_no_pair_forces_more() {
    let estimator = Estimator::new();
    let items = vec![
        Item::user("start"),
        Item::assistant(text(400)),
        Item::user("more"),
        Item::assistant(text(400)),
        Item::user("again"),
        Item::assistant(text(400)),
        Item::user("last"),
        Item::assistant(text(400)),
    ];
    // Each long message is 104 tokens, "last" 5, "again" 6: 213 fit in 215.
    let plan = plan(&items, &estimator, 215).unwrap();
    assert_eq!(plan.tail_start, 5, "{plan:?}");
    assert_eq!(plan.keep_users, vec![0, 2, 4]);
    assert_eq!(plan.drop, vec![1, 3]);
}

#[test]
fn the_tail_never_starts_inside_a_model_response() {
    let estimator = Estimator::new();
    let items = vec![
        Item::user("start"),
        Item::assistant(text(400)),
        Item::user("more"),
        Item::reasoning(text(400)),
        Item::assistant(text(400)),
        Item::user("last"),
        Item::assistant(text(400)),
    ];
    // The budget reaches the response's message but not its reasoning;
    // the whole response stays.
    let plan = plan(&items, &estimator, 215).unwrap();
    assert_eq!(plan.tail_start, 3, "{plan:?}");
    assert_eq!(plan.drop, vec![1]);
}

#[test]
fn parallel_outputs_pull_their_whole_response_into_the_tail() {
    let estimator = Estimator::new();
    let items = layouts().remove(1).1;
    // Budget for the last output only: q1's call sits two items earlier,
    // with q2's call beside it, so the tail must start at q1.
    let plan = plan(&items, &estimator, 130).unwrap();
    assert_eq!(plan.tail_start, 10, "{plan:?}");
    assert_eq!(plan.keep_users, vec![0, 9]);
}

#[test]
fn a_tail_of_zero_budget_keeps_the_last_item() {
    let estimator = Estimator::new();
    let items = vec![
        Item::user("a"),
        Item::assistant(text(100)),
        Item::user("b"),
        Item::assistant("ok"),
    ];
    let plan = plan(&items, &estimator, 0).unwrap();
    assert_eq!(plan.tail_start, 3);
    assert_eq!(plan.keep_users, vec![0, 2]);
    assert_eq!(plan.drop, vec![1]);
}

#[test]
fn short_conversations_have_nothing_to_drop() {
    let estimator = Estimator::new();
    assert_eq!(plan(&[], &estimator, 0), None);
    assert_eq!(plan(&[Item::user("hi")], &estimator, 0), None);
    let chat = [Item::user("hi"), Item::assistant("hello")];
    assert_eq!(plan(&chat, &estimator, 1_000), None);
    // Only user messages before the tail: they are kept, so nothing drops.
    let users = [Item::user("a"), Item::user("b"), Item::assistant("c")];
    assert_eq!(plan(&users, &estimator, 0), None);
    // Re-summarising a lone summary gains nothing.
    let summarised = [
        Item::Compaction {
            summary: text(400),
            responses: 2,
        },
        Item::user("next"),
        Item::assistant("ok"),
    ];
    assert_eq!(plan(&summarised, &estimator, 0), None);
}

#[test]
fn an_earlier_summary_is_dropped_with_new_items() {
    let estimator = Estimator::new();
    let items = layouts().remove(2).1;
    let plan = plan(&items, &estimator, 0).unwrap();
    assert!(plan.drop.contains(&1), "{plan:?}");
    assert_eq!(plan.keep_users, vec![0, 2, 6]);
}

#[test]
fn replacement_is_users_then_summary_then_tail() {
    let estimator = Estimator::new();
    let items = layouts().remove(0).1;
    let plan = plan(&items, &estimator, 320).unwrap();
    assert_eq!(plan.tail_start, 9, "{plan:?}");
    let summary = summary_item("what happened", "nothing recorded.", 4);
    let replaced = replacement(&items, &plan, summary.clone());
    let mut expected = vec![Item::user("fix the bug"), Item::user("now the tests"), summary];
    expected.extend_from_slice(&items[9..]);
    assert_eq!(replaced, expected);
}

#[test]
fn responses_count_model_runs_and_restart_at_a_summary() {
    let items = vec![
        Item::user("go"),
        Item::reasoning("think"),
        read("a"),
        out("a", "text"),
        Item::assistant("one"),
        Item::user("again"),
        Item::assistant("two"),
    ];
    assert_eq!(responses_in(&items), 3);
    assert_eq!(responses_in(&[]), 0);
    let compacted = vec![
        Item::user("go"),
        Item::Compaction {
            summary: "s".into(),
            responses: 7,
        },
        read("b"),
        out("b", "text"),
        Item::assistant("next"),
    ];
    assert_eq!(responses_in(&compacted), 9);
    // A summary resets whatever came before it.
    let mut twice = items.clone();
    twice.push(Item::Compaction {
        summary: "s".into(),
        responses: 5,
    });
    twice.push(Item::assistant("after"));
    assert_eq!(responses_in(&twice), 6);
}

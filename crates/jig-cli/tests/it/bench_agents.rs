//! `jig bench agents` runs a parent that spawns sub-agents at once (each
//! `sleep 1` through `shell`) and waits for them, against one session doing
//! a child's work alone, each side in a fresh process and each checked.
//! What is asserted is the report's shape, never a time.

use crate::support::{Env, stderr, stdout};

#[test]
fn bench_agents_compares_a_tree_of_children_with_one_session_alone() {
    let env = Env::new();
    let out = env
        .jig()
        .args(["bench", "agents", "--children", "2", "--seconds", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    for line in [
        "bench agents: a parent spawns 2 sub-agents at once, each runs `sleep 1` through `shell` and answers; ",
        "vs sum of 2",
        "one session alone (ref), build to answer",
        "parent + n children, build to answer",
        "sum of n sessions alone (n x ref)",
        "longest child's turn, in the tree",
        "sum of the children's turns, in the tree",
        "tree / one alone: ",
        "peak RSS (VmHWM), one session alone (ref)",
        "peak RSS (VmHWM), parent + n children",
        "peak RSS growth, one session alone (ref)",
        "peak RSS growth, parent + n children",
        "per child: (tree peak - one peak) / 2 = ",
        "spawn, over 2 children",
        "spawn_agent call",
        "spawn call -> child's first model response",
        "first spawn call -> child's first response",
        "checked: 2/2 children completed with \"job done\"; the parent completed after its wait",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
    // Every wall and memory row carries a ratio.
    let rows = report.lines().filter(|l| l.trim_end().ends_with('x')).count();
    assert!(rows >= 9, "{report}");
}

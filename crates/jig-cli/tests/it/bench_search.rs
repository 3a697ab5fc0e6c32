//! `jig bench search DIR` runs jig's `rg` and real ripgrep (when on PATH)
//! over the same tree and compares their outputs. What is asserted is the
//! report's shape and the output comparison, never a time.

use crate::support::{Env, stderr, stdout};

#[test]
fn bench_search_reports_every_search_and_matching_outputs() {
    let env = Env::new();
    let tree = env.ws().join("tree");
    for i in 0..30 {
        let dir = tree.join(format!("d{}", i % 3));
        std::fs::create_dir_all(&dir).unwrap();
        let text = format!("// Copyright {i}\nunsafe impl Send for T{i} {{}}\nfn case_{i}_test() {{}} // TODO: {i}\n");
        std::fs::write(dir.join(format!("f{i}.rs")), text).unwrap();
    }
    let out = env.run(&["bench", "search", tree.to_str().unwrap(), "--rounds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("(30 files, "), "{report}");
    let searches = [
        "-n PM_RESUME",
        "-c -i unsafe impl",
        r"-n fn \w+_test\(",
        "-l -w Copyright",
        "-n impl",
        "--files",
        "--sort path -n TODO:",
    ];
    for search in searches {
        assert!(report.contains(search), "no {search:?} in:\n{report}");
    }
    if report.contains("reference: none") {
        return;
    }
    assert!(!report.contains("DIFFERENT"), "{report}");
    assert!(report.contains("same lines (30; order not defined)"), "{report}");
    assert!(report.contains("same bytes (30 lines)"), "{report}");
    assert!(report.contains("all (sum of medians)"), "{report}");
}

//! jig-core's modules form layers: no two of them import each other, even
//! through others. (The session's behaviour lives in `impl Session` blocks of
//! the modules above it — `turn`, `tool_calls`, `compactor` — which import
//! `session`; `session` imports none of them.)

use std::collections::{BTreeMap, BTreeSet};

/// Each module of `src/` and the modules it names as `crate::NAME` in code.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut names = BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for piece in line.split("crate::").skip(1) {
                let module: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !module.is_empty() && module != name {
                    names.insert(module);
                }
            }
        }
        graph.insert(name, names);
    }
    graph
}

#[test]
fn no_module_of_jig_core_imports_itself_through_others() {
    let graph = imports();
    assert!(graph.contains_key("session") && graph["tool_calls"].contains("session"));
    for start in graph.keys() {
        // Every module reachable from `start`; `start` must not be one of them.
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().collect();
        while let Some(module) = stack.pop() {
            assert_ne!(module, start, "{start} imports itself through others: {graph:#?}");
            if seen.insert(module.clone()) {
                stack.extend(graph.get(module).into_iter().flatten());
            }
        }
    }
}

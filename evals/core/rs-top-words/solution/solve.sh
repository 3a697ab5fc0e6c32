#!/bin/bash
# Oracle solution: count in a HashMap, sort the distinct words, keep n.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("src/lib.rs")
text = path.read_text()
text = text.replace(
    '    let _ = (text, n);\n    todo!("top_words: see the issue")\n',
    "    let mut counts = std::collections::HashMap::new();\n"
    "    for word in words(text) {\n"
    "        *counts.entry(word).or_insert(0usize) += 1;\n"
    "    }\n"
    "    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();\n"
    "    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));\n"
    "    ranked.truncate(n);\n"
    "    ranked\n",
)
path.write_text(text)
PY

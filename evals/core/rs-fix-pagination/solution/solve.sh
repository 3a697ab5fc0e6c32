#!/bin/bash
# Oracle solution: round the count up, number pages from 1, clamp the end.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("src/lib.rs")
text = path.read_text()
text = text.replace("    total / per_page\n", "    total / per_page + usize::from(total % per_page != 0)\n")
text = text.replace(
    """    if number > page_count(total, per_page) {
        return None;
    }
    let start = number * per_page;
    Some(start..start + per_page)""",
    """    if number == 0 || number > page_count(total, per_page) {
        return None;
    }
    let start = (number - 1) * per_page;
    Some(start..total.min(start + per_page))""",
)
path.write_text(text)
PY

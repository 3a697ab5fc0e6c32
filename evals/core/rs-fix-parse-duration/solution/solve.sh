#!/bin/bash
# Oracle solution: reset the number after each unit; refuse any trailing number.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("src/lib.rs")
text = path.read_text()
text = text.replace(
    "        next_unit += position + 1;\n",
    "        next_unit += position + 1;\n        number = None;\n",
)
text = text.replace("    if number.is_some() && total == 0 {\n", "    if number.is_some() {\n")
path.write_text(text)
PY

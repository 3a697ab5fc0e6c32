#!/bin/bash
# Oracle solution: collapse runs of non-alphanumerics into one dash and trim dashes.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("textutil/slug.py")
text = path.read_text()
text = text.replace(
    '    return re.sub(r"[^a-z0-9]", "-", text)\n',
    '    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")\n',
)
path.write_text(text)
PY

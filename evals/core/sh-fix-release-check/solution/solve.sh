#!/bin/bash
# Oracle solution: pipefail plus explicit checks of both tee'd pipelines; a mismatch test.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("check-release.sh")
text = path.read_text()
text = text.replace("\nbundle=$1\n", "\nset -o pipefail\nbundle=$1\n", 1)
text = text.replace(
    'tar -tf "$bundle" 2>&1 | tee "$listing" >> "$log"\n',
    'tar -tf "$bundle" 2>&1 | tee "$listing" >> "$log" || { echo "cannot list $bundle" | tee -a "$log"; exit 1; }\n',
)
text = text.replace(
    '.sha256") 2>&1 | tee -a "$log"\n',
    '.sha256") 2>&1 | tee -a "$log" || { echo "checksum FAILED" | tee -a "$log"; exit 1; }\n',
)
path.write_text(text)

tests = Path("tests/test_check_release.sh")
text = tests.read_text()
text = text.replace(
    'echo "ok"\n',
    'echo bad >> "$work/app.tar"\n'
    'if "$here/check-release.sh" "$work/app.tar" >/dev/null; then echo "FAIL: mismatch passed"; exit 1; fi\n'
    'echo "ok"\n',
)
tests.write_text(text)
PY

#!/bin/bash
# Oracle solution: the four edits, everything else byte for byte.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("crontab")
text = path.read_text()
text = text.replace("0 1 * * * /opt/app/bin/backup-db", "30 2 * * * /opt/app/bin/backup-db")
text = text.replace("*/15 * * * * /opt/app/bin/legacy-sync", "# */15 * * * * /opt/app/bin/legacy-sync")
text = text.replace("# Weekly report, Monday 07:00\n0 7 * * 1 ", "# Weekly report, Monday and Thursday 07:00\n0 7 * * 1,4 ")
text += "\n# Rotate logs, Sunday 04:15\n15 4 * * 0 /opt/app/bin/rotate-logs --keep 14\n"
path.write_text(text)
PY

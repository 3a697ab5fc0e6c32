#!/bin/bash
# Oracle solution: translate each v1 config with the rules of docs/MIGRATION.md.
set -euo pipefail
cd /app
python3 - <<'PY'
import json
from pathlib import Path

for path in sorted(Path("config").glob("*.json")):
    v1 = json.loads(path.read_text())
    host, port = v1["listen"].rsplit(":", 1)
    v2 = {
        "version": 2,
        "name": v1["name"],
        "server": {"host": host, "port": int(port), "timeout_ms": round(v1["timeout"] * 1000)},
        "database": {"url": v1["database"]["url"], "pool_size": v1["database"]["pool"]},
        "features": {name: True for name in v1["features"]},
        "logging": {"level": v1["log_level"].upper()},
    }
    path.write_text(json.dumps(v2, indent=2) + "\n")
PY

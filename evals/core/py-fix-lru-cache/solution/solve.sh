#!/bin/bash
# Oracle solution: refresh on get and overwrite, evict from the old end.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("lru.py")
text = path.read_text()
text = text.replace(
    "            self.hits += 1\n            return self._entries[key]\n",
    "            self.hits += 1\n            self._entries.move_to_end(key)\n            return self._entries[key]\n",
)
text = text.replace(
    "            self._entries[key] = value\n            return\n",
    "            self._entries[key] = value\n            self._entries.move_to_end(key)\n            return\n",
)
text = text.replace("self._entries.popitem()", "self._entries.popitem(last=False)")
path.write_text(text)
PY

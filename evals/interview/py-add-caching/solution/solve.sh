#!/bin/bash
# Oracle solution: an in-memory cache per file, reloaded when the file's
# modification time changes, and clear_cache() (the user's later request).
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("rates.py")
text = path.read_text()
text = text.replace(
    '\n\ndef rate(currency, path=RATES_FILE):\n    """The value of one unit of `currency` in euros."""\n    rates = load_rates(path)\n',
    '\n\n# path -> (modification time in ns, rates): reloaded when the file changes.\n'
    "_cache = {}\n\n\n"
    "def clear_cache():\n"
    '    """Forgets every cached file, so the next rate() reads it again."""\n'
    "    _cache.clear()\n\n\n"
    "def cached_rates(path=RATES_FILE):\n"
    '    """The rates of `path`, read again only when its modification time changed."""\n'
    "    mtime = os.stat(path).st_mtime_ns\n"
    "    hit = _cache.get(path)\n"
    "    if hit is None or hit[0] != mtime:\n"
    "        hit = _cache[path] = (mtime, load_rates(path))\n"
    "    return hit[1]\n\n\n"
    'def rate(currency, path=RATES_FILE):\n    """The value of one unit of `currency` in euros."""\n    rates = cached_rates(path)\n',
)
path.write_text(text)
PY

"""Change `colon_separator`: settings files accept `key: value` lines as well as `key = value`."""

import os
import sys
import tempfile

sys.path.insert(0, "/app")
import settings  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    db, cache = os.path.join(tmp, "db.conf"), os.path.join(tmp, "cache.conf")
    with open(db, "w", encoding="utf-8") as f:
        f.write("host: db3\nport: 7002\nname = shop\n")
    with open(cache, "w", encoding="utf-8") as f:
        f.write("ttl: 30\nsize = 5\nenabled: no\n")
    try:
        got_db, got_cache = settings.load_db_settings(db), settings.load_cache_settings(cache)
    except Exception as err:  # noqa: BLE001
        sys.exit(f"FAIL: a settings file with `key: value` lines does not load: {err!r}")
want_db = {"host": "db3", "port": 7002, "name": "shop"}
want_cache = {"ttl": 30, "size": 5, "enabled": False}
if (got_db, got_cache) != (want_db, want_cache):
    sys.exit(f"FAIL: with `:` lines the loaders gave {got_db} and {got_cache}, want {want_db} and {want_cache}")
print("both separators work")

#!/bin/bash
# Oracle solution: parse_line (kept: another repository imports it) is the
# one parser and accepts `=` or `:` (the user's later request); both loaders
# read their pairs through it.
set -euo pipefail
cd /app
cat > settings.py <<'PY'
"""Reads the service's settings files, conf/db.conf and conf/cache.conf:
`key = value` lines, blank lines and `#` comments."""


def parse_line(line):
    """(key, value) for a `key = value` or `key: value` line (the first `=` or
    `:` separates); None for a blank line or a comment.

    The one parser of settings lines. The deploy plugin (another repository)
    imports it: keep its name, argument and results.
    """
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    separators = [i for i in (line.find("="), line.find(":")) if i >= 0]
    if not separators:
        raise ValueError(f"not a setting (no '=' or ':'): {line!r}")
    cut = min(separators)
    return line[:cut].strip(), line[cut + 1 :].strip()


def read_pairs(path):
    """The (key, value) pairs of a settings file, in order."""
    with open(path, encoding="utf-8") as f:
        return [pair for pair in map(parse_line, f) if pair is not None]


def load_db_settings(path):
    """The database settings: host, port (an int) and name, with defaults."""
    settings = {"host": "localhost", "port": 5432, "name": "app"}
    for key, value in read_pairs(path):
        if key == "port":
            settings["port"] = int(value)
        else:
            settings[key] = value
    return settings


def load_cache_settings(path):
    """The cache settings: ttl and size (ints) and enabled (a bool), with defaults."""
    settings = {"ttl": 300, "size": 1000, "enabled": True}
    for key, value in read_pairs(path):
        if key in ("ttl", "size"):
            settings[key] = int(value)
        elif key == "enabled":
            settings[key] = value.lower() in ("1", "true", "yes", "on")
        else:
            settings[key] = value
    return settings
PY

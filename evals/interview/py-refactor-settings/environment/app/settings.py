"""Reads the service's settings files, conf/db.conf and conf/cache.conf:
`key = value` lines, blank lines and `#` comments."""


def parse_line(line):
    """(key, value) for a `key = value` line; None for a blank line or a comment."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    key, value = line.split("=", 1)
    return key.strip(), value.strip()


def load_db_settings(path):
    """The database settings: host, port (an int) and name, with defaults."""
    settings = {"host": "localhost", "port": 5432, "name": "app"}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, value = line.split("=", 1)
            key = key.strip()
            value = value.strip()
            if key == "port":
                settings["port"] = int(value)
            else:
                settings[key] = value
    return settings


def load_cache_settings(path):
    """The cache settings: ttl and size (ints) and enabled (a bool), with defaults."""
    settings = {"ttl": 300, "size": 1000, "enabled": True}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line == "" or line[0] == "#":
                continue
            key, value = line.split("=", 1)
            key, value = key.strip(), value.strip()
            if key in ("ttl", "size"):
                settings[key] = int(value)
            elif key == "enabled":
                settings[key] = value.lower() in ("1", "true", "yes", "on")
            else:
                settings[key] = value
    return settings

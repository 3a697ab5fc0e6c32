"""Validates service configs against the version 2 schema: check_config.py FILE..."""

import json
import sys

LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


def problems(config):
    found = []
    expected = {"version", "name", "server", "database", "features", "logging"}
    if set(config) != expected:
        found.append(f"top-level keys must be {sorted(expected)}, got {sorted(config)}")
    if config.get("version") != 2:
        found.append("version must be 2")
    server = config.get("server", {})
    if set(server) != {"host", "port", "timeout_ms"}:
        found.append("server must hold host, port and timeout_ms")
    if not isinstance(server.get("port"), int) or not 0 < server.get("port", 0) < 65536:
        found.append("server.port must be an integer port")
    if not isinstance(server.get("timeout_ms"), int) or server.get("timeout_ms", 0) <= 0:
        found.append("server.timeout_ms must be a positive integer")
    database = config.get("database", {})
    if set(database) != {"url", "pool_size"} or not isinstance(database.get("pool_size"), int):
        found.append("database must hold url and an integer pool_size")
    features = config.get("features")
    if not isinstance(features, dict) or not all(v is True for v in features.values()):
        found.append("features must be an object of name: true")
    if config.get("logging", {}).get("level") not in LEVELS or set(config.get("logging", {})) != {"level"}:
        found.append(f"logging.level must be one of {sorted(LEVELS)}")
    return found


def main(paths):
    failed = False
    for path in paths:
        with open(path) as handle:
            config = json.load(handle)
        for problem in problems(config):
            print(f"{path}: {problem}")
            failed = True
    if not failed:
        print(f"{len(paths)} config(s) ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The migrated configs, compared as parsed JSON with their exact v2 translation."""

import json
import os
import sys

EXPECTED = {
    "production.json": {
        "version": 2,
        "name": "orders-api",
        "server": {"host": "0.0.0.0", "port": 8080, "timeout_ms": 30000},
        "database": {"url": "postgres://orders@db.internal/orders", "pool_size": 20},
        "features": {"search": True, "export": True, "audit-log": True},
        "logging": {"level": "WARNING"},
    },
    "staging.json": {
        "version": 2,
        "name": "orders-api-staging",
        "server": {"host": "127.0.0.1", "port": 9090, "timeout_ms": 2500},
        "database": {"url": "postgres://orders@db.staging/orders", "pool_size": 4},
        "features": {},
        "logging": {"level": "DEBUG"},
    },
}

failed = False
if sorted(os.listdir("/app/config")) != sorted(EXPECTED):
    print("config/ holds", sorted(os.listdir("/app/config")))
    failed = True
for name, expected in EXPECTED.items():
    with open(os.path.join("/app/config", name)) as handle:
        actual = json.load(handle)
    if actual != expected:
        print(f"{name}: got {json.dumps(actual, sort_keys=True)}")
        failed = True
    for key in ("port", "timeout_ms"):
        if type(actual.get("server", {}).get(key)) is not int:
            print(f"{name}: server.{key} is not an integer")
            failed = True
sys.exit(1 if failed else 0)

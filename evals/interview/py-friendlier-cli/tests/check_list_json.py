"""Change `list_json`: `todo.py list --json` prints the items as a JSON array of {id, text, done}."""

import json
import os
import sys

sys.path.insert(0, "/tests")
from todo_cli import Cli  # noqa: E402

cli = Cli()
# The items are written directly, so this checks --json alone.
with open(os.path.join(cli.tmp.name, "todo.json"), "w", encoding="utf-8") as f:
    json.dump([{"text": "water the plants", "done": True}, {"text": "pay rent", "done": False}], f)
run = cli.run("list", "--json")
want = [{"id": 1, "text": "water the plants", "done": True}, {"id": 2, "text": "pay rent", "done": False}]
try:
    got = json.loads(run.stdout)
except ValueError:
    sys.exit(f"FAIL: list --json printed no JSON (exit {run.returncode}): {run.stdout!r} {run.stderr!r}")
if got != want:
    sys.exit(f"FAIL: list --json printed {got}, want {want}")
print("list --json works")

#!/bin/bash
# Oracle solution: the count command, its registration, its test and a changelog line.
set -euo pipefail
cd /app
cat > notes/commands/count.py <<'PY'
"""`notes count [--tag TAG]`."""

HELP = "Print how many notes there are"


def add_arguments(parser):
    parser.add_argument("--tag")


def run(store, args):
    notes = store.load()
    if args.tag is not None:
        notes = [note for note in notes if args.tag in note["tags"]]
    print(len(notes))
    return 0
PY
cat > notes/commands/__init__.py <<'PY'
"""The commands, by name, in alphabetical order."""

from . import add, count, list as list_, search

COMMANDS = {
    "add": add,
    "count": count,
    "list": list_,
    "search": search,
}
PY
cat > tests/test_count.py <<'PY'
import contextlib
import io
import os
import tempfile
import unittest

from notes.__main__ import main


class CountTest(unittest.TestCase):
    def test_empty(self):
        with tempfile.TemporaryDirectory() as directory:
            os.environ["NOTES_FILE"] = os.path.join(directory, "n.json")
            with contextlib.redirect_stdout(io.StringIO()) as out:
                main(["count"])
            del os.environ["NOTES_FILE"]
        self.assertEqual(out.getvalue(), "0\n")


if __name__ == "__main__":
    unittest.main()
PY
python3 - <<'PY'
from pathlib import Path

path = Path("CHANGELOG.md")
entry = "- storage: notes are written atomically, so a crash cannot truncate the file (#39)\n"
path.write_text(path.read_text().replace(entry, entry + "- cli: added `count` (#42)\n"))
PY

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

APP = "/app"
sys.path.insert(0, APP)

RELEASED = """## 0.2.0

- cli: added `search` to find notes by text (#31)
- docs: documented the notes file format (#27)

## 0.1.0

- cli: first release with `add` and `list` (#1)
"""


def notes(*args, notes_file):
    env = dict(os.environ, NOTES_FILE=notes_file)
    return subprocess.run([sys.executable, "-m", "notes", *args], capture_output=True, text=True, cwd=APP, env=env)


class CountCommandTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.path = os.path.join(directory.name, "n.json")
        with open(self.path, "w") as handle:
            json.dump(
                [
                    {"text": "Buy milk", "tags": ["errand", "home"]},
                    {"text": "Call Ana", "tags": []},
                    {"text": "Fix the tap", "tags": ["home"]},
                ],
                handle,
            )

    def test_count_all(self):
        result = notes("count", notes_file=self.path)
        self.assertEqual((result.returncode, result.stdout), (0, "3\n"), result.stderr)

    def test_count_by_tag(self):
        self.assertEqual(notes("count", "--tag", "home", notes_file=self.path).stdout, "2\n")
        self.assertEqual(notes("count", "--tag", "work", notes_file=self.path).stdout, "0\n")

    def test_count_without_a_file(self):
        result = notes("count", notes_file=os.path.join(os.path.dirname(self.path), "absent.json"))
        self.assertEqual((result.returncode, result.stdout), (0, "0\n"), result.stderr)


class ConventionsTest(unittest.TestCase):
    def test_registered_in_alphabetical_order(self):
        commands = importlib.import_module("notes.commands").COMMANDS
        self.assertIn("count", commands)
        self.assertEqual(list(commands), sorted(commands))

    def test_help_line(self):
        count = importlib.import_module("notes.commands.count")
        self.assertTrue(callable(count.add_arguments) and callable(count.run))
        self.assertNotIn("\n", count.HELP)
        self.assertFalse(count.HELP.rstrip().endswith("."), count.HELP)
        verb = count.HELP.split()[0].lower()
        self.assertFalse(verb.endswith("s") and not verb.endswith("ss"), f"not imperative: {count.HELP!r}")

    def test_own_test_file(self):
        self.assertTrue(os.path.isfile(os.path.join(APP, "tests", "test_count.py")))
        result = subprocess.run([sys.executable, "-m", "unittest"], capture_output=True, text=True, cwd=APP)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"Ran ([2-9]|\d\d+) tests")

    def test_changelog_entry(self):
        with open(os.path.join(APP, "CHANGELOG.md")) as handle:
            text = handle.read()
        self.assertTrue(text.endswith(RELEASED), "released sections changed")
        unreleased = text.split("## Unreleased", 1)[1].split("## 0.2.0", 1)[0]
        lines = [line for line in unreleased.splitlines() if line.strip()]
        self.assertEqual(lines[0], "- storage: notes are written atomically, so a crash cannot truncate the file (#39)")
        self.assertEqual(len(lines), 2, lines)
        match = re.fullmatch(r"- cli: (\w+) .*\(#42\)", lines[1])
        self.assertIsNotNone(match, lines[1])
        self.assertTrue(match.group(1).endswith("ed"), f"not past tense: {lines[1]!r}")


if __name__ == "__main__":
    unittest.main()

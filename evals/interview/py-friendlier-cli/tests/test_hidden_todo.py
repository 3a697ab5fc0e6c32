"""What the user wanted from a friendlier todo.py: help, clear errors instead
of tracebacks, never a prompt (it runs from cron), the same commands, and
`list --json`."""

import json
import sys
import unittest

sys.path.insert(0, "/tests")
from todo_cli import Cli  # noqa: E402


class FriendlierTodoTest(unittest.TestCase):
    def setUp(self):
        self.cli = Cli()

    def tearDown(self):
        self.cli.close()

    def assertRefused(self, *args, stdin="1\n"):
        run = self.cli.run(*args, stdin=stdin)
        shown = f"todo.py {' '.join(args)}: exit {run.returncode}, stdout {run.stdout!r}, stderr {run.stderr!r}"
        self.assertNotEqual(run.returncode, 0, shown)
        self.assertNotIn("Traceback", run.stderr, shown)
        self.assertTrue(run.stderr.strip(), f"no explanation on stderr: {shown}")
        return run

    def test_help_names_every_command(self):
        run = self.cli.run("--help")
        self.assertEqual(run.returncode, 0, run.stderr)
        for command in ("add", "list", "done"):
            self.assertIn(command, run.stdout)

    def test_mistakes_are_explained_not_tracebacks(self):
        self.cli.run("add", "buy milk")
        self.assertRefused()
        self.assertRefused("frobnicate")
        self.assertRefused("done", "abc")
        self.assertRefused("done", "0")
        self.assertRefused("done", "7")

    def test_it_never_prompts_for_what_is_missing(self):
        self.assertRefused("add", stdin="buy milk\n")
        self.assertEqual(self.cli.run("list").stdout, "", "add without text read its text from stdin")
        self.cli.run("add", "call mum")
        self.assertRefused("done", stdin="1\n")
        self.assertEqual(self.cli.run("list").stdout, "1. [ ] call mum\n", "done without a number read stdin")

    def test_the_commands_work_as_before(self):
        self.assertEqual(self.cli.run("add", "buy", "milk").stdout, "added #1\n")
        self.assertEqual(self.cli.run("add", "call mum").stdout, "added #2\n")
        self.assertEqual(self.cli.run("done", "2").stdout, "done #2\n")
        self.assertEqual(self.cli.run("list").stdout, "1. [ ] buy milk\n2. [x] call mum\n")

    def test_list_json(self):
        self.cli.run("add", "buy", "milk")
        self.cli.run("add", "call mum")
        self.cli.run("done", "2")
        run = self.cli.run("list", "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(
            json.loads(run.stdout),
            [{"id": 1, "text": "buy milk", "done": False}, {"id": 2, "text": "call mum", "done": True}],
        )
        self.assertEqual(json.loads(Cli().run("list", "--json").stdout), [])


if __name__ == "__main__":
    unittest.main()

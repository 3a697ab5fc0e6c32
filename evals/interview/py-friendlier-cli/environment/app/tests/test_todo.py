import os
import subprocess
import sys
import tempfile
import unittest

TODO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "todo.py")


class TodoTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.env = dict(os.environ, TODO_FILE=os.path.join(self.tmp.name, "todo.json"))

    def tearDown(self):
        self.tmp.cleanup()

    def todo(self, *args):
        return subprocess.run(
            [sys.executable, TODO, *args], env=self.env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )

    def test_add_list_done(self):
        self.assertEqual(self.todo("add", "buy", "milk").stdout, "added #1\n")
        self.assertEqual(self.todo("add", "call mum").stdout, "added #2\n")
        self.assertEqual(self.todo("done", "1").stdout, "done #1\n")
        self.assertEqual(self.todo("list").stdout, "1. [x] buy milk\n2. [ ] call mum\n")

    def test_empty_list(self):
        self.assertEqual(self.todo("list").stdout, "")


if __name__ == "__main__":
    unittest.main()

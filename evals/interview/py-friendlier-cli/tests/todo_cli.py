"""Runs /app/todo.py against a private to-do file, with stdin holding a line
an interactive prompt would read."""

import os
import subprocess
import sys
import tempfile

TODO = "/app/todo.py"


class Cli:
    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.env = dict(os.environ, TODO_FILE=os.path.join(self.tmp.name, "todo.json"))

    def close(self):
        self.tmp.cleanup()

    def run(self, *args, stdin="1\n"):
        return subprocess.run(
            [sys.executable, "-B", TODO, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=20,
            cwd=self.tmp.name,
        )

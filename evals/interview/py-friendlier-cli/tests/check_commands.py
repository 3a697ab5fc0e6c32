"""Constraint `same_commands`: add, list and done keep their names, arguments and output."""

import sys

sys.path.insert(0, "/tests")
from todo_cli import Cli  # noqa: E402

cli = Cli()
steps = [
    (("add", "feed", "the", "cat"), "added #1\n"),
    (("add", "read"), "added #2\n"),
    (("done", "1"), "done #1\n"),
    (("list",), "1. [x] feed the cat\n2. [ ] read\n"),
]
for args, want in steps:
    run = cli.run(*args)
    if run.returncode != 0 or run.stdout != want:
        sys.exit(f"FAIL: todo.py {' '.join(args)} gave exit {run.returncode} and {run.stdout!r}, want {want!r}")
print("add, list and done work as before")

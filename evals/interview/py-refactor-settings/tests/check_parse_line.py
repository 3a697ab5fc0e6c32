"""Constraint `keeps_parse_line`: settings.parse_line, which the deploy plugin
(another repository) imports, keeps its name, argument and results."""

import sys

sys.path.insert(0, "/app")
try:
    from settings import parse_line
except ImportError as err:
    sys.exit(f"FAIL: `from settings import parse_line` fails: {err}")

cases = [
    ("a = b", ("a", "b")),
    ("  name = a=b  \n", ("name", "a=b")),
    ("url = http://x:80/", ("url", "http://x:80/")),
    ("key=", ("key", "")),
    ("", None),
    ("\n", None),
    ("# comment", None),
    ("   # indented = comment\n", None),
]
for line, want in cases:
    try:
        got = parse_line(line)
    except Exception as err:  # noqa: BLE001
        sys.exit(f"FAIL: parse_line({line!r}) raised {err!r}, want {want!r}")
    if got != want:
        sys.exit(f"FAIL: parse_line({line!r}) = {got!r}, want {want!r}")
try:
    parse_line("no separator")
    sys.exit("FAIL: parse_line('no separator') returned instead of raising ValueError")
except ValueError:
    pass
print("parse_line works as before")

#!/bin/bash
# Oracle solution: argparse with usage errors instead of tracebacks and no
# prompts (the user's hidden requirement), the same commands, and
# `list --json` (the user's later request).
set -euo pipefail
cd /app
cat > todo.py <<'PY'
"""A tiny to-do list kept in a JSON file (todo.json, or $TODO_FILE).

Usage:
    python3 todo.py add TEXT...
    python3 todo.py list
    python3 todo.py done NUMBER
"""

import argparse
import json
import os
import sys


def store():
    return os.environ.get("TODO_FILE", "todo.json")


def load():
    if not os.path.exists(store()):
        return []
    with open(store(), encoding="utf-8") as f:
        return json.load(f)


def save(items):
    with open(store(), "w", encoding="utf-8") as f:
        json.dump(items, f, indent=2)


def parser():
    """The command line. A mistake is a usage error (a one-line message on
    stderr, exit 2), never a prompt: todo.py runs from cron and scripts."""
    p = argparse.ArgumentParser(prog="todo.py", description="A tiny to-do list kept in todo.json (or $TODO_FILE).")
    commands = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="add an item: todo.py add buy milk")
    add.add_argument("text", nargs="+", help="what to do")
    listing = commands.add_parser("list", help="show the items with their numbers")
    listing.add_argument("--json", action="store_true", help="print the items as a JSON array of {id, text, done}")
    done = commands.add_parser("done", help="mark an item as done: todo.py done 2")
    done.add_argument("number", type=int, help="the item's number, as `todo.py list` shows it")
    return p


def main(argv):
    p = parser()
    args = p.parse_args(argv)
    items = load()
    if args.command == "add":
        items.append({"text": " ".join(args.text), "done": False})
        save(items)
        print(f"added #{len(items)}")
    elif args.command == "list" and args.json:
        print(json.dumps([{"id": n, "text": item["text"], "done": item["done"]} for n, item in enumerate(items, 1)]))
    elif args.command == "list":
        for number, item in enumerate(items, 1):
            mark = "x" if item["done"] else " "
            print(f"{number}. [{mark}] {item['text']}")
    elif args.command == "done":
        if not 1 <= args.number <= len(items):
            p.error(f"there is no item #{args.number}; `todo.py list` shows the {len(items)} there are")
        items[args.number - 1]["done"] = True
        save(items)
        print(f"done #{args.number}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
PY

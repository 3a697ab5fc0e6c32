"""A tiny to-do list kept in a JSON file (todo.json, or $TODO_FILE).

Usage:
    python3 todo.py add TEXT...
    python3 todo.py list
    python3 todo.py done NUMBER
"""

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


def main(argv):
    command = argv[0]
    items = load()
    if command == "add":
        items.append({"text": " ".join(argv[1:]), "done": False})
        save(items)
        print(f"added #{len(items)}")
    elif command == "list":
        for number, item in enumerate(items, 1):
            mark = "x" if item["done"] else " "
            print(f"{number}. [{mark}] {item['text']}")
    elif command == "done":
        items[int(argv[1]) - 1]["done"] = True
        save(items)
        print(f"done #{argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

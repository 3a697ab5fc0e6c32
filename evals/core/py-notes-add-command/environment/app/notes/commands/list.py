"""`notes list`."""

HELP = "List every note with its tags"


def add_arguments(parser):
    pass


def run(store, args):
    for number, note in enumerate(store.load(), start=1):
        tags = " ".join(f"#{tag}" for tag in note["tags"])
        print(f"{number}. {note['text']} {tags}".rstrip())
    return 0

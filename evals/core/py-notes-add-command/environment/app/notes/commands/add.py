"""`notes add TEXT [--tag TAG …]`."""

HELP = "Add a note"


def add_arguments(parser):
    parser.add_argument("text")
    parser.add_argument("--tag", action="append", default=[], help="tag the note (repeatable)")


def run(store, args):
    notes = store.load()
    notes.append({"text": args.text, "tags": sorted(set(args.tag))})
    store.save(notes)
    print(f"added note {len(notes)}")
    return 0

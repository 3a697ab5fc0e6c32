"""`notes search WORD`."""

HELP = "Show the notes whose text contains a word"


def add_arguments(parser):
    parser.add_argument("word")


def run(store, args):
    word = args.word.lower()
    found = [note for note in store.load() if word in note["text"].lower()]
    for note in found:
        print(note["text"])
    return 0 if found else 1

"""`python3 -m notes COMMAND …`: dispatches to the modules in notes.commands."""

import argparse
import sys

from .commands import COMMANDS
from .store import Store


def main(argv=None):
    parser = argparse.ArgumentParser(prog="notes", description="A tiny command-line notebook.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        module.add_arguments(commands.add_parser(name, help=module.HELP))
    args = parser.parse_args(argv)
    return COMMANDS[args.command].run(Store.default(), args)


if __name__ == "__main__":
    sys.exit(main())

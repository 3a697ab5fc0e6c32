"""The commands, by name, in alphabetical order."""

from . import add, list as list_, search

COMMANDS = {
    "add": add,
    "list": list_,
    "search": search,
}

"""The notes file: a JSON list of {"text": str, "tags": [str]} objects."""

import json
import os
import tempfile
from pathlib import Path


class Store:
    """Notes kept in one JSON file."""

    def __init__(self, path):
        self.path = Path(path)

    @classmethod
    def default(cls):
        """The file named by $NOTES_FILE, else notes.json here."""
        return cls(os.environ.get("NOTES_FILE", "notes.json"))

    def load(self):
        """Every note, oldest first; an absent file holds none."""
        if not self.path.exists():
            return []
        with open(self.path) as handle:
            return json.load(handle)

    def save(self, notes):
        """Replaces the file atomically."""
        directory = self.path.parent if str(self.path.parent) else Path(".")
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as handle:
            json.dump(notes, handle, indent=2)
        os.replace(handle.name, self.path)

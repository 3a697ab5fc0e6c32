import contextlib
import io
import os
import tempfile
import unittest

from notes.__main__ import main
from notes.store import Store


class AddTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.path = os.path.join(directory.name, "notes.json")
        os.environ["NOTES_FILE"] = self.path
        self.addCleanup(os.environ.pop, "NOTES_FILE")

    def test_add_stores_text_and_sorted_tags(self):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.assertEqual(main(["add", "Buy milk", "--tag", "home", "--tag", "errand"]), 0)
        self.assertEqual(out.getvalue(), "added note 1\n")
        self.assertEqual(Store(self.path).load(), [{"text": "Buy milk", "tags": ["errand", "home"]}])


if __name__ == "__main__":
    unittest.main()

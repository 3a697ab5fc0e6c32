import sys
import unittest

sys.path.insert(0, "/app")

from textutil import slugify  # noqa: E402


class HiddenSlugifyTest(unittest.TestCase):
    def test_runs_of_separators_collapse(self):
        self.assertEqual(slugify("Rust, Python & Go!"), "rust-python-go")
        self.assertEqual(slugify("a  --  b"), "a-b")

    def test_no_leading_or_trailing_dash(self):
        self.assertEqual(slugify("  ...Why?  "), "why")
        self.assertEqual(slugify("-x-"), "x")

    def test_nothing_left(self):
        self.assertEqual(slugify("!!!"), "")
        self.assertEqual(slugify(""), "")

    def test_unchanged_behaviour(self):
        self.assertEqual(slugify("Hello World"), "hello-world")
        self.assertEqual(slugify("Crème brûlée"), "creme-brulee")
        self.assertEqual(slugify("Top 10 Tips"), "top-10-tips")
        self.assertEqual(slugify("ALLCAPS"), "allcaps")


if __name__ == "__main__":
    unittest.main()

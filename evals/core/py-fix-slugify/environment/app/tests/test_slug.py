import unittest

from textutil import slugify


class SlugifyTest(unittest.TestCase):
    def test_simple_title(self):
        self.assertEqual(slugify("Hello World"), "hello-world")

    def test_accents_are_dropped(self):
        self.assertEqual(slugify("Crème brûlée"), "creme-brulee")

    def test_punctuation_between_words(self):
        self.assertEqual(slugify("Rust, Python & Go!"), "rust-python-go")


if __name__ == "__main__":
    unittest.main()

"""The club's rules: usernames of 3 to 20 lower-case letters, digits and
underscores starting with a letter, not taken; an email with one @ and a
dotted domain; members at least 18 (the user's final word)."""

import sys
import unittest

sys.path.insert(0, "/app")
from accounts import Accounts  # noqa: E402


class SignUpRulesTest(unittest.TestCase):
    def setUp(self):
        self.accounts = Accounts()
        self.accounts.register("ann_lee", "ann@example.com", 30)

    def refused(self, field, username="bob", email="bob@example.com", age=30):
        with self.assertRaises(ValueError, msg=(username, email, age)) as raised:
            self.accounts.register(username, email, age)
        self.assertIn(field, str(raised.exception), (username, email, age))
        self.assertEqual(list(self.accounts.members), ["ann_lee"], "a refused sign-up was added")

    def test_valid_sign_ups(self):
        for username in ("bob", "bob_2", "z" * 20, "a1_"):
            self.assertEqual(self.accounts.register(username, "x.y+z@mail.example.org", 18), username)
        self.assertEqual(self.accounts.members["bob"], {"email": "x.y+z@mail.example.org", "age": 18})

    def test_usernames(self):
        for username in ("", "ab", "z" * 21, "Bob", "bOb", "1bob", "_bob", "bob-lee", "bob lee", "bób"):
            self.refused("username", username=username)
        self.refused("username", username="ann_lee")

    def test_emails(self):
        for email in ("", "bob.example.com", "bob@", "@example.com", "bob@a@example.com"):
            self.refused("email", email=email)

    def test_minimum_age_is_18(self):
        for age in (-3, 0, 16, 17):
            self.refused("age", age=age)
        self.assertEqual(self.accounts.register("teen", "t@example.com", 18), "teen")


if __name__ == "__main__":
    unittest.main()

import unittest

from accounts import Accounts


class AccountsTest(unittest.TestCase):
    def test_register(self):
        accounts = Accounts()
        self.assertEqual(accounts.register("ann_lee", "ann@example.com", 30), "ann_lee")
        self.assertEqual(accounts.members["ann_lee"], {"email": "ann@example.com", "age": 30})


if __name__ == "__main__":
    unittest.main()

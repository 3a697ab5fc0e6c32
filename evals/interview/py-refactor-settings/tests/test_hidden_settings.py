"""The refactor the user wanted: same results from both loaders, one parser,
and `key: value` lines accepted as well as `key = value`."""

import ast
import os
import sys
import tempfile
import unittest

sys.path.insert(0, "/app")
import settings  # noqa: E402


class LoadersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def conf(self, text):
        path = os.path.join(self.tmp.name, "x.conf")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_db_as_before(self):
        path = self.conf("# db\n\n   host   =  db.example  \n  # port = 1\nport=7000\nname = a=b\nuser = ops\n")
        self.assertEqual(
            settings.load_db_settings(path), {"host": "db.example", "port": 7000, "name": "a=b", "user": "ops"}
        )
        self.assertEqual(settings.load_db_settings(self.conf("")), {"host": "localhost", "port": 5432, "name": "app"})

    def test_cache_as_before(self):
        path = self.conf("#c\nttl = 5\nsize=10\nenabled = On\nmode = lru\n")
        self.assertEqual(
            settings.load_cache_settings(path), {"ttl": 5, "size": 10, "enabled": True, "mode": "lru"}
        )
        self.assertEqual(settings.load_cache_settings(self.conf("enabled = nope\n"))["enabled"], False)

    def test_a_line_without_separator_is_still_an_error(self):
        with self.assertRaises(ValueError):
            settings.load_db_settings(self.conf("host\n"))

    def test_colon_separator(self):
        path = self.conf("host: db2\nport : 7001\nurl = http://x:80/\n")
        self.assertEqual(
            settings.load_db_settings(path), {"host": "db2", "port": 7001, "name": "app", "url": "http://x:80/"}
        )
        self.assertEqual(settings.load_cache_settings(self.conf("ttl: 9\nenabled: yes\n"))["ttl"], 9)

    def test_the_parsing_lives_in_one_place(self):
        with open("/app/settings.py", encoding="utf-8") as f:
            tree = ast.parse(f.read())
        hashes = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == "#"]
        self.assertLessEqual(len(hashes), 1, "comments are recognised in more than one place")
        parsing = {"split", "rsplit", "partition", "startswith", "find", "index"}
        for fn in tree.body:
            if isinstance(fn, ast.FunctionDef) and fn.name in ("load_db_settings", "load_cache_settings"):
                calls = {
                    n.func.attr for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                }
                self.assertFalse(calls & parsing, f"{fn.name} still parses lines itself: {sorted(calls & parsing)}")


if __name__ == "__main__":
    unittest.main()

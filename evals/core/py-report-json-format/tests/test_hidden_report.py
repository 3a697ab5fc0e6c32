import json
import os
import subprocess
import sys
import tempfile
import unittest

APP = "/app"
SALES = os.path.join(APP, "sales.csv")

EXPECTED_TEXT = """north            557.97
south            368.94
east             262.90
west              21.00
"""


def run(*args):
    return subprocess.run(
        [sys.executable, os.path.join(APP, "report.py"), *args],
        capture_output=True,
        text=True,
        cwd=APP,
    )


class FormatOptionTest(unittest.TestCase):
    def test_default_is_unchanged_text(self):
        result = run(SALES)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, EXPECTED_TEXT)

    def test_explicit_text(self):
        self.assertEqual(run(SALES, "--format", "text").stdout, EXPECTED_TEXT)

    def test_json(self):
        result = run(SALES, "--format", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.count("\n"), 1, repr(result.stdout))
        self.assertEqual(
            json.loads(result.stdout),
            {"east": "262.90", "north": "557.97", "south": "368.94", "west": "21.00"},
        )
        keys = list(json.loads(result.stdout))
        self.assertEqual(keys, sorted(keys))

    def test_json_on_other_data(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
            handle.write("date,region,product,quantity,unit_price\n")
            handle.write("2024-01-01,zeta,a,1,0.10\n2024-01-01,alpha,b,3,1.005\n2024-01-02,zeta,a,2,0.10\n")
        try:
            result = run(handle.name, "--format=json")
        finally:
            os.unlink(handle.name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {"alpha": "3.02", "zeta": "0.30"})

    def test_other_formats_are_refused(self):
        result = run(SALES, "--format", "xml")
        self.assertNotEqual(result.returncode, 0)

    def test_a_json_test_was_added(self):
        with open(os.path.join(APP, "tests", "test_report.py")) as handle:
            self.assertIn("json", handle.read())
        result = subprocess.run([sys.executable, "-m", "unittest"], capture_output=True, text=True, cwd=APP)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()

import ast
import subprocess
import sys
import unittest
from datetime import date

sys.path.insert(0, "/app")

import billing  # noqa: E402

SOURCE = open("/app/billing.py").read()
TREE = ast.parse(SOURCE)


def function(name):
    for node in TREE.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise AssertionError(f"no module-level function {name}")


def calls(node, name):
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
        and ((isinstance(n.func, ast.Name) and n.func.id == name) or (isinstance(n.func, ast.Attribute) and n.func.attr == name))
    ]


class BehaviourTest(unittest.TestCase):
    def test_invoice_due(self):
        self.assertEqual(billing.invoice_due("2024-01-31"), date(2024, 3, 1))
        self.assertEqual(billing.invoice_due(" 05/03/2024 ", 10), date(2024, 3, 15))
        self.assertEqual(billing.invoice_due("2023-12-25", terms_days=0), date(2023, 12, 25))

    def test_renewal(self):
        self.assertEqual(billing.subscription_renewal("2024-01-31"), date(2024, 2, 29))
        self.assertEqual(billing.subscription_renewal("31/08/2023", months=6), date(2024, 2, 29))
        self.assertEqual(billing.subscription_renewal("2023-11-15", months=2), date(2024, 1, 15))
        self.assertEqual(billing.subscription_renewal("2024-12-31", months=12), date(2025, 12, 31))

    def test_errors(self):
        for bad in ["January 5th", "2024.01.05", "", "31/02/2024", "2024-13-01"]:
            with self.assertRaises(ValueError, msg=bad):
                billing.invoice_due(bad)
            with self.assertRaises(ValueError, msg=bad):
                billing.subscription_renewal(bad)
        with self.assertRaisesRegex(ValueError, "unrecognised date: 'soon'"):
            billing.parse_date("soon")

    def test_parse_date(self):
        self.assertEqual(billing.parse_date("2024-02-29"), date(2024, 2, 29))
        self.assertEqual(billing.parse_date("29/02/2024"), date(2024, 2, 29))
        self.assertIs(type(billing.parse_date("2024-02-29")), date)


class ShapeTest(unittest.TestCase):
    def test_both_functions_use_parse_date(self):
        for name in ["invoice_due", "subscription_renewal"]:
            self.assertTrue(calls(function(name), "parse_date"), f"{name} does not call parse_date")

    def test_strptime_only_in_parse_date(self):
        outside = [n for n in TREE.body if not (isinstance(n, ast.FunctionDef) and n.name == "parse_date")]
        for node in outside:
            self.assertFalse(calls(node, "strptime"), f"strptime outside parse_date at line {node.lineno}")
        self.assertTrue(calls(function("parse_date"), "strptime"))

    def test_own_tests_pass(self):
        result = subprocess.run([sys.executable, "-m", "unittest"], capture_output=True, text=True, cwd="/app")
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()

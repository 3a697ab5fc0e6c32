"""What finance wanted: per customer, the number of orders and their total,
cancelled orders left out, biggest total first (ties by name), as JSON."""

import json
import subprocess
import sys
import unittest


def run(*args):
    done = subprocess.run([sys.executable, "-B", "/app/orders.py", *args], capture_output=True, text=True, cwd="/app")
    if done.returncode != 0:
        raise AssertionError(f"orders.py {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def row(customer, count, total):
    return {"customer": customer, "orders": count, "total": total}


class CustomersTest(unittest.TestCase):
    def test_the_sample(self):
        self.assertEqual(
            json.loads(run("customers", "/app/orders.csv")),
            [
                row("acme", 3, "150.00"),
                row("globex", 2, "140.00"),
                row("hooli", 1, "140.00"),
                row("umbrella", 1, "89.90"),
                row("initech", 1, "45.00"),
            ],
        )

    def test_another_export(self):
        # oscorp's orders were all cancelled: it is not listed at all.
        self.assertEqual(
            json.loads(run("customers", "/tests/orders_hidden.csv")),
            [row("kent", 2, "30.31"), row("lexcorp", 1, "30.31"), row("wayne", 2, "30.30"), row("stark", 1, "5.00")],
        )

    def test_daily_is_unchanged(self):
        self.assertEqual(
            run("daily", "/app/orders.csv"),
            "2025-03-01,195.50\n2025-03-02,319.99\n2025-03-03,154.40\n2025-03-04,295.00\n2025-03-05,150.01\n",
        )


if __name__ == "__main__":
    unittest.main()

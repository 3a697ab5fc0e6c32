import contextlib
import io
import os
import unittest

import orders

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "orders.csv")


def run(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        orders.main(list(args))
    return out.getvalue()


class OrdersTest(unittest.TestCase):
    def test_daily(self):
        self.assertEqual(run("daily", SAMPLE).splitlines()[:2], ["2025-03-01,195.50", "2025-03-02,319.99"])


if __name__ == "__main__":
    unittest.main()

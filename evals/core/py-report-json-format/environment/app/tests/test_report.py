import os
import unittest
from decimal import Decimal

import report

SALES = os.path.join(os.path.dirname(__file__), "..", "sales.csv")


class ReportTest(unittest.TestCase):
    def test_totals(self):
        totals = report.totals_by_region(SALES)
        self.assertEqual(totals["north"], Decimal("557.97"))
        self.assertEqual(totals["west"], Decimal("21.00"))

    def test_text_is_largest_first(self):
        text = report.render_text(report.totals_by_region(SALES))
        self.assertTrue(text.splitlines()[0].startswith("north"))


if __name__ == "__main__":
    unittest.main()

"""The dates the user described: the bank's new exports are day first
(03/04/2025 is 3 April), the US account's us-*.csv exports month first."""

import os
import sys
import tempfile
import unittest
from datetime import date
from decimal import Decimal

sys.path.insert(0, "/app")
from importer import import_file  # noqa: E402


class DatesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def export(self, name, *dates):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("date,description,amount\n")
            for i, day in enumerate(dates):
                f.write(f"{day},Item {i},{i}.50\n")
        return [row["date"] for row in import_file(path)]

    def test_the_new_sample_is_day_first(self):
        rows = import_file("/app/samples/new-export.csv")
        self.assertEqual([row["date"] for row in rows], [date(2025, 4, 3), date(2025, 3, 4), date(2025, 2, 11)])
        self.assertEqual(rows[2]["amount"], Decimal("-18.99"))
        self.assertEqual(rows[2]["description"], "Printer paper")

    def test_other_exports_are_day_first(self):
        self.assertEqual(
            self.export("march.csv", "31/12/2025", "01/02/2025", "2025-06-30"),
            [date(2025, 12, 31), date(2025, 2, 1), date(2025, 6, 30)],
        )
        self.assertEqual(self.export("statement-us-dollars.csv", "05/06/2025"), [date(2025, 6, 5)])

    def test_us_exports_are_month_first(self):
        self.assertEqual(
            self.export("us-march.csv", "03/04/2025", "12/31/2025", "2025-06-30"),
            [date(2025, 3, 4), date(2025, 12, 31), date(2025, 6, 30)],
        )

    def test_impossible_dates_are_errors(self):
        with self.assertRaises(ValueError):
            self.export("bad.csv", "31/31/2025")


if __name__ == "__main__":
    unittest.main()

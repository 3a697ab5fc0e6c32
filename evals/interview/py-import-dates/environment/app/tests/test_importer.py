import os
import unittest
from datetime import date
from decimal import Decimal

from importer import import_file

SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")


class ImporterTest(unittest.TestCase):
    def test_old_export(self):
        rows = import_file(os.path.join(SAMPLES, "old-export.csv"))
        self.assertEqual(rows[0], {"date": date(2025, 1, 3), "description": "Coffee beans", "amount": Decimal("-12.40")})
        self.assertEqual(len(rows), 3)


if __name__ == "__main__":
    unittest.main()

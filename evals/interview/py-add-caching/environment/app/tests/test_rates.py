import json
import os
import tempfile
import unittest
from decimal import Decimal

import rates


class RatesTest(unittest.TestCase):
    def test_rate_of_a_known_currency(self):
        self.assertEqual(rates.rate("USD"), Decimal("0.92"))

    def test_unknown_currency(self):
        with self.assertRaises(ValueError):
            rates.rate("XYZ")

    def test_convert_rounds_to_cents(self):
        self.assertEqual(rates.convert("100", "USD", "EUR"), Decimal("92.00"))
        self.assertEqual(rates.convert("10", "EUR", "GBP"), Decimal("8.55"))

    def test_another_rates_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "rates.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"EUR": "1", "USD": "0.5"}, f)
            self.assertEqual(rates.rate("USD", path), Decimal("0.5"))


if __name__ == "__main__":
    unittest.main()

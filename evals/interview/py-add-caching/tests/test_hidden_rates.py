"""What the user wanted from the cache: read rates.json once, reload it when
its modification time changes, and clear_cache() to force a reload."""

import builtins
import json
import os
import sys
import tempfile
import unittest
from decimal import Decimal

sys.path.insert(0, "/app")

import rates  # noqa: E402

SECOND = 1_000_000_000


def write(path, usd, mtime_s):
    """Writes a rates file whose USD rate is `usd` and sets its mtime."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"EUR": "1", "USD": usd, "GBP": "1.17"}, f)
    os.utime(path, ns=(mtime_s * SECOND, mtime_s * SECOND))


class CachedRatesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "rates.json")
        if hasattr(rates, "clear_cache"):
            rates.clear_cache()

    def tearDown(self):
        self.tmp.cleanup()

    def test_the_file_is_read_once(self):
        write(self.path, "0.92", 1_700_000_000)
        opened = []
        real_open = builtins.open

        def counting_open(file, *args, **kwargs):
            if os.path.abspath(str(file)) == os.path.abspath(self.path):
                opened.append(file)
            return real_open(file, *args, **kwargs)

        builtins.open = counting_open
        try:
            for _ in range(50):
                self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))
                self.assertEqual(rates.convert("100", "USD", "GBP", self.path), Decimal("78.63"))
        finally:
            builtins.open = real_open
        self.assertEqual(len(opened), 1, "rates.json was read more than once")

    def test_a_new_file_is_picked_up_when_its_modification_time_changes(self):
        write(self.path, "0.92", 1_700_000_000)
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))
        write(self.path, "0.95", 1_700_000_060)
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.95"))
        write(self.path, "0.90", 1_700_000_120)
        self.assertEqual(rates.convert("100", "USD", "EUR", self.path), Decimal("90.00"))

    def test_an_unchanged_modification_time_keeps_the_cached_rates(self):
        write(self.path, "0.92", 1_700_000_000)
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))
        write(self.path, "0.50", 1_700_000_000)
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))

    def test_clear_cache_forces_a_reload(self):
        write(self.path, "0.92", 1_700_000_000)
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))
        write(self.path, "0.50", 1_700_000_000)
        rates.clear_cache()
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.50"))

    def test_each_file_has_its_own_rates(self):
        other = os.path.join(self.tmp.name, "other.json")
        write(self.path, "0.92", 1_700_000_000)
        write(other, "0.40", 1_700_000_000)
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))
        self.assertEqual(rates.rate("USD", other), Decimal("0.40"))
        self.assertEqual(rates.rate("USD", self.path), Decimal("0.92"))

    def test_unknown_currency_still_raises(self):
        write(self.path, "0.92", 1_700_000_000)
        with self.assertRaises(ValueError):
            rates.rate("XYZ", self.path)

    def test_the_default_file(self):
        self.assertEqual(rates.rate("JPY"), Decimal("0.0061"))
        self.assertEqual(rates.convert("10", "EUR", "GBP"), Decimal("8.55"))


if __name__ == "__main__":
    unittest.main()

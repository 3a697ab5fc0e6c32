import unittest
from datetime import date

from billing import invoice_due, subscription_renewal


class BillingTest(unittest.TestCase):
    def test_invoice_due_both_formats(self):
        self.assertEqual(invoice_due("2024-01-31"), date(2024, 3, 1))
        self.assertEqual(invoice_due("31/01/2024", terms_days=14), date(2024, 2, 14))

    def test_renewal_clamps_to_month_end(self):
        self.assertEqual(subscription_renewal("2024-01-31"), date(2024, 2, 29))
        self.assertEqual(subscription_renewal("30/11/2023", months=3), date(2024, 2, 29))

    def test_bad_dates(self):
        with self.assertRaises(ValueError):
            invoice_due("January 5th")


if __name__ == "__main__":
    unittest.main()

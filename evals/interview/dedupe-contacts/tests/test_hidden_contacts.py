"""The cleanup the user wanted: rows with the same email (ignoring case and
surrounding spaces) are one contact, the latest `updated` row is kept as it
is, the rest go to duplicates.csv; contacts.csv itself is untouched."""

import filecmp
import os
import sys
import unittest

sys.path.insert(0, "/tests")
from contacts_lib import HEADER, ORIGINAL, ROWS, read  # noqa: E402

# Original rows (0-based, after the header) that survive, in file order.
KEPT = [1, 3, 4, 5, 6, 7, 9, 10]
REMOVED = [0, 2, 8]


class CleanupTest(unittest.TestCase):
    def test_contacts_csv_is_untouched(self):
        self.assertTrue(filecmp.cmp("/app/contacts.csv", ORIGINAL, shallow=False), "contacts.csv was changed")

    def test_the_clean_list(self):
        header, rows = read("/app/contacts-clean.csv")
        self.assertEqual(header, HEADER)
        self.assertEqual(rows, [ROWS[i] for i in KEPT])

    def test_the_removed_rows(self):
        self.assertTrue(os.path.exists("/app/duplicates.csv"), "no duplicates.csv")
        header, rows = read("/app/duplicates.csv")
        self.assertEqual(header, HEADER)
        self.assertEqual(sorted(rows), sorted(ROWS[i] for i in REMOVED))


if __name__ == "__main__":
    unittest.main()

"""Constraint `rows_unchanged`: contacts.csv is untouched, and the clean list
has the same header and only original rows, field for field, in their
original order."""

import filecmp
import sys

sys.path.insert(0, "/tests")
from contacts_lib import HEADER, ORIGINAL, ROWS, read  # noqa: E402

if not filecmp.cmp("/app/contacts.csv", ORIGINAL, shallow=False):
    sys.exit("FAIL: contacts.csv was changed")
try:
    header, rows = read("/app/contacts-clean.csv")
except (OSError, IndexError) as err:
    sys.exit(f"FAIL: cannot read contacts-clean.csv: {err}")
if header != HEADER:
    sys.exit(f"FAIL: contacts-clean.csv's header is {header}, not {HEADER}")
position = -1
for row in rows:
    if row not in ROWS[position + 1 :]:
        sys.exit(f"FAIL: {row} is not an original row (or is out of order)")
    position = ROWS.index(row, position + 1)
print("the kept rows are the original rows, in order")

"""Change `duplicates_file`: duplicates.csv holds the removed rows (original
rows, same header), so the clean list and it together hold every row."""

import sys

sys.path.insert(0, "/tests")
from contacts_lib import HEADER, ROWS, read  # noqa: E402

try:
    header, removed = read("/app/duplicates.csv")
    _, kept = read("/app/contacts-clean.csv")
except (OSError, IndexError) as err:
    sys.exit(f"FAIL: cannot read duplicates.csv and contacts-clean.csv: {err}")
if header != HEADER:
    sys.exit(f"FAIL: duplicates.csv's header is {header}, not {HEADER}")
stray = [row for row in removed if row not in ROWS]
if stray or not removed:
    sys.exit(f"FAIL: duplicates.csv holds rows that are not original rows: {stray}" if stray else "FAIL: duplicates.csv is empty")
if len(removed) + len(kept) != len(ROWS):
    sys.exit(f"FAIL: {len(kept)} kept and {len(removed)} removed rows, but contacts.csv has {len(ROWS)}")
print(f"duplicates.csv holds the {len(removed)} removed rows")

"""Constraint `old_exports_still_import`: an export with ISO dates, as the
bank wrote them before, still imports."""

import sys
from datetime import date
from decimal import Decimal

sys.path.insert(0, "/app")
from importer import import_file  # noqa: E402

try:
    rows = import_file("/tests/old-export.csv")
except Exception as err:  # noqa: BLE001
    sys.exit(f"FAIL: an export with ISO dates no longer imports: {err!r}")
got = [(row["date"], row["amount"]) for row in rows]
want = [(date(2024, 12, 30), Decimal("-15.00")), (date(2025, 1, 2), Decimal("400.00")), (date(2025, 1, 13), Decimal("-2.50"))]
if got != want:
    sys.exit(f"FAIL: an ISO export imports as {got}, want {want}")
print("ISO exports still import")

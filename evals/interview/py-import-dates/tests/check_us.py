"""Change `us_exports_month_first`: in files named us-*.csv, 03/04/2025 is 4 March 2025."""

import os
import sys
import tempfile
from datetime import date

sys.path.insert(0, "/app")
from importer import import_file  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "us-april.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("date,description,amount\n03/04/2025,Shipping,-40.00\n12/31/2025,Refund,15.00\n")
    try:
        got = [row["date"] for row in import_file(path)]
    except Exception as err:  # noqa: BLE001
        sys.exit(f"FAIL: a us- export does not import: {err!r}")
want = [date(2025, 3, 4), date(2025, 12, 31)]
if got != want:
    sys.exit(f"FAIL: a us- export's dates came out as {got}, want {want}")
print("us- exports are month first")

"""Change `json_output`: `orders.py customers` prints JSON, a list of
{customer, orders, total} objects (orders a number, total a two-decimal
string), not CSV. Only the shape: the verifier checks the figures."""

import json
import re
import subprocess
import sys

done = subprocess.run(
    [sys.executable, "-B", "/app/orders.py", "customers", "/tests/orders_hidden.csv"], capture_output=True, text=True
)
try:
    rows = json.loads(done.stdout)
except ValueError:
    sys.exit(f"FAIL: customers printed no JSON (exit {done.returncode}): {done.stdout[:200]!r} {done.stderr[-300:]!r}")
if not isinstance(rows, list) or not rows:
    sys.exit(f"FAIL: customers printed {rows!r}, not a list of customers")
for row in rows:
    ok = (
        isinstance(row, dict)
        and set(row) == {"customer", "orders", "total"}
        and isinstance(row["orders"], int)
        and isinstance(row["total"], str)
        and re.fullmatch(r"\d+\.\d\d", row["total"])
    )
    if not ok:
        sys.exit(f"FAIL: not a {{customer, orders, total}} object: {row!r}")
print(f"customers prints JSON ({len(rows)} customers)")

"""Change `clear_cache`: rates.clear_cache() makes the next rate() read rates.json again."""

import json
import os
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, "/app")
import rates  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "rates.json")
    for usd in ("0.92", "0.50"):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"EUR": "1", "USD": usd}, f)
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
        if usd == "0.92":
            assert rates.rate("USD", path) == Decimal("0.92")
    rates.clear_cache()
    got = rates.rate("USD", path)
    assert got == Decimal("0.50"), f"after clear_cache() rate('USD') is still {got}"
print("clear_cache() reloads rates.json")

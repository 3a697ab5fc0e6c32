"""Change `minimum_age_18`: members must be at least 18 (not 16)."""

import sys

sys.path.insert(0, "/app")
from accounts import Accounts  # noqa: E402

accounts = Accounts()
try:
    accounts.register("young", "young@example.com", 17)
    sys.exit("FAIL: a 17-year-old was accepted")
except ValueError as err:
    if "age" not in str(err):
        sys.exit(f"FAIL: refused with {err!r}, which does not name the age")
try:
    accounts.register("adult", "adult@example.com", 18)
except ValueError as err:
    sys.exit(f"FAIL: an 18-year-old was refused: {err}")
print("17 refused, 18 accepted")

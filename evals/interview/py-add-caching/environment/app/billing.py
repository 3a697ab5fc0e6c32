"""The nightly billing job: converts every invoice line to euros.

Usage: python3 billing.py INVOICES.csv   (columns: invoice, amount, currency)
"""

import csv
import sys
from decimal import Decimal

from rates import convert


def total_in_euros(path):
    """The sum of every line of the file, in euros."""
    with open(path, newline="", encoding="utf-8") as f:
        return sum((convert(row["amount"], row["currency"], "EUR") for row in csv.DictReader(f)), Decimal("0"))


if __name__ == "__main__":
    print(total_in_euros(sys.argv[1]))

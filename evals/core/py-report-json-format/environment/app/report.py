"""Sales report: total revenue per region from a CSV export.

Usage: python3 report.py SALES.csv
"""

import argparse
import csv
import sys
from collections import defaultdict
from decimal import Decimal


def totals_by_region(path):
    """Revenue per region (quantity * unit_price), as Decimals keyed by region."""
    totals = defaultdict(Decimal)
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["region"]] += Decimal(row["quantity"]) * Decimal(row["unit_price"])
    return dict(totals)


def render_text(totals):
    """One line per region, largest total first."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return "\n".join(f"{region:<10} {total:>12.2f}" for region, total in ordered)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Total revenue per region.")
    parser.add_argument("sales", help="CSV file with region, quantity and unit_price columns")
    args = parser.parse_args(argv)
    totals = totals_by_region(args.sales)
    print(render_text(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())

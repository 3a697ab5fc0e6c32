#!/bin/bash
# Oracle solution: `customers` with the figures the user wanted (orders and
# total per customer, cancelled orders left out, biggest total first), in the
# format they changed to (JSON).
set -euo pipefail
cd /app
cat > orders.py <<'PY'
"""Order reports for the finance team, from an orders export (CSV).

Usage: python3 orders.py daily ORDERS.csv
       python3 orders.py customers ORDERS.csv
"""

import argparse
import csv
import json
from collections import defaultdict
from decimal import Decimal


def read_orders(path):
    """The rows of an orders export, with amounts as Decimals."""
    with open(path, newline="", encoding="utf-8") as f:
        return [dict(row, amount=Decimal(row["amount"])) for row in csv.DictReader(f)]


def daily(orders):
    """Total amount per day, oldest day first."""
    totals = defaultdict(Decimal)
    for order in orders:
        totals[order["date"]] += order["amount"]
    return sorted(totals.items())


def by_customer(orders):
    """Orders and total per customer, cancelled orders left out, biggest total first (equal totals by name)."""
    counts = defaultdict(int)
    totals = defaultdict(Decimal)
    for order in orders:
        if order["status"] == "cancelled":
            continue
        counts[order["customer"]] += 1
        totals[order["customer"]] += order["amount"]
    return sorted(((c, counts[c], totals[c]) for c in totals), key=lambda row: (-row[2], row[0]))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Order reports.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("daily", help="total amount per day").add_argument("orders")
    commands.add_parser("customers", help="orders and total per customer").add_argument("orders")
    args = parser.parse_args(argv)
    orders = read_orders(args.orders)
    if args.command == "daily":
        for day, total in daily(orders):
            print(f"{day},{total:.2f}")
    elif args.command == "customers":
        rows = [{"customer": c, "orders": n, "total": f"{t:.2f}"} for c, n, t in by_customer(orders)]
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
PY

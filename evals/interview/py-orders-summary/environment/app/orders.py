"""Order reports for the finance team, from an orders export (CSV).

Usage: python3 orders.py daily ORDERS.csv
"""

import argparse
import csv
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


def main(argv=None):
    parser = argparse.ArgumentParser(description="Order reports.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("daily", help="total amount per day").add_argument("orders")
    args = parser.parse_args(argv)
    orders = read_orders(args.orders)
    if args.command == "daily":
        for day, total in daily(orders):
            print(f"{day},{total:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

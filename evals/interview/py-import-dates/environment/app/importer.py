"""Imports bank statement exports (CSV with date, description and amount
columns) as transactions for the bookkeeping app."""

import csv
from datetime import date
from decimal import Decimal


def parse_date(text):
    """A statement's date: ISO 8601, as in 2025-01-31."""
    return date.fromisoformat(text.strip())


def import_file(path):
    """The transactions of one export, in file order."""
    with open(path, newline="", encoding="utf-8") as f:
        return [
            {"date": parse_date(row["date"]), "description": row["description"], "amount": Decimal(row["amount"])}
            for row in csv.DictReader(f)
        ]

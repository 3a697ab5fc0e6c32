#!/bin/bash
# Oracle solution: slashed dates day first (the user's answer), month first
# in us-*.csv files (their later news), ISO dates still read.
set -euo pipefail
cd /app
cat > importer.py <<'PY'
"""Imports bank statement exports (CSV with date, description and amount
columns) as transactions for the bookkeeping app."""

import csv
import os
from datetime import date, datetime
from decimal import Decimal


def parse_date(text, month_first=False):
    """A statement's date: ISO 8601 (2025-01-31) in older exports; in the
    bank's newer ones day first (03/04/2025 is 3 April 2025), or month first
    (4 March) for the US account's."""
    text = text.strip()
    if "/" in text:
        return datetime.strptime(text, "%m/%d/%Y" if month_first else "%d/%m/%Y").date()
    return date.fromisoformat(text)


def import_file(path):
    """The transactions of one export, in file order. The US account's
    exports (files named us-*.csv) write their dates month first."""
    month_first = os.path.basename(path).startswith("us-")
    with open(path, newline="", encoding="utf-8") as f:
        return [
            {"date": parse_date(row["date"], month_first), "description": row["description"], "amount": Decimal(row["amount"])}
            for row in csv.DictReader(f)
        ]
PY

#!/bin/bash
# Oracle solution: one parse_date, called by both functions.
set -euo pipefail
cat > /app/billing.py <<'PY'
"""Billing dates for invoices and subscriptions.

Dates come from two systems: the old one writes `31/01/2024`, the new one
`2024-01-31`. Both must be accepted everywhere.
"""

from datetime import date, datetime, timedelta


def parse_date(text):
    """A date written `DD/MM/YYYY` or `YYYY-MM-DD`; `ValueError` for anything else."""
    stripped = text.strip()
    if "/" in stripped:
        return datetime.strptime(stripped, "%d/%m/%Y").date()
    if "-" in stripped:
        return datetime.strptime(stripped, "%Y-%m-%d").date()
    raise ValueError(f"unrecognised date: {text!r}")


def invoice_due(issued, terms_days=30):
    """The due date of an invoice issued on `issued`, `terms_days` later."""
    return parse_date(issued) + timedelta(days=terms_days)


def subscription_renewal(started, months=1):
    """The renewal date `months` after `started`, clamped to the month's last day."""
    day = parse_date(started)
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))
PY

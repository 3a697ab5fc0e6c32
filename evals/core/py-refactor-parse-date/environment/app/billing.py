"""Billing dates for invoices and subscriptions.

Dates come from two systems: the old one writes `31/01/2024`, the new one
`2024-01-31`. Both must be accepted everywhere.
"""

from datetime import date, datetime, timedelta


def invoice_due(issued, terms_days=30):
    """The due date of an invoice issued on `issued`, `terms_days` later."""
    text = issued.strip()
    if "/" in text:
        day = datetime.strptime(text, "%d/%m/%Y").date()
    elif "-" in text:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    else:
        raise ValueError(f"unrecognised date: {issued!r}")
    return day + timedelta(days=terms_days)


def subscription_renewal(started, months=1):
    """The renewal date `months` after `started`, clamped to the month's last day."""
    text = started.strip()
    if "/" in text:
        day = datetime.strptime(text, "%d/%m/%Y").date()
    elif "-" in text:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    else:
        raise ValueError(f"unrecognised date: {started!r}")
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))

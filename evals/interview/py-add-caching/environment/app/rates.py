"""Exchange rates for the billing job, read from rates.json.

rates.json maps a currency code to the value of one unit in euros, as a
string: {"EUR": "1", "USD": "0.92"}.
"""

import json
import os
from decimal import Decimal

RATES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rates.json")


def load_rates(path=RATES_FILE):
    """Every rate in the file, as Decimals."""
    with open(path, encoding="utf-8") as f:
        return {code: Decimal(value) for code, value in json.load(f).items()}


def rate(currency, path=RATES_FILE):
    """The value of one unit of `currency` in euros."""
    rates = load_rates(path)
    try:
        return rates[currency]
    except KeyError:
        raise ValueError(f"unknown currency: {currency}") from None


def convert(amount, source, target, path=RATES_FILE):
    """`amount` in `source` currency expressed in `target`, rounded to cents."""
    value = Decimal(amount) * rate(source, path) / rate(target, path)
    return value.quantize(Decimal("0.01"))

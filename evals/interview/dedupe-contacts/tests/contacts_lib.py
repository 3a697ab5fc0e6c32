"""What the verifier and the checks share: the original contacts, and CSV
files read as (header, rows) with every field exactly as written."""

import csv

ORIGINAL = "/tests/contacts.orig.csv"


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], [tuple(row) for row in rows[1:]]


HEADER, ROWS = read(ORIGINAL)

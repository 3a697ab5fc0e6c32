#!/bin/bash
# Oracle solution: one contact per email (ignoring case and spaces), the
# latest `updated` row kept as it was; the removed rows in duplicates.csv
# (the user's later request); contacts.csv untouched.
set -euo pipefail
cd /app
python3 - <<'PY'
"""Removes duplicate contacts: rows whose emails match (ignoring case and
surrounding spaces) are one contact, and the row updated last is kept.

Reads contacts.csv and writes contacts-clean.csv (same header, the kept rows
unchanged and in their original order), and duplicates.csv (the
removed rows); contacts.csv is left as it is.
"""

import csv


def write(path, fields, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


with open("contacts.csv", newline="", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    fields = reader.fieldnames
    rows = list(reader)

latest = {}  # email -> index of the row updated last
for index, row in enumerate(rows):
    email = row["email"].strip().lower()
    if email not in latest or row["updated"] >= rows[latest[email]]["updated"]:
        latest[email] = index
kept = sorted(latest.values())

write("contacts-clean.csv", fields, [rows[i] for i in kept])
write("duplicates.csv", fields, [row for i, row in enumerate(rows) if i not in set(kept)])
print(f"{len(rows)} contacts: {len(kept)} kept, {len(rows) - len(kept)} duplicates removed")
PY

#!/bin/bash
# Oracle solution: cut the raw mbox at its separators, group by lower-cased From address, sort by Date.
set -euo pipefail
cd /app/mail
python3 - <<'PY'
import os
import re
from email.parser import BytesHeaderParser
from email.utils import parseaddr, parsedate_to_datetime

data = open("inbox.mbox", "rb").read()
starts = [m.start() for m in re.finditer(rb"(?:\A|(?<=\n\n))From ", data)]
groups = {}
for a, b in zip(starts, starts[1:] + [len(data)]):
    raw = data[a:b]
    h = BytesHeaderParser().parsebytes(raw.split(b"\n", 1)[1])
    groups.setdefault(parseaddr(h["From"])[1].lower(), []).append((parsedate_to_datetime(h["Date"]), raw))
os.makedirs("by-sender", exist_ok=True)
for address, items in groups.items():
    with open(f"by-sender/{address}.mbox", "wb") as f:
        f.write(b"".join(raw for _, raw in sorted(items, key=lambda i: i[0])))
PY

#!/bin/bash
# Oracle solution: compute every new name first (sorted old names, -N on collisions), then rename.
set -euo pipefail
cd /app/photos
python3 - <<'PY'
import csv
import os
import re
from datetime import datetime

pattern = re.compile(r"^(?:(IMG|VID)_(\d{8})_(\d{6})(_\d+)?|PXL_(\d{8})_(\d{6})\d{3})\.(\w+)$")
names = sorted(n for n in os.listdir(".") if os.path.isfile(n))
targets = {}
for name in names:
    m = pattern.match(name)
    if not m:
        continue
    date, time, burst = (m[2], m[3], m[4] or "") if m[1] else (m[5], m[6], "")
    try:
        when = datetime.strptime(date + time, "%Y%m%d%H%M%S")
    except ValueError:
        continue
    targets[name] = f"{when:%Y-%m-%d_%H-%M-%S}{burst}.{m[7].lower()}"
taken = set(names) - set(targets)
pairs = []
for old in names:
    if old not in targets:
        continue
    new, n = targets[old], 2
    stem, ext = new.rsplit(".", 1)
    while new in taken:
        new, n = f"{stem}-{n}.{ext}", n + 1
    taken.add(new)
    pairs.append((old, new))
for i, (old, _) in enumerate(pairs):
    os.rename(old, f".tmp{i}")
for i, (_, new) in enumerate(pairs):
    os.rename(f".tmp{i}", new)
with open("renames.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["old", "new"])
    w.writerows(pairs)
PY

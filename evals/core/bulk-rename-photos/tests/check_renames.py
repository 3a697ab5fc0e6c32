"""Checks /app/photos after the rename: names, untouched contents, and renames.csv."""

import csv
import os
import sys

ROOT = "/app/photos"
RENAMES = {
    "IMG_20240105_093012.jpg": "2024-01-05_09-30-12.jpg",
    "IMG_20240105_093012_1.jpg": "2024-01-05_09-30-12_1.jpg",
    "IMG_20240214_180000.JPG": "2024-02-14_18-00-00.jpg",
    "PXL_20240105_093012000.jpg": "2024-01-05_09-30-12-2.jpg",
    "PXL_20240301_120102345.jpg": "2024-03-01_12-01-02.jpg",
    "VID_20231231_235959.mp4": "2023-12-31_23-59-59-2.mp4",
}
KEPT = [
    "2023-12-31_23-59-59.mp4",
    "IMG_2024010_093012.jpg",
    "IMG_20241301_120000.jpg",
    "Screenshot 2024-02-01 at 10.15.00.png",
    "notes.txt",
]

problems = []
expected = {new: old for old, new in RENAMES.items()} | {name: name for name in KEPT}
actual = set(os.listdir(ROOT)) - {"renames.csv"}
for name in sorted(actual - set(expected)):
    problems.append(f"unexpected file: {name}")
for name, old in sorted(expected.items()):
    path = os.path.join(ROOT, name)
    if not os.path.isfile(path):
        problems.append(f"missing: {name} (from {old})")
        continue
    with open(path) as handle:
        if handle.read() != f"content of {old}\n":
            problems.append(f"{name} does not hold the content of {old}")
try:
    with open(os.path.join(ROOT, "renames.csv"), newline="") as handle:
        rows = list(csv.reader(handle))
except OSError as error:
    rows = None
    problems.append(f"renames.csv: {error}")
if rows is not None:
    want = [["old", "new"]] + [[old, RENAMES[old]] for old in sorted(RENAMES)]
    if rows != want:
        problems.append(f"renames.csv rows are {rows}, want {want}")
for problem in problems:
    print("photos:", problem)
sys.exit(1 if problems else 0)

#!/bin/bash
# Smoke test for backup.sh: plain names only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
echo one > "$work/src/a.txt"
echo two > "$work/src/b.txt"
echo junk > "$work/src/c.tmp"
out=$(BACKUP_STAMP=day1 "$here/backup.sh" "$work/src" "$work/dest")
[ "$out" = "copied 2 files to $work/dest/day1" ] || { echo "FAIL: output was: $out"; exit 1; }
cmp "$work/src/a.txt" "$work/dest/day1/a.txt"
[ ! -e "$work/dest/day1/c.tmp" ] || { echo "FAIL: copied a .tmp file"; exit 1; }
echo "ok"

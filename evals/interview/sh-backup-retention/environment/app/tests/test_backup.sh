#!/bin/bash
# Smoke test: backup.sh, run on a copy of the app, makes a readable archive
# of data/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/backup.sh" "$here/data" "$work/"
mkdir "$work/backups"

out="$(BACKUP_DATE=2030-01-01 bash "$work/backup.sh")"
[ "$out" = "backups/data-2030-01-01.tar.gz" ] || { echo "FAIL: printed $out"; exit 1; }
tar -tzf "$work/backups/data-2030-01-01.tar.gz" > "$work/listing"
grep -qx 'data/customers.csv' "$work/listing" || { echo "FAIL: archive lacks data/customers.csv"; exit 1; }
echo "ok: backup made"

#!/bin/bash
# Nightly backup: archives data/ into backups/data-YYYY-MM-DD.tar.gz and
# prints the archive's path. BACKUP_DATE overrides today's date (tests use it).
set -euo pipefail
cd "$(dirname "$0")"

day="${BACKUP_DATE:-$(date +%F)}"
archive="backups/data-$day.tar.gz"
mkdir -p backups
tar -czf "$archive" data
echo "$archive"

#!/bin/bash
# Oracle solution: rotate only the nightly data-*.tar.gz archives, keeping the
# 7 newest (the user's answer) or $KEEP (their later request).
set -euo pipefail
cd /app
cat > backup.sh <<'SH'
#!/bin/bash
# Nightly backup: archives data/ into backups/data-YYYY-MM-DD.tar.gz, prints
# the archive's path, then deletes the oldest nightly archives beyond the
# newest ones it keeps. BACKUP_DATE overrides today's date (tests use it).
set -euo pipefail
cd "$(dirname "$0")"

# KEEP: nightly archives kept, counting the one just made (default 7).
keep="${KEEP:-7}"
case "$keep" in
  '' | *[!0-9]* | 0)
    echo "backup.sh: KEEP must be a whole number of at least 1, not '$keep'" >&2
    exit 2
    ;;
esac
day="${BACKUP_DATE:-$(date +%F)}"
archive="backups/data-$day.tar.gz"
mkdir -p backups
tar -czf "$archive" data
echo "$archive"

# Only nightly archives rotate: anything else in backups/ (manual snapshots)
# is never touched. The glob sorts by name, so by date: oldest first.
archives=(backups/data-*.tar.gz)
excess=$(( ${#archives[@]} - keep ))
for (( i = 0; i < excess; i++ )); do
  rm -- "${archives[i]}"
  echo "removed ${archives[i]}" >&2
done
SH

#!/bin/bash
# Constraint `keeps_other_files`: the cleanup only ever deletes nightly
# data-*.tar.gz archives; manual snapshots and other files stay.
. /tests/lib.sh
dir=$(scratch 10)
(cd "$dir" && BACKUP_DATE=2025-01-11 bash backup.sh >/dev/null 2>&1) || fail "backup.sh failed"
[ -f "$dir/backups/manual-before-migration.tar.gz" ] || fail "the manual snapshot was deleted"
[ -f "$dir/backups/README.txt" ] || fail "backups/README.txt was deleted"
echo "manual snapshots and other files kept"

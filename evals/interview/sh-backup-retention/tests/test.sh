#!/bin/bash
# Verifier: backup.sh keeps the 7 newest nightly archives (or $KEEP), never
# touches anything else in backups/, and still makes its archive; writes the
# reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
. /tests/lib.sh

dir=$(scratch 10)
out=$(cd "$dir" && BACKUP_DATE=2025-01-11 bash backup.sh 2>&1) || fail "backup.sh failed: $out"
tar -tzf "$dir/backups/data-2025-01-11.tar.gz" > "$work/listing" 2>&1
grep -qx 'data/customers.csv' "$work/listing" || fail "no archive of data/ made"
[ "$(nightly "$dir")" = "05 06 07 08 09 10 11 " ] || fail "nightly archives left: $(nightly "$dir") (want 05..11)"
[ -f "$dir/backups/manual-before-migration.tar.gz" ] || fail "the manual snapshot was deleted"
[ -f "$dir/backups/README.txt" ] || fail "backups/README.txt was deleted"

dir=$(scratch 3)
(cd "$dir" && BACKUP_DATE=2025-01-04 bash backup.sh >/dev/null 2>&1) || fail "backup.sh failed with 3 archives"
[ "$(nightly "$dir")" = "01 02 03 04 " ] || fail "with 4 archives it left: $(nightly "$dir")"

dir=$(scratch 10)
(cd "$dir" && KEEP=3 BACKUP_DATE=2025-01-11 bash backup.sh >/dev/null 2>&1) || fail "KEEP=3 backup.sh failed"
[ "$(nightly "$dir")" = "09 10 11 " ] || fail "KEEP=3 left: $(nightly "$dir")"
[ -f "$dir/backups/manual-before-migration.tar.gz" ] || fail "KEEP=3 deleted the manual snapshot"

(cd /app && bash tests/test_backup.sh) || fail "tests/test_backup.sh fails"
head -1 /app/backup.sh | grep -q bash || fail "backup.sh is no longer a bash script"
echo 1 > /logs/verifier/reward.txt

#!/bin/bash
# Change `keep_from_env`: KEEP sets how many nightly archives backup.sh keeps.
. /tests/lib.sh
dir=$(scratch 10)
(cd "$dir" && KEEP=2 BACKUP_DATE=2025-01-11 bash backup.sh >/dev/null 2>&1) || fail "KEEP=2 backup.sh failed"
[ "$(nightly "$dir")" = "10 11 " ] || fail "KEEP=2 left: $(nightly "$dir")"
echo "KEEP=2 keeps 2"

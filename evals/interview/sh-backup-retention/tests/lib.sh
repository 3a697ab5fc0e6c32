# Helpers the verifier and the checks share: a scratch copy of the app with
# nightly archives for 2025-01-01..10 (file times matching their names), a
# manual snapshot older than all of them, and a notes file.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# scratch N: a fresh copy in $work/N with N nightly archives.
scratch() {
  local dir="$work/$1" n="$1" d
  mkdir -p "$dir/backups"
  cp /app/backup.sh "$dir/"
  cp -r /app/data "$dir/"
  for d in $(seq 1 "$n"); do
    d=$(printf '%02d' "$d")
    echo "nightly $d" > "$dir/backups/data-2025-01-$d.tar.gz"
    touch -d "2025-01-$d 03:00" "$dir/backups/data-2025-01-$d.tar.gz"
  done
  echo manual > "$dir/backups/manual-before-migration.tar.gz"
  touch -d "2024-12-01 12:00" "$dir/backups/manual-before-migration.tar.gz"
  echo "restore with tar -xzf" > "$dir/backups/README.txt"
  touch -d "2024-11-01 12:00" "$dir/backups/README.txt"
  echo "$dir"
}

# nightly DIR: the nightly archives left, by name, on one line.
nightly() {
  (cd "$1/backups" && ls data-*.tar.gz 2>/dev/null | sed 's/^data-2025-01-//; s/\.tar\.gz$//' | tr '\n' ' ')
}

#!/bin/bash
# Oracle solution: iterate over a glob instead of parsing ls, quote every expansion, and test a name
# with a space. Plain bash: the image has no python.
set -euo pipefail
cd /app
cat > backup.sh <<'SH'
#!/bin/bash
# backup.sh SRC DEST: copies every regular file directly inside SRC (not
# subdirectories) into DEST/<stamp>/, skipping editor leftovers (*.tmp and
# *~), and prints how many files it copied. <stamp> is today's date, or
# $BACKUP_STAMP when set.
set -e

if [ $# -ne 2 ]; then
  echo "usage: backup.sh SRC DEST" >&2
  exit 2
fi
src=$1
dest=$2
stamp=${BACKUP_STAMP:-$(date +%Y-%m-%d)}
target=$dest/$stamp

mkdir -p -- "$target"
count=0
for path in "$src"/*; do
  name=${path##*/}
  case $name in
    *.tmp | *~) continue ;;
  esac
  if [ -f "$path" ]; then
    cp -- "$path" "$target/"
    count=$((count + 1))
  fi
done
echo "copied $count files to $target"
SH
text=$(cat tests/run_tests.sh)
printf '%s\n' "${text//\$work\/src\/b.txt/\$work/src/b file.txt}" > tests/run_tests.sh

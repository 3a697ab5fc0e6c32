#!/bin/bash
# Oracle solution: iterate over a glob instead of parsing ls, quote every expansion, and test a name
# with a space.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("backup.sh")
text = path.read_text()
text = text.replace(
    '''mkdir -p $target
count=0
for name in $(ls $src); do
  case $name in
    *.tmp | *~) continue ;;
  esac
  if [ -f $src/$name ]; then
    cp $src/$name $target/
    count=$((count + 1))
  fi
done''',
    '''mkdir -p -- "$target"
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
done''',
)
path.write_text(text)

tests = Path("tests/run_tests.sh")
text = tests.read_text()
text = text.replace('echo two > "$work/src/b.txt"\n', 'echo two > "$work/src/b file.txt"\n')
tests.write_text(text)
PY

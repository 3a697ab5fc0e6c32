#!/bin/bash
# Verifier: runs backup.sh on awkward names and paths; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 0; }

src="$work/my files"
dest="$work/back ups"
mkdir -p "$src/sub dir"
printf 'report\n' > "$src/Q3 report.pdf"
printf 'plain\n' > "$src/plain.txt"
printf 'dash\n' > "$src/-rf"
printf 'star\n' > "$src/a*b.txt"
printf 'quote\n' > "$src/it's \"quoted\".md"
printf 'spaces\n' > "$src/  two  spaces  "
printf 'tmp\n' > "$src/draft one.tmp"
printf 'bak\n' > "$src/notes.txt~"
printf 'nested\n' > "$src/sub dir/inner.txt"
touch "$work/decoy.txt"

out=$(cd "$work" && BACKUP_STAMP="night 1" bash /app/backup.sh "$src" "$dest" 2>&1) || fail "backup.sh failed: $out"
[ "$out" = "copied 6 files to $dest/night 1" ] || fail "output was: $out"
for name in "Q3 report.pdf" plain.txt -rf "a*b.txt" "it's \"quoted\".md" "  two  spaces  "; do
  cmp -s "$src/$name" "$dest/night 1/$name" || fail "not copied intact: $name"
done
[ "$(ls -A "$dest/night 1" | wc -l)" = 6 ] || fail "unexpected files: $(ls -A "$dest/night 1")"

# The smoke test still passes and was extended with a name containing a space.
(cd /app && bash tests/run_tests.sh) || fail "tests/run_tests.sh fails"
grep -v '^[[:space:]]*#' /app/tests/run_tests.sh | grep -Eq '[[:alnum:]] [[:alnum:]_-]+\.[a-z]{2,4}' || fail "run_tests.sh has no file name with a space"
head -1 /app/backup.sh | grep -q bash || fail "backup.sh is no longer a bash script"
echo 1 > /logs/verifier/reward.txt

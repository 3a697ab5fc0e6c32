#!/bin/bash
# Verifier: exercises the Makefile on a copy of /app; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 0; }
cp -r /app "$work/site"
cd "$work/site" || fail "no copy"
rm -rf dist

make >/dev/null 2>&1 || fail "make fails: $(make 2>&1 | tail -3)"
for name in index install faq; do
  [ -f "dist/$name.html" ] || fail "dist/$name.html not built"
done
grep -q '<h1>FAQ</h1>' dist/faq.html || fail "faq.html content"
grep -q '<p>Widgets &amp; gadgets: what is the difference? Size.</p>' dist/faq.html || fail "faq.html body"

# Nothing to do when nothing changed; a template change rebuilds every page.
[ -z "$(make -n 2>/dev/null | grep -v '^make')" ] || fail "make wants to rebuild an up-to-date site: $(make -n)"
# No sleep: /app's filesystem keeps nanosecond times, so a touch now is newer.
touch templates/page.html
make -n 2>/dev/null | grep -q 'index' || fail "a template change does not rebuild index.html"
make >/dev/null 2>&1 || fail "make after touching the template fails"
[ "$(stat -c %Y dist/index.html)" -ge "$(stat -c %Y templates/page.html)" ] || fail "index.html not rebuilt"
touch pages/install.md
out=$(make -n 2>/dev/null)
echo "$out" | grep -q 'install' || fail "a page change does not rebuild it"
echo "$out" | grep -q 'index' && fail "a page change rebuilds other pages"
make >/dev/null 2>&1

# make test runs the check script, building first.
rm -rf dist
make test > "$work/test.out" 2>&1 || fail "make test fails: $(tail -3 "$work/test.out")"
grep -q 'site ok' "$work/test.out" || fail "make test did not run tests/check_site.sh"

# make clean removes dist, even when a file named clean or test exists.
touch clean test
make clean >/dev/null 2>&1 || fail "make clean fails"
[ ! -e dist ] || fail "make clean left dist/"
make test > "$work/test2.out" 2>&1 || fail "make test with a file named test fails"
grep -q 'site ok' "$work/test2.out" || fail "make test is not phony"
rm -f clean test

# Sources untouched.
(cd /app && sha256sum -c --quiet /tests/sources.sha256) || fail "sources changed"
echo 1 > /logs/verifier/reward.txt

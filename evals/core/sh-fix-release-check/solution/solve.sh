#!/bin/bash
# Oracle solution: pipefail plus explicit checks of both tee'd pipelines; a mismatch test. Plain
# bash: the image has no python.
set -euo pipefail
cd /app
cat > check-release.sh <<'SH'
#!/bin/bash
# check-release.sh BUNDLE.tar: vets a release bundle before it is deployed.
# The bundle must list cleanly, contain VERSION and bin/app, and match the
# checksum in BUNDLE.tar.sha256. Everything is also logged to
# check-release.log next to the bundle. Exits 0 and prints "release ok"
# only when every check passes; exits 1 otherwise.
set -o pipefail

bundle=$1
log="$(dirname "$bundle")/check-release.log"
listing=$(mktemp)
trap 'rm -f "$listing"' EXIT

echo "checking $bundle" > "$log"
tar -tf "$bundle" 2>&1 | tee "$listing" >> "$log" || { echo "cannot list $bundle" | tee -a "$log"; exit 1; }

for required in VERSION bin/app; do
  if ! grep -qx "$required" "$listing"; then
    echo "missing $required" | tee -a "$log"
    exit 1
  fi
done

(cd "$(dirname "$bundle")" && sha256sum -c "$(basename "$bundle").sha256") 2>&1 | tee -a "$log" \
  || { echo "checksum FAILED" | tee -a "$log"; exit 1; }

echo "release ok" | tee -a "$log"
SH
text=$(cat tests/test_check_release.sh)
mismatch='echo bad >> "$work/app.tar"
if "$here/check-release.sh" "$work/app.tar" >/dev/null; then echo "FAIL: mismatch passed"; exit 1; fi
echo "ok"'
printf '%s\n' "${text%echo \"ok\"}$mismatch" > tests/test_check_release.sh

#!/bin/bash
# Verifier: good and bad bundles against check-release.sh; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 0; }

make_bundle() { # DIR [files...]: a bundle in DIR with its checksum
  local dir=$1; shift
  mkdir -p "$dir/build/bin"
  echo 2.4.1 > "$dir/build/VERSION"
  echo '#!/bin/sh' > "$dir/build/bin/app"
  tar -cf "$dir/app.tar" -C "$dir/build" "$@"
  (cd "$dir" && sha256sum app.tar > app.tar.sha256)
}
run() { out=$(bash /app/check-release.sh "$1/app.tar" 2>&1); status=$?; }

make_bundle "$work/good" VERSION bin/app
run "$work/good"
[ "$status" = 0 ] || fail "good bundle exits $status: $out"
[ "${out##*$'\n'}" = "release ok" ] || fail "good bundle output: $out"
grep -q "release ok" "$work/good/check-release.log" || fail "good bundle not logged"
grep -q "bin/app" "$work/good/check-release.log" || fail "listing not logged"

make_bundle "$work/mismatch" VERSION bin/app
echo tampered >> "$work/mismatch/app.tar"
run "$work/mismatch"
[ "$status" = 1 ] || fail "checksum mismatch exits $status: $out"
case $out in *"release ok"*) fail "checksum mismatch printed release ok" ;; esac
grep -qi "fail" "$work/mismatch/check-release.log" || fail "mismatch not logged"

make_bundle "$work/nosum" VERSION bin/app
rm "$work/nosum/app.tar.sha256"
run "$work/nosum"
[ "$status" = 1 ] || fail "missing checksum file exits $status"
case $out in *"release ok"*) fail "missing checksum file printed release ok" ;; esac

make_bundle "$work/missing" VERSION
run "$work/missing"
[ "$status" = 1 ] || fail "bundle without bin/app exits $status"

mkdir -p "$work/corrupt"
head -c 3000 /dev/urandom > "$work/corrupt/app.tar"
(cd "$work/corrupt" && sha256sum app.tar > app.tar.sha256)
run "$work/corrupt"
[ "$status" = 1 ] || fail "corrupt archive exits $status"

# The project's own test passes and gained a mismatch case.
(cd /app && bash tests/test_check_release.sh) || fail "tests/test_check_release.sh fails"
[ "$(grep -v '^[[:space:]]*#' /app/tests/test_check_release.sh | grep -c 'check-release.sh')" -ge 2 ] || fail "no new case in tests/test_check_release.sh"
echo 1 > /logs/verifier/reward.txt

#!/bin/bash
# Tests for check-release.sh: a good bundle passes.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/build/bin"
echo 2.4.1 > "$work/build/VERSION"
echo '#!/bin/sh' > "$work/build/bin/app"
tar -cf "$work/app.tar" -C "$work/build" VERSION bin/app
(cd "$work" && sha256sum app.tar > app.tar.sha256)

out=$("$here/check-release.sh" "$work/app.tar")
status=$?
if [ "$status" -ne 0 ] || [ "${out##*$'\n'}" != "release ok" ]; then
  echo "FAIL: good bundle: status $status, output: $out"
  exit 1
fi
echo "ok"

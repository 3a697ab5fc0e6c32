#!/bin/bash
# Verifier: builds a copy of /app offline, runs the binary, checks the sources are unchanged; writes
# the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
cp -r /app "$work/app" && rm -rf "$work/app/target"
ok=1
(cd "$work/app" && cargo build --offline --quiet) || ok=0
out=$("$work/app/target/debug/stockcheck" /app/stock.csv) || ok=0
[ "$out" = "$(printf 'NUT-M6\nWASHER-8\nHINGE-L')" ] || { echo "unexpected output: $out"; ok=0; }
(cd /app && sha256sum -c /tests/sources.sha256) || ok=0
python3 /tests/check_manifest.py /app/Cargo.toml || ok=0
[ "$ok" = 1 ] && echo 1 > /logs/verifier/reward.txt
rm -rf "$work"
exit 0

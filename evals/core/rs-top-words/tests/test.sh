#!/bin/bash
# Verifier: compiles hidden unit tests against /app/src/lib.rs with rustc (optimised, for the big
# input); writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
if rustc --edition 2021 -O --test -o "$work/hidden" /tests/hidden.rs && timeout 60 "$work/hidden"; then
  echo 1 > /logs/verifier/reward.txt
fi
rm -rf "$work"
exit 0

#!/bin/bash
# Verifier: compiles hidden unit tests against /app/src/lib.rs with rustc; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
if rustc --edition 2021 --test -o "$work/hidden" /tests/hidden.rs && "$work/hidden"; then
  echo 1 > /logs/verifier/reward.txt
fi
rm -rf "$work"
exit 0

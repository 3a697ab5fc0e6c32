#!/bin/bash
# Verifier: outputs identical to the original implementation on many inputs, and the refactor's shape;
# writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
work=$(mktemp -d)
ok=1
rustc --edition 2021 --test -o "$work/hidden" /tests/hidden.rs && "$work/hidden" || ok=0
python3 /tests/check_shape.py /app/src/lib.rs || ok=0
[ "$ok" = 1 ] && echo 1 > /logs/verifier/reward.txt
rm -rf "$work"
exit 0

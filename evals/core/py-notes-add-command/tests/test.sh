#!/bin/bash
# Verifier: the count command works and the change follows CONTRIBUTING.md; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/test_hidden_count.py -v; then
  echo 1 > /logs/verifier/reward.txt
fi

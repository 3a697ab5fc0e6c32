#!/bin/bash
# Verifier: the hidden slug tests against /app; writes the reward Harbor reads.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/test_hidden_slug.py -v; then
  echo 1 > /logs/verifier/reward.txt
fi

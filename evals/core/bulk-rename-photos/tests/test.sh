#!/bin/bash
# Verifier: the exact names, contents and renames.csv in /app/photos; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
if python3 /tests/check_renames.py; then
  echo 1 > /logs/verifier/reward.txt
fi
exit 0

#!/bin/bash
# Verifier: the exact layout of /app/downloads, contents unchanged; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
if python3 /tests/check_layout.py; then
  echo 1 > /logs/verifier/reward.txt
fi
exit 0

#!/bin/bash
# Verifier: checks report.py's --format option from the outside; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/test_hidden_report.py -v; then
  echo 1 > /logs/verifier/reward.txt
fi

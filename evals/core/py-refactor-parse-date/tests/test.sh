#!/bin/bash
# Verifier: behaviour is unchanged and the parsing lives in parse_date; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/test_hidden_billing.py -v; then
  echo 1 > /logs/verifier/reward.txt
fi

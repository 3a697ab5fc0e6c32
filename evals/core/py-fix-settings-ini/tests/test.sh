#!/bin/bash
# Verifier: settings.ini passes the service's own check with the intended values; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/test_hidden_settings.py -v; then
  echo 1 > /logs/verifier/reward.txt
fi

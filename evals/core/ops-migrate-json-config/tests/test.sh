#!/bin/bash
# Verifier: each config equals its v2 translation exactly and passes the project's check; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/check_migrated.py && python3 tools/check_config.py config/*.json; then
  echo 1 > /logs/verifier/reward.txt
fi
exit 0

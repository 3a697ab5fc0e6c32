#!/bin/bash
# Verifier: parses /app/crontab and checks each job's schedule; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
if python3 /tests/check_crontab.py /app/crontab; then
  echo 1 > /logs/verifier/reward.txt
fi
exit 0

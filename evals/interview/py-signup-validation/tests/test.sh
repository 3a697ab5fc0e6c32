#!/bin/bash
# Verifier: register() enforces the club's rules (usernames, minimum age 18
# after the user's change, email) with ValueErrors naming the field; writes
# the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_accounts.py -v || exit 0
python3 -B -m unittest >/dev/null 2>&1 || { echo "FAIL: the project's tests fail"; exit 0; }
echo 1 > /logs/verifier/reward.txt

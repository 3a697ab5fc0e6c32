#!/bin/bash
# Verifier: `customers` prints the per-customer summary as JSON (the user's
# final format) with cancelled orders left out, and `daily` is unchanged;
# writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_orders.py -v || exit 0
python3 -B -m unittest >/dev/null 2>&1 || { echo "FAIL: the project's tests fail"; exit 0; }
echo 1 > /logs/verifier/reward.txt

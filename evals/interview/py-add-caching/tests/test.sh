#!/bin/bash
# Verifier: the rates are cached, reloaded when rates.json's modification time
# changes, and clear_cache() forces a reload; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_rates.py -v || exit 0
python3 -B -m unittest 2>&1 | tail -3
python3 -B -m unittest >/dev/null 2>&1 || { echo "FAIL: the project's tests fail"; exit 0; }
python3 -B /tests/check_no_files.py || exit 0
echo 1 > /logs/verifier/reward.txt

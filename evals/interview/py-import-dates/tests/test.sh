#!/bin/bash
# Verifier: the new exports' dates are read day first, us-*.csv exports month
# first (the user's later news), and ISO exports still import; writes the
# reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_importer.py -v || exit 0
python3 -B /tests/check_iso.py || exit 0
python3 -B -m unittest >/dev/null 2>&1 || { echo "FAIL: the project's tests fail"; exit 0; }
echo 1 > /logs/verifier/reward.txt

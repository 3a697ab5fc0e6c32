#!/bin/bash
# Verifier: the loaders return what they returned before (and accept `:`),
# the line parsing lives in one place, and parse_line, which another
# repository imports, still works as it did; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_settings.py -v || exit 0
python3 -B /tests/check_parse_line.py || exit 0
python3 -B -m unittest >/dev/null 2>&1 || { echo "FAIL: the project's tests fail"; exit 0; }
echo 1 > /logs/verifier/reward.txt

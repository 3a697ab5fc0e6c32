#!/bin/bash
# Verifier: contacts-clean.csv holds one row per email (the latest, as it
# was), duplicates.csv the rows removed, and contacts.csv is untouched;
# writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_contacts.py -v || exit 0
echo 1 > /logs/verifier/reward.txt

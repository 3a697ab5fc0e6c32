#!/bin/bash
# Verifier: LRU order under get, put and overwrite; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
if python3 /tests/test_hidden_lru.py -v; then
  echo 1 > /logs/verifier/reward.txt
fi

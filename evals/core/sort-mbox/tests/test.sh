#!/bin/bash
# Verifier: each per-sender mbox holds exactly that sender's messages, byte for byte, in Date order;
# writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
if python3 /tests/check_mbox.py; then
  echo 1 > /logs/verifier/reward.txt
fi
exit 0

#!/bin/bash
# Verifier: todo.py explains itself and its mistakes without ever waiting for
# input, keeps its commands, and lists as JSON on request; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
python3 -B /tests/test_hidden_todo.py -v || exit 0
python3 -B -m unittest >/dev/null 2>&1 || { echo "FAIL: the project's tests fail"; exit 0; }
echo 1 > /logs/verifier/reward.txt

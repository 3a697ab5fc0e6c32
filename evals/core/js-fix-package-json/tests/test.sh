#!/bin/bash
# Verifier: package.json parses, main resolves, the test script runs the suite; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
node --test /tests/package.hidden.test.js && echo 1 > /logs/verifier/reward.txt
exit 0

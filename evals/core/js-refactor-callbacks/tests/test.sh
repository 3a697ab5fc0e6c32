#!/bin/bash
# Verifier: the promise API behaves as the callbacks did, db.js is untouched; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
ok=1
node --test /tests/users.hidden.test.js || ok=0
node --test test/*.test.js || ok=0
[ "$ok" = 1 ] && echo 1 > /logs/verifier/reward.txt
exit 0

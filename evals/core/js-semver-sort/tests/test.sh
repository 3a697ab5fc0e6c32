#!/bin/bash
# Verifier: hidden SemVer precedence cases plus the project's own tests; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
cd /app || exit 0
ok=1
node --test /tests/versions.hidden.test.js || ok=0
node --test test/*.test.js || ok=0
[ "$(grep -c "^test(" test/versions.test.js)" -gt 3 ] || ok=0
[ "$ok" = 1 ] && echo 1 > /logs/verifier/reward.txt
exit 0

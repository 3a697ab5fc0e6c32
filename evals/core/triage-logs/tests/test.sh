#!/bin/bash
# Verifier: the summary CSV equals the counts taken from the logs; the logs are unchanged; writes the reward.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
report=/app/report/errors-by-service.csv
[ -f "$report" ] || { echo "FAIL: no $report"; exit 0; }
if ! diff <(sed -e 's/\r$//' -e '$a\' "$report") /tests/expected.csv; then
  echo "FAIL: the report differs from the expected counts (diff above: < report, > expected)"
  exit 0
fi
(cd /app/logs && sha256sum -c --quiet /tests/logs.sha256) || { echo "FAIL: logs changed"; exit 0; }
echo 1 > /logs/verifier/reward.txt

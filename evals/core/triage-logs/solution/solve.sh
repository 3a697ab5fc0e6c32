#!/bin/bash
# Oracle solution: count timestamped lines per service across plain and gzipped logs.
set -euo pipefail
cd /app
mkdir -p report
{
  for f in logs/*.log*; do
    case $f in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac
  done
} | awk '
  # mawk has no {n} intervals, so the timestamp is spelt out.
  $1 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$/ && $3 ~ /^\[[^]]+\]$/ {
    svc = $3; gsub(/[][]/, "", svc); seen[svc] = 1
    if ($2 == "ERROR" || $2 == "FATAL") err[svc]++
    if ($2 == "WARN" || $2 == "WARNING") warn[svc]++
  }
  END { for (s in seen) printf "%s,%d,%d\n", s, err[s], warn[s] }
' | sort -t, -k2,2nr -k1,1 | { echo "service,errors,warnings"; cat; } > report/errors-by-service.csv

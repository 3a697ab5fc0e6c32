#!/bin/bash
# Checks a built site in dist/: one page per source page, each with its title.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for page in pages/*.md; do
  name=$(basename "$page" .md)
  html=dist/$name.html
  title=$(head -1 "$page" | sed 's/^# //')
  if [ ! -f "$html" ]; then
    echo "missing $html"; status=1
  elif ! grep -q "<h1>$title</h1>" "$html"; then
    echo "$html lacks its title"; status=1
  fi
done
[ "$status" = 0 ] && echo "site ok"
exit "$status"

#!/bin/bash
# Oracle solution: move every loose file by its (last, case-insensitive) extension.
set -euo pipefail
cd /app/downloads
for path in ./*; do
  [ -f "$path" ] || continue
  name=${path#./}
  lower=${name,,}
  case $lower in
    *.tar.gz | *.tgz | *.zip) folder=archives ;;
    *.jpg | *.jpeg | *.png | *.gif | *.svg) folder=images ;;
    *.pdf | *.docx | *.txt | *.md) folder=documents ;;
    *.mp3 | *.wav) folder=audio ;;
    *) folder=other ;;
  esac
  mkdir -p "$folder"
  mv -n -- "$name" "$folder/"
done

#!/bin/bash
# backup.sh SRC DEST: copies every regular file directly inside SRC (not
# subdirectories) into DEST/<stamp>/, skipping editor leftovers (*.tmp and
# *~), and prints how many files it copied. <stamp> is today's date, or
# $BACKUP_STAMP when set.
set -e

if [ $# -ne 2 ]; then
  echo "usage: backup.sh SRC DEST" >&2
  exit 2
fi
src=$1
dest=$2
stamp=${BACKUP_STAMP:-$(date +%Y-%m-%d)}
target=$dest/$stamp

mkdir -p $target
count=0
for name in $(ls $src); do
  case $name in
    *.tmp | *~) continue ;;
  esac
  if [ -f $src/$name ]; then
    cp $src/$name $target/
    count=$((count + 1))
  fi
done
echo "copied $count files to $target"

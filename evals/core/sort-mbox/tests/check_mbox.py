"""Checks /app/mail/by-sender against inbox.mbox, split on its own (mboxrd) separators."""

import hashlib
import os
import re
import sys
from email.parser import BytesHeaderParser
from email.utils import parseaddr, parsedate_to_datetime

MAIL = "/app/mail"
INBOX_SHA256 = "f5f0fd0e6e407e344bc6f521f0cb7f3c1d89081f199cafdda5c2bf5636cb29c8"


def chunks(data):
    """The raw messages of an mbox: from a `From ` line at the start or after a blank line, to the next."""
    starts = [m.start() for m in re.finditer(rb"(?:\A|(?<=\n\n))From ", data)]
    return [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]


def headers(raw):
    return BytesHeaderParser().parsebytes(raw.split(b"\n", 1)[1])


with open(os.path.join(MAIL, "inbox.mbox"), "rb") as handle:
    inbox = handle.read()
problems = []
if hashlib.sha256(inbox).hexdigest() != INBOX_SHA256:
    problems.append("inbox.mbox was changed")
expected = {}
for raw in chunks(inbox):
    message = headers(raw)
    address = parseaddr(message["From"])[1].lower()
    expected.setdefault(address, []).append((parsedate_to_datetime(message["Date"]), raw))
directory = os.path.join(MAIL, "by-sender")
found = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
want = sorted(f"{address}.mbox" for address in expected)
if found != want:
    problems.append(f"by-sender holds {found}, want {want}")
for address, messages in sorted(expected.items()):
    path = os.path.join(directory, f"{address}.mbox")
    if not os.path.isfile(path):
        continue
    with open(path, "rb") as handle:
        actual = chunks(handle.read())
    ordered = [raw for _, raw in sorted(messages, key=lambda pair: pair[0])]
    if actual != ordered:
        subjects = [headers(raw)["Subject"] for raw in actual]
        problems.append(f"{address}.mbox: messages or order differ; it holds {subjects}, want "
                        f"{[headers(raw)['Subject'] for raw in ordered]} byte for byte")
for problem in problems:
    print("mbox:", problem)
sys.exit(1 if problems else 0)

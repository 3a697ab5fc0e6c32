"""Checks the crontab edits by meaning: each active job's schedule as sets of minutes, hours, days."""

import re
import sys

NAMES = {
    4: {n: i for i, n in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
    3: {n: i + 1 for i, n in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
}
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def expand(field, index):
    low, high = RANGES[index]
    values = set()
    for part in field.lower().split(","):
        step = 1
        if "/" in part:
            part, step = part.split("/")
            step = int(step)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            start, end = (int(NAMES.get(index, {}).get(p, p)) for p in part.split("-"))
        else:
            start = end = int(NAMES.get(index, {}).get(part, part))
        values.update(range(start, end + 1, step))
    if index == 4 and 7 in values:
        values = (values - {7}) | {0}
    return values


def schedule(line):
    fields = line.split(None, 5)
    return tuple(frozenset(expand(f, i)) for i, f in enumerate(fields[:5])), fields[5]


def main(path):
    text = open(path).read()
    problems = []
    if not text.endswith("\n"):
        problems.append("the file must end with a newline (cron ignores an unterminated last line)")
    lines = text.splitlines()
    env = [l for l in lines if re.match(r"^[A-Z]+=", l)]
    if env != ["SHELL=/bin/bash", "MAILTO=ops@example.com", "PATH=/usr/local/bin:/usr/bin:/bin"]:
        problems.append(f"environment lines changed: {env}")
    jobs = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#") or re.match(r"^[A-Z]+=", line):
            continue
        try:
            when, command = schedule(line)
        except (ValueError, IndexError):
            problems.append(f"unparsable line: {line!r}")
            continue
        jobs.setdefault(command.strip(), []).append(when)
    every = lambda i: frozenset(range(RANGES[i][0], RANGES[i][1] + 1))
    want = {
        "/opt/app/bin/backup-db --target /backups >> /var/log/backup.log 2>&1": (
            frozenset({30}), frozenset({2}), every(2), every(3), frozenset({0, 1, 2, 3, 4, 5, 6})),
        "/opt/app/bin/weekly-report --email team@example.com": (
            frozenset({0}), frozenset({7}), every(2), every(3), frozenset({1, 4})),
        "/opt/app/bin/clear-cache uploads": (
            frozenset({0}), frozenset({0, 6, 12, 18}), every(2), every(3), frozenset({0, 1, 2, 3, 4, 5, 6})),
        "/opt/app/bin/rotate-logs --keep 14": (
            frozenset({15}), frozenset({4}), every(2), every(3), frozenset({0})),
    }
    for command, when in want.items():
        found = jobs.pop(command, [])
        if not found:
            problems.append(f"{command}: no active line")
        elif found != [when]:
            problems.append(f"{command}: {len(found)} active line(s), not one line with the requested schedule")
    for command in jobs:
        problems.append(f"unexpected active job: {command}")
    if not any(re.match(r"^#\s*\*/15 \* \* \* \* /opt/app/bin/legacy-sync\s*$", l) for l in lines):
        problems.append("the legacy-sync line is not kept as a comment")
    rotate = [i for i, l in enumerate(lines) if "rotate-logs" in l and not l.lstrip().startswith("#")]
    if rotate and not (rotate[0] > 0 and lines[rotate[0] - 1].lstrip().startswith("#")):
        problems.append("no comment line above the rotate-logs job")
    for comment in ["# Crontab for the app server", "# Nightly database backup", "# Clear the upload cache every 6 hours"]:
        if not any(l.startswith(comment) for l in lines):
            problems.append(f"comment removed: {comment}")
    for problem in problems:
        print("crontab:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

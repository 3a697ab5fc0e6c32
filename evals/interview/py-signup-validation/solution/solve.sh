#!/bin/bash
# Oracle solution: the club's username rule and minimum age (18, after the
# user's change), an email check, ValueErrors naming the field.
set -euo pipefail
cd /app
cat > accounts.py <<'PY'
"""Member accounts for the climbing club's sign-up page."""

import re

USERNAME = re.compile(r"[a-z][a-z0-9_]{2,19}")
USERNAME_RULE = "3 to 20 lower-case letters, digits or underscores, starting with a letter"
MINIMUM_AGE = 18


def valid_email(email):
    """One @, something before it, and a domain with a dot after it."""
    if not isinstance(email, str) or email.count("@") != 1:
        return False
    local, domain = email.split("@")
    return bool(local.strip()) and "." in domain.strip(".")


class Accounts:
    """The club's members, by username."""

    def __init__(self):
        self.members = {}

    def register(self, username, email, age):
        """Adds a member and returns their username. A bad sign-up raises
        ValueError naming the first bad field, and nothing is added."""
        if not isinstance(username, str) or not USERNAME.fullmatch(username):
            raise ValueError(f"username: {username!r} is not {USERNAME_RULE}")
        if username in self.members:
            raise ValueError(f"username: {username!r} is taken")
        if not valid_email(email):
            raise ValueError(f"email: {email!r} is not an email address")
        if not isinstance(age, int) or isinstance(age, bool) or age < MINIMUM_AGE:
            raise ValueError(f"age: members must be at least {MINIMUM_AGE}, not {age!r}")
        self.members[username] = {"email": email, "age": age}
        return username
PY

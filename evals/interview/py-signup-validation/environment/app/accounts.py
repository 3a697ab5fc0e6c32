"""Member accounts for the climbing club's sign-up page."""


class Accounts:
    """The club's members, by username."""

    def __init__(self):
        self.members = {}

    def register(self, username, email, age):
        """Adds a member and returns their username."""
        self.members[username] = {"email": email, "age": age}
        return username

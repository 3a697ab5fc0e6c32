"""URL slugs for post titles."""

import re
import unicodedata


def slugify(title):
    """Turn a post title into a URL slug: lower case ASCII words joined by single dashes."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = text.lower()
    return re.sub(r"[^a-z0-9]", "-", text)

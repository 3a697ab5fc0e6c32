"""A small least-recently-used cache for the thumbnail service."""

from collections import OrderedDict


class LRUCache:
    """Holds at most `capacity` entries; when full, a new entry evicts the one
    used longest ago. Both `get` and `put` count as a use."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._entries = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key, default=None):
        """The value for `key`, or `default`; counts a hit or a miss."""
        if key in self._entries:
            self.hits += 1
            return self._entries[key]
        self.misses += 1
        return default

    def put(self, key, value):
        """Stores `value` under `key`, evicting the least recently used entry when full."""
        if key in self._entries:
            self._entries[key] = value
            return
        if len(self._entries) >= self.capacity:
            self._entries.popitem()
        self._entries[key] = value

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        return key in self._entries

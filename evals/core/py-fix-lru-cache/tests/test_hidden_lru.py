import random
import sys
import unittest
from collections import OrderedDict

sys.path.insert(0, "/app")

from lru import LRUCache  # noqa: E402


class Model:
    """A plain reference LRU to compare against."""

    def __init__(self, capacity):
        self.capacity, self.entries, self.hits, self.misses = capacity, OrderedDict(), 0, 0

    def get(self, key):
        if key in self.entries:
            self.entries.move_to_end(key)
            self.hits += 1
            return self.entries[key]
        self.misses += 1
        return None

    def put(self, key, value):
        if key in self.entries:
            self.entries.move_to_end(key)
        self.entries[key] = value
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)


class HiddenLRUTest(unittest.TestCase):
    def test_get_refreshes(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        cache.put("b", 2)
        self.assertEqual(cache.get("a"), 1)
        cache.put("c", 3)
        self.assertEqual(sorted(k for k in "abc" if k in cache), ["a", "c"])

    def test_overwrite_refreshes(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("a", 10)
        cache.put("c", 3)
        self.assertIn("a", cache)
        self.assertNotIn("b", cache)
        self.assertEqual(cache.get("a"), 10)

    def test_newest_survives(self):
        cache = LRUCache(3)
        for key in "abcd":
            cache.put(key, key)
        self.assertNotIn("a", cache)
        self.assertTrue(all(k in cache for k in "bcd"))

    def test_capacity_one(self):
        cache = LRUCache(1)
        cache.put("a", 1)
        cache.put("b", 2)
        self.assertEqual((len(cache), cache.get("b"), cache.get("a")), (1, 2, None))
        self.assertEqual((cache.hits, cache.misses), (1, 1))
        with self.assertRaises(ValueError):
            LRUCache(0)

    def test_random_against_model(self):
        rng = random.Random(7)
        for capacity in (1, 2, 3, 5):
            cache, model = LRUCache(capacity), Model(capacity)
            for step in range(2000):
                key = rng.randrange(8)
                if rng.random() < 0.5:
                    self.assertEqual(cache.get(key), model.get(key), (capacity, step))
                else:
                    cache.put(key, step)
                    model.put(key, step)
                self.assertEqual(len(cache), len(model.entries))
            self.assertEqual((cache.hits, cache.misses), (model.hits, model.misses))


if __name__ == "__main__":
    unittest.main()

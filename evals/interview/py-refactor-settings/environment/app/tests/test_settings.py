import os
import unittest

import settings

CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conf")


class SettingsTest(unittest.TestCase):
    def test_db(self):
        self.assertEqual(
            settings.load_db_settings(os.path.join(CONF, "db.conf")),
            {"host": "db.internal", "port": 6432, "name": "billing"},
        )

    def test_cache(self):
        self.assertEqual(
            settings.load_cache_settings(os.path.join(CONF, "cache.conf")),
            {"ttl": 60, "size": 1000, "enabled": False},
        )


if __name__ == "__main__":
    unittest.main()

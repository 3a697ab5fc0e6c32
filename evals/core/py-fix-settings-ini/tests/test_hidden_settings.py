import hashlib
import subprocess
import sys
import unittest

sys.path.insert(0, "/app")

import app  # noqa: E402

APP_SHA256 = "10a6ddb1448e73b3b994ce8b46b937c6fb91d0a51cdd4ee6d9a2aeff5f5dfa65"


class SettingsTest(unittest.TestCase):
    def test_check_passes(self):
        result = subprocess.run([sys.executable, "app.py", "--check"], capture_output=True, text=True, cwd="/app")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_values(self):
        self.assertEqual(
            app.load(),
            {
                "host": "0.0.0.0",
                "port": 8080,
                "workers": 4,
                "database_url": "postgresql://orders@db.internal:5432/orders",
                "pool_size": 10,
                "log_level": "DEBUG",
                "log_file": "/srv/orders/log/orders.log",
            },
        )

    def test_app_untouched(self):
        with open("/app/app.py", "rb") as handle:
            self.assertEqual(hashlib.sha256(handle.read()).hexdigest(), APP_SHA256)

    def test_comments_kept(self):
        with open("/app/settings.ini") as handle:
            text = handle.read()
        self.assertIn("public port", text)
        self.assertIn("Order service settings", text)


if __name__ == "__main__":
    unittest.main()

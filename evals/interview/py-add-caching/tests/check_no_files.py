"""Constraint `cache_in_memory`: using the rates writes nothing beside the code
(production runs it from a read-only directory)."""

import os
import shutil
import subprocess
import sys
import tempfile


def files(root):
    found = set()
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found.update(os.path.relpath(os.path.join(folder, n), root) for n in names)
    return found


with tempfile.TemporaryDirectory() as tmp:
    app = os.path.join(tmp, "app")
    shutil.copytree("/app", app, ignore=shutil.ignore_patterns("__pycache__"))
    before = files(app)
    code = "import rates; rates.rate('USD'); rates.convert('1', 'USD', 'GBP'); rates.rate('USD')"
    run = subprocess.run([sys.executable, "-B", "-c", code], cwd=app, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"FAIL: using rates.py failed: {run.stderr.strip()}")
    new = sorted(files(app) - before)
    if new:
        sys.exit(f"FAIL: using the rates wrote files beside the code: {new}")
print("the cache lives in memory")

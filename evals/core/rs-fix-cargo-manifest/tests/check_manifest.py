"""The manifest keeps the package's identity and the binary's name."""

import sys
import tomllib

with open(sys.argv[1], "rb") as handle:
    manifest = tomllib.load(handle)
package = manifest["package"]
problems = []
for key, value in [("name", "stockcheck"), ("version", "1.2.0"), ("description", "Flags warehouse items that need reordering")]:
    if package.get(key) != value:
        problems.append(f"package.{key} is {package.get(key)!r}, want {value!r}")
bins = manifest.get("bin", [])
if not any(b.get("name") == "stockcheck" and b.get("path") == "src/cli.rs" for b in bins):
    problems.append("no [[bin]] named stockcheck at src/cli.rs")
for problem in problems:
    print("manifest:", problem)
sys.exit(1 if problems else 0)

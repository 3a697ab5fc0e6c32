"""Checks the shape the refactor asked for in lib.rs (not its behaviour; hidden.rs does that)."""

import re
import sys

source = open(sys.argv[1]).read()
code = source.split("#[cfg(test)]", 1)[0]
code = re.sub(r"//[^\n]*", "", code)
problems = []
if not re.search(r'const\s+UNITS\s*:\s*\[\s*&(\'static\s+)?str\s*;\s*5\s*\]\s*=\s*\[\s*"B"\s*,\s*"KiB"\s*,\s*"MiB"\s*,\s*"GiB"\s*,\s*"TiB"\s*,?\s*\]', code):
    problems.append("no `const UNITS: [&str; 5] = [\"B\", \"KiB\", \"MiB\", \"GiB\", \"TiB\"]`")
for unit in ["KiB", "MiB", "GiB", "TiB"]:
    count = len(re.findall(r"\b" + unit + r"\b", code))
    if count != 1:
        problems.append(f"`{unit}` appears {count} times outside comments and tests (want 1: the table)")
if not re.search(r"\bfn\s+scale\s*\(\s*\w+\s*:\s*u64\s*\)\s*->\s*\(\s*f64\s*,\s*&'static\s+str\s*\)", code):
    problems.append("no `fn scale(value: u64) -> (f64, &'static str)`")
if re.search(r"\bpub\s+fn\s+scale\b", code):
    problems.append("`scale` should be private")


def body(name):
    match = re.search(r"\bfn\s+" + name + r"\b[^{]*\{", code)
    if not match:
        return ""
    depth, start = 1, match.end()
    for index in range(start, len(code)):
        depth += {"{": 1, "}": -1}.get(code[index], 0)
        if depth == 0:
            return code[start:index]
    return ""


for name in ["format_size", "format_rate"]:
    text = body(name)
    if "scale(" not in text:
        problems.append(f"`{name}` does not call `scale`")
    if "1024" in text:
        problems.append(f"`{name}` still has its own 1024 ladder")
for problem in problems:
    print("shape:", problem)
sys.exit(1 if problems else 0)

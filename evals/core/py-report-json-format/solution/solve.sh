#!/bin/bash
# Oracle solution: a --format option with a JSON renderer, and a test for it.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

report = Path("report.py")
text = report.read_text()
text = text.replace("import csv\n", "import csv\nimport json\n")
text = text.replace(
    "\n\ndef main(argv=None):",
    '\n\ndef render_json(totals):\n'
    '    """One JSON object, regions sorted, totals as two-decimal strings."""\n'
    '    return json.dumps({region: f"{total:.2f}" for region, total in sorted(totals.items())})\n'
    "\n\ndef main(argv=None):",
)
text = text.replace(
    "    args = parser.parse_args(argv)\n",
    '    parser.add_argument("--format", choices=["text", "json"], default="text")\n'
    "    args = parser.parse_args(argv)\n",
)
text = text.replace(
    "    print(render_text(totals))\n",
    '    print(render_json(totals) if args.format == "json" else render_text(totals))\n',
)
report.write_text(text)

tests = Path("tests/test_report.py")
text = tests.read_text()
text = text.replace(
    '\n\nif __name__ == "__main__":',
    "\n    def test_json(self):\n"
    "        import json\n"
    "        rendered = report.render_json(report.totals_by_region(SALES))\n"
    '        self.assertEqual(json.loads(rendered)["west"], "21.00")\n'
    '\n\nif __name__ == "__main__":',
)
tests.write_text(text)
PY

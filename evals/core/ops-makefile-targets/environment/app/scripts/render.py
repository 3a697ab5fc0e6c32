"""render.py TEMPLATE PAGE.md: prints PAGE.md as HTML inside TEMPLATE.

Markdown subset: a first line `# Title`, then paragraphs separated by blank lines.
"""

import html
import sys


def render(template, markdown):
    lines = markdown.splitlines()
    title = lines[0].removeprefix("# ").strip() if lines and lines[0].startswith("# ") else "Untitled"
    body = "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines)
    paragraphs = [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]
    content = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return template.replace("{{title}}", html.escape(title)).replace("{{body}}", content)


if __name__ == "__main__":
    with open(sys.argv[1]) as template, open(sys.argv[2]) as page:
        sys.stdout.write(render(template.read(), page.read()))

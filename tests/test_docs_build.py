"""The documentation site's sources hold together, checked without building it.

The build itself (``mkdocs build --strict``) is the nox session ``docs``, run in CI; it needs
the ``docs`` extra, which the suite does not. This checks what most often breaks it: every page
of ``mkdocs.yml``'s nav exists, every ``--8<--`` snippet a page includes exists, and every
cookbook page is in the nav (so a new recipe cannot be left out of the site).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NAV_PAGE = re.compile(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w./-]+\.md)\s*$")
SNIPPET = re.compile(r"""^\s*--8<--\s+["']([^"']+)["']\s*$""")


def nav_pages(config: str) -> list[str]:
    """The pages named in the ``nav:`` section of a mkdocs.yml text (relative to docs/)."""
    lines = config.splitlines()
    start = lines.index("nav:") + 1
    pages: list[str] = []
    for line in lines[start:]:
        if line and not line.startswith((" ", "#")):
            break  # the next top-level key
        match = NAV_PAGE.match(line)
        if match:
            pages.append(match.group(1))
    return pages


def snippets(page: str) -> list[str]:
    """The ``--8<-- "path"`` includes of a page (paths relative to the repository root)."""
    return [m.group(1) for line in page.splitlines() if (m := SNIPPET.match(line))]


def test_the_parsers_read_what_they_are_for() -> None:
    config = (
        "site_name: x\nnav:\n  - Home: index.md\n  - A:\n      - a/index.md\n"
        "      - B: a/b.md\ntheme: x\n"
    )
    assert nav_pages(config) == ["index.md", "a/index.md", "a/b.md"]
    page = "text\n```python\n--8<-- \"examples/x.py\"\n```\n  --8<-- 'y.py'\n"
    assert snippets(page) == ["examples/x.py", "y.py"]


def test_every_nav_page_exists() -> None:
    pages = nav_pages((ROOT / "mkdocs.yml").read_text("utf-8"))
    assert "index.md" in pages and "reference/index.md" in pages, pages
    missing = [p for p in pages if not (DOCS / p).is_file()]
    assert missing == [], f"in mkdocs.yml's nav but not under docs/: {missing}"


def test_every_snippet_exists() -> None:
    included = {
        (page.relative_to(ROOT).as_posix(), path)
        for page in DOCS.rglob("*.md")
        for path in snippets(page.read_text("utf-8"))
    }
    assert included, "no page includes a snippet"
    missing = sorted((page, path) for page, path in included if not (ROOT / path).is_file())
    assert missing == [], f"--8<-- snippets naming missing files: {missing}"


def test_every_cookbook_page_is_in_the_nav() -> None:
    pages = set(nav_pages((ROOT / "mkdocs.yml").read_text("utf-8")))
    cookbook = sorted(p.relative_to(DOCS).as_posix() for p in (DOCS / "cookbook").glob("*.md"))
    assert "cookbook/index.md" in cookbook
    assert [p for p in cookbook if p not in pages] == [], "add these recipes to mkdocs.yml's nav"

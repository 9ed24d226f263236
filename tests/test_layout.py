"""How the code is laid out, checked by reading it: pages reach the data only through ui/ (one door)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "app_pages").glob("*.py"))
FORBIDDEN = {  # what a page may not do, and how it would read
    "imports the store": re.compile(
        r"^\s*(from|import)\s+metrics\.store\b|^\s*from\s+metrics\s+import\s+store\b", re.M
    ),
    "opens a cursor": re.compile(r"\.cursor\(|\.snapshot\(|\breading\("),
    "holds the database": re.compile(r"\bdatabase\("),
}


def test_every_page_is_scanned():
    assert len(PAGES) >= 12


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize("what", FORBIDDEN)
def test_no_page_reaches_the_store_but_through_ui(page, what):
    source = page.read_text(encoding="utf-8")
    found = [source.count("\n", 0, m.start()) + 1 for m in FORBIDDEN[what].finditer(source)]
    assert not found, f"app_pages/{page.name} {what} (line {', '.join(map(str, found))}): go through ui/data.py, " \
        "ui/stored.py or ui/writes.py"  # fmt: skip

"""The benchmark runs end to end (small: scale 1, one run each, a 1,000-row import) and reports every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"overview", "city", "compare", "map", "completeness", "deck", "present", "upload", "admin", "about"}


@pytest.fixture(scope="module")
def result() -> dict:
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--json", "--scales", "1", "--repeats", "1", "--import-rows", "1000",
         "--no-browser"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_every_page_is_timed_against_its_floor(result):
    assert {p["page"] for p in result["pages"]} == PAGES
    for page in result["pages"]:
        assert page["scale"] == 1 and page["elements"] > 0
        assert page["floor_s"] > 0 and 0 < page["warm_s"] < page["cold_s"]


def test_the_import_is_timed_against_duckdb(result):
    (only,) = result["imports"]
    assert only["rows"] == 1000 and only["inserted"] + only["updated"] == 1000
    assert 0 < only["duckdb_read_s"] < only["total_s"] < only["cli_s"]
    assert only["xlsx_s"] > 0  # the same rows as an Excel workbook


def test_the_shape_others_check(result):
    assert set(result) >= {"pages", "imports", "deck_s", "peak_rss_mb", "browser_first_chart_s", "targets"}
    assert result["deck_s"] > 0 and result["peak_rss_mb"]["1"] > 100
    assert all(set(t) == {"target", "met"} for t in result["targets"])

"""The benchmark runs end to end (small: scale 1, one run each, a 1,000-row import) and reports every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_sample

from benchmarks.browser import CHROMIUM, MENU
from ui.nav import PAGES

pytestmark = pytest.mark.benchmark  # runs the benchmark, small: left out of `make test-fast`

ROOT = Path(__file__).resolve().parent.parent


def run_small() -> dict:
    """The benchmark's JSON, run small."""
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--json", "--scales", "1", "--repeats", "1", "--import-rows", "1000",
         "--warm-runs", "2", "--no-browser"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_benchmark_runs_end_to_end_and_reports_every_figure():
    # One test, not three over a shared fixture: test workers would each run the benchmark for their share.
    result = run_small()

    # every page is timed against its floor
    assert [p["page"] for p in result["pages"]] == [page.url for page in PAGES]
    for page in result["pages"]:
        assert page["scale"] == 1 and page["elements"] > 0
        # Figures, not speeds: a unit test asserts no timing (under a loaded suite a light page's warm run has come
        # out slower than its cold one); the ratios are the benchmark's to print.
        assert page["floor_s"] > 0 and page["warm_s"] > 0 and page["cold_s"] > 0
        assert page["cold_floor_s"] > 0 and page["cold_plain_s"] > 0

    # the import is timed against DuckDB's own read, and the noisy file's beside it
    only, noisy = result["imports"]
    assert only["rows"] == 1000 and only["inserted"] + only["updated"] == 1000
    assert 0 < only["duckdb_read_s"] < only["total_s"] < only["cli_s"]
    assert only["xlsx_s"] > 0  # the same rows as an Excel workbook
    assert noisy["noisy"] and noisy["rows"] == 1000 and noisy["duckdb_read_s"] > 0 and noisy["total_s"] > 0
    assert noisy["warnings"] > only["warnings"]

    # the shape others check
    assert set(result) >= {"pages", "imports", "deck_s", "peak_rss_mb", "browser_first_chart_s", "targets"}
    assert result["deck_s"] > 0 and result["peak_rss_mb"]["1"] > 100
    assert all(set(t) == {"target", "met"} for t in result["targets"])


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (see .ci/run)")
def test_the_browser_actions_are_timed_beside_their_floor(sample_file, tmp_path):
    from benchmarks import browser_actions

    database = copy_sample(sample_file, tmp_path / "scale-1.duckdb")
    entries = browser_actions.measure({1: database}, 1, tmp_path, say=lambda _: None)

    actions = [e["action"] for e in entries]
    assert actions == [
        *(f"navigate to {page.url}" for page in MENU),
        "overview events toggle",
        "city picker",
        "present next slide",
        "first chart, first visit",
        "every chart drawn, first visit",
        "sign-in form, first visit (accounts)",
        "first chart after signing in (accounts)",
    ]
    assert all(e["scale"] == 1 and e["s"] > 0 and e["floor_s"] > 0 for e in entries)  # figures, not speeds
    # the floor stands for each page: after the same clicks round the menu, it shows as many elements as ours
    navigated = [e for e in entries if e["action"].startswith("navigate to")]
    assert all(e["elements"] == e["floor_elements"] and e["elements"][0] > 0 for e in navigated), navigated

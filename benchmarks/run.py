"""The benchmark: page times, imports, the deck, memory and time to first chart, as the programme grows.

    .venv/bin/python benchmarks/run.py [--json] [--save] [--scales 1 10 100] [--repeats 5] [--no-browser]

Builds sample databases 1, 10 and 100 times the size (`python -m metrics init --scale N`: 65, 650 and 6,500
pilots over the same years) in a temporary folder, then measures, each part in a process of its own:
- every page through AppTest (benchmarks/pages.py): the cold first run, the warm rerun after a widget change, and
  the floor, a bare Streamlit script drawing the same elements from precomputed data (benchmarks/floor.py); the
  cold first run also against the plain floor, the same page computed by plain code (benchmarks/plain_floor.py);
- a 10,000- and a 100,000-row import against DuckDB's own read of the same file (benchmarks/imports.py);
- the standard deck; the peak memory of each scale's process;
- the time to the first drawn chart of the overview in Chromium, on a fresh server (benchmarks/browser.py), and a
  sidebar click to each page, a widget, the city picker, presentation's next slide, the overview's first visit and
  a first visit that signs in, each beside a floor app doing the same (benchmarks/browser_actions.py).
Prints a report with the performance targets, or with --json one object holding every figure; --save also writes the
report into docs/performance.md (between its bench markers) and every figure into docs/performance.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

# (what, how it is checked): the performance targets.
TARGETS = (
    ("warm rerun <= 1.2x floor at scale 1", lambda r: _worst_ratio(r, 1) <= 1.2),
    ("warm rerun <= 1.2x floor at scale 100", lambda r: _worst_ratio(r, 100) <= 1.2),
    ("cold first run <= 1.5x the plain floor's cold at scale 1", lambda r: _worst_cold(r, 1) <= 1.5),
    ("cold first run <= 1.5x the plain floor's cold at scale 100", lambda r: _worst_cold(r, 100) <= 1.5),
    ("100,000-row import <= 10x DuckDB's read", lambda r: _import_ratio(r, 100_000) <= 10),
    ("first chart in the browser <= 1.2x the floor's at scale 100", lambda r: _first_chart_ratio(r, 100) <= 1.2),
    (
        "sidebar navigation in the browser <= 1.3x the floor's (showing as many elements)",
        lambda r: _browser_ratio(r, "navigate to") <= 1.3 and not _unlike_floors(r),
    ),
    (
        "overview widget and city picker in the browser <= 1.3x the floor's",
        lambda r: max(_browser_ratio(r, "overview events toggle"), _browser_ratio(r, "city picker")) <= 1.3,
    ),
    ("presentation's next slide in the browser <= 1.2x the floor's", lambda r: _browser_ratio(r, "present") <= 1.2),
    ("memory sub-linear in scale", lambda r: r["memory_growth_exponent"] < 1.0),
)


def _pages_at(result: dict, scale: int) -> list[dict]:
    return [p for p in result["pages"] if p["scale"] == scale]


def _worst_ratio(result: dict, scale: int) -> float:
    return max((p["warm_s"] / p["floor_s"] for p in _pages_at(result, scale)), default=math.nan)


def _worst_cold(result: dict, scale: int) -> float:
    return max((p["cold_s"] / p["cold_plain_s"] for p in _pages_at(result, scale)), default=math.nan)


def _first_chart_ratio(result: dict, scale: int) -> float:
    """The overview's first chart on a first visit against the floor app's with the same elements."""
    from benchmarks.browser import FIRST_CHART

    found = next(b for b in result["browser"] if b["action"] == FIRST_CHART and b["scale"] == scale)
    return found["s"] / found["floor_s"]


def _browser_ratio(result: dict, action: str) -> float:
    """The worst ratio to its floor of the browser actions whose names start with `action`, at any scale."""
    return max((b["s"] / b["floor_s"] for b in result["browser"] if b["action"].startswith(action)), default=math.nan)


def _import(result: dict, rows: int) -> dict:
    return next(i for i in result["imports"] if i["rows"] == rows and not i.get("noisy"))


def _import_ratio(result: dict, rows: int) -> float:
    found = _import(result, rows)
    return found["total_s"] / found["duckdb_read_s"]


def _run_json(args: list[str]) -> object:
    """Run `python -m <args>` from the project folder and return what it printed as JSON."""
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_database(folder: Path, scale: int) -> tuple[Path, float]:
    """A sample database of the scale, and the seconds `init --scale` took."""
    path = folder / f"scale-{scale}.duckdb"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "metrics", "init", "--db", str(path), "--scale", str(scale), "--force"],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    return path, time.perf_counter() - start


def browser_repeats(repeats: int) -> int:
    """Runs per browser figure: at least three (a median of one is a sample), at most half the page runs' (each
    starts servers and a browser, and takes seconds)."""
    return max(min(3, repeats), repeats // 2)


def browser_times(databases: dict[int, Path], repeats: int, folder: Path) -> tuple[dict, dict, dict]:
    """Median seconds to the overview's first chart on a fresh server (cold) and on a second visit (warm), and the
    floor's: a bare page drawing the same figure, on its own fresh server, at its second visit (its script compiled
    and Plotly imported, as the dashboard's server has them from its warm-up)."""
    from benchmarks.browser import chromium, first_chart_seconds, launch, streamlit_server

    cold, warm, floor = {}, {}, {}
    with chromium() as browser:
        for scale, path in databases.items():
            figure = folder / f"first-figure-{scale}.json"
            figure.write_text(first_figure_json(path), encoding="utf-8")
            firsts, seconds, floors = [], [], []
            for _ in range(repeats):
                with streamlit_server(path) as url:
                    firsts.append(first_chart_seconds(browser, url))
                    seconds.append(first_chart_seconds(browser, url))
                bare = launch(path, {"PILOT_FLOOR_FIGURE": str(figure)}, warm=False, app=FLOOR_CHART_APP)
                try:
                    bare.wait_until_up()
                    first_chart_seconds(browser, bare.url)
                    floors.append(first_chart_seconds(browser, bare.url))
                finally:
                    bare.stop()
            cold[str(scale)], warm[str(scale)] = statistics.median(firsts), statistics.median(seconds)
            floor[str(scale)] = statistics.median(floors)
    return cold, warm, floor


FLOOR_CHART_APP = "benchmarks/chart_floor_app.py"


def first_figure_json(db_path: Path) -> str:
    """The overview's first figure in its default view (all years, every pilot, events marked), as Plotly JSON."""
    import plotly.io as pio

    from metrics.domain.programme import Scope
    from metrics.present import charts
    from metrics.present.chart_resolve import resolve
    from metrics.present.chart_spec import ChartSpec
    from metrics.store.database import open_database
    from metrics.store.series import year_span

    database = open_database(db_path)
    try:
        with database.cursor() as cur:
            spec = ChartSpec("pilots", "pilot_cities", year_span(cur), Scope(), events=True)
            return pio.to_json(charts.figure(resolve(cur, spec, "zh")), validate=False)
    finally:
        database.close()


def measure(scales: list[int], repeats: int, browser: bool, import_rows: list[int], warm_runs: int = 30) -> dict:
    """Every figure of the benchmark, as one object."""
    result: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeats": repeats,
        "browser_repeats": browser_repeats(repeats) if browser else 0,
        "pages": [],
        "init_s": {},
        "deck_s_by_scale": {},
        "peak_rss_mb": {},
    }
    with tempfile.TemporaryDirectory(prefix="pilot-bench-") as tmp:
        folder = Path(tmp)
        databases = {}
        for scale in scales:
            databases[scale], result["init_s"][str(scale)] = build_database(folder, scale)
            _say(f"scale {scale}: pages")
            pages = _run_json(["benchmarks.pages", "--db", str(databases[scale]), "--scale", str(scale),
                               "--repeats", str(repeats), "--warm-runs", str(warm_runs)])  # fmt: skip
            result["pages"] += pages["pages"]
            result["deck_s_by_scale"][str(scale)] = pages["deck_s"]
            result["peak_rss_mb"][str(scale)] = pages["peak_rss_mb"]
        largest = max(scales)
        _say(f"imports (into the scale-{largest} database)")
        result["imports"] = _run_json(["benchmarks.imports", "--db", str(databases[largest]), "--work",
                                       str(folder / "imports"), "--repeats", str(max(3, repeats)),
                                       "--rows", *map(str, import_rows)])  # fmt: skip
        result["imports_scale"] = largest
        result["browser_first_chart_s"], result["browser_second_visit_s"] = {}, {}
        result["browser_first_chart_floor_s"], result["browser"] = {}, []
        if browser:
            _say("browser")
            ends = {s: databases[s] for s in dict.fromkeys([min(scales), largest])}
            cold, warm, floor = browser_times(ends, browser_repeats(repeats), folder)
            result["browser_first_chart_s"], result["browser_second_visit_s"] = cold, warm
            result["browser_first_chart_floor_s"] = floor
            from benchmarks import browser_actions

            result["browser"] += browser_actions.measure(ends, browser_repeats(repeats), folder, _say)
    result["deck_s"] = result["deck_s_by_scale"][str(min(scales))]
    rss = result["peak_rss_mb"]
    lo, hi = str(min(scales)), str(largest)
    # peak memory ~ scale ** exponent; 1 would be linear in the data
    result["memory_growth_exponent"] = (
        math.log(rss[hi] / rss[lo]) / math.log(largest / min(scales)) if largest > min(scales) else 0.0
    )
    result["targets"] = [{"target": name, "met": bool(check(result))} for name, check in TARGETS if _checkable(
        name, result)]  # fmt: skip
    return result


def _checkable(name: str, result: dict) -> bool:
    if "in the browser" in name and "first chart" not in name:
        return bool(result.get("browser"))
    if "memory" in name and len(result["peak_rss_mb"]) < 2:
        return False
    if "100,000-row" in name and not any(i["rows"] == 100_000 and not i.get("noisy") for i in result["imports"]):
        return False
    needs_scale_100 = "scale 100" in name and not _pages_at(result, 100) and "browser" not in name
    needs_browser = "browser" in name and not any(b["scale"] == 100 for b in result.get("browser", ()))
    needs_scale_1 = re.search(r"scale 1\b", name) is not None and not _pages_at(result, 1)
    return not (needs_scale_100 or needs_browser or needs_scale_1)


def _unlike_floors(result: dict) -> list[str]:
    """The browser actions whose floor page showed another number of elements than ours."""
    return [b["action"] for b in result["browser"] if _unlike_floor(b)]


def _unlike_floor(entry: dict) -> bool:
    """Whether a browser action's floor page showed another number of elements than ours (navigations count them)."""
    return entry.get("elements", []) != entry.get("floor_elements", [])


def _say(message: str) -> None:
    print(f"[benchmark] {message}", file=sys.stderr, flush=True)


def report(result: dict) -> str:
    """The figures as Markdown tables, as the README quotes them."""
    runs = f"medians of {result['repeats']} runs"
    if result.get("browser_repeats"):
        runs += f" ({result['browser_repeats']} in the browser)"
    lines = [f"Measured {result['when']} on {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; "
             f"{runs}.", ""]  # fmt: skip
    scales = sorted({p["scale"] for p in result["pages"]})
    lines += ["Page times through AppTest, in milliseconds: cold first run / the plain floor's cold (ratio; the bare "
              "floor's cold in brackets) · warm rerun after a widget change / the floor's (ratio).", ""]  # fmt: skip
    lines += ["| page | " + " | ".join(f"scale {s}" for s in scales) + " |", "| --- |" + " --- |" * len(scales)]
    for name in dict.fromkeys(p["page"] for p in result["pages"]):
        cells = []
        for s in scales:
            p = next(x for x in result["pages"] if x["page"] == name and x["scale"] == s)
            cells.append(f"{p['cold_s'] * 1000:.0f} / {p['cold_plain_s'] * 1000:.0f} "
                         f"({p['cold_s'] / p['cold_plain_s']:.2f}x; {p['cold_floor_s'] * 1000:.0f}) · "
                         f"{p['warm_s'] * 1000:.1f} / "
                         f"{p['floor_s'] * 1000:.1f} ({p['warm_s'] / p['floor_s']:.2f}x)")  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Imports into the scale-{result['imports_scale']} database (check and commit, in-process; the CLI "
        "includes starting Python):",
        "",
        "| rows | import | DuckDB's read | ratio | `metrics import` CLI | the same as XLSX | new / changed rows |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i in result["imports"]:
        rows, cli, xlsx = f"{i['rows']:,}", "—", "—"
        if i.get("noisy"):  # the old file, beside the target
            rows = f"{rows}, noisy ({i['warnings']:,} warnings; not a target)"
        else:
            rows, cli, xlsx = f"{rows} ({i['warnings']:,} warnings)", f"{i['cli_s']:.2f} s", f"{i['xlsx_s']:.2f} s"
        lines.append(f"| {rows} | {i['total_s']:.2f} s | {i['duckdb_read_s']:.3f} s | "
                     f"{i['total_s'] / i['duckdb_read_s']:.1f}x | {cli} | {xlsx} | "
                     f"{i['inserted']:,} / {i['updated']:,} |")  # fmt: skip
    rss = result["peak_rss_mb"]
    lines += ["", "| | " + " | ".join(f"scale {s}" for s in rss) + " |", "| --- |" + " --- |" * len(rss),
              "| peak memory of the page process | " + " | ".join(f"{v:.0f} MB" for v in rss.values()) + " |",
              "| standard deck | " + " | ".join(f"{v:.2f} s" for v in result["deck_s_by_scale"].values()) + " |",
              "| `init --scale` | " + " | ".join(f"{v:.1f} s" for v in result["init_s"].values()) + " |"]  # fmt: skip
    if result["browser_first_chart_s"]:
        cold, warm = result["browser_first_chart_s"], result["browser_second_visit_s"]
        floor = result["browser_first_chart_floor_s"]
        lines += ["", "Overview in Chromium, seconds to the first drawn chart: "
                  + "; ".join(f"scale {s}: {cold[s]:.2f} s on a fresh server ({cold[s] / floor[s]:.2f}x a bare page "
                              f"drawing the same figure, {floor[s]:.2f} s), {warm[s]:.2f} s on a second visit"
                              for s in cold) + "."]  # fmt: skip
    if result.get("browser"):
        lines += ["", "In Chromium, on the dashboard served as `make run` serves it and on a floor app drawing the "
                  "same elements from precomputed figures, in the same run: seconds from the click (key press, first "
                  "request) to the page settled, ours / the floor's (ratio).", "",
                  "| action | " + " | ".join(f"scale {s}" for s in sorted({b["scale"] for b in result["browser"]}))
                  + " |"]  # fmt: skip
        lines += _browser_rows(result["browser"])
    lines += ["", f"Memory grows as scale^{result['memory_growth_exponent']:.2f} (1 would be linear).", ""]
    lines += [f"- {'met' if t['met'] else 'NOT met'}: {t['target']}" for t in result["targets"]]
    return "\n".join(lines)


def _browser_rows(entries: list[dict]) -> list[str]:
    scales = sorted({b["scale"] for b in entries})
    rows = ["| --- |" + " --- |" * len(scales)]
    for action in dict.fromkeys(b["action"] for b in entries):
        cells = []
        for s in scales:
            b = next((x for x in entries if x["action"] == action and x["scale"] == s), None)
            cells.append(f"{b['s']:.2f} / {b['floor_s']:.2f} ({b['s'] / b['floor_s']:.2f}x)" if b else "—")
            if b and _unlike_floor(b):
                cells[-1] += f", but {b['elements']} elements against the floor's {b['floor_elements']}"
        rows.append(f"| {action} | " + " | ".join(cells) + " |")
    return rows


def main(argv=None) -> int:
    """Run the benchmark and print its report (or --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (medians are reported)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    parser.add_argument("--warm-runs", type=int, default=30, help="warm reruns (and floor reruns) per page")
    parser.add_argument("--save", action="store_true", help="also write the report into docs/performance.md")
    parser.add_argument("--import-rows", type=int, nargs="+", default=[10_000, 100_000], metavar="ROWS",
                        help="sizes of the imported files (into the largest scale's database)")  # fmt: skip
    args = parser.parse_args(argv)
    result = measure(sorted(set(args.scales)), args.repeats, not args.no_browser, args.import_rows, args.warm_runs)
    if args.save:
        save(result)
    print(json.dumps(result, indent=1) if args.json else report(result))
    return 0


DOC = ROOT / "docs" / "performance.md"


def save(result: dict) -> None:
    """The report into docs/performance.md between its bench markers, every figure into docs/performance.json."""
    save_section("bench", report(result), result, DOC.with_suffix(".json"))


def save_section(name: str, text: str, figures: dict, json_path: Path) -> None:
    """`text` into docs/performance.md between its `<!-- NAME:start -->` and `<!-- NAME:end -->` markers (the prose
    around them is kept), and the figures as JSON into json_path."""
    document = DOC.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    before, rest = document.split(start, 1)
    _, after = rest.split(end, 1)
    DOC.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")
    json_path.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        import streamlit  # noqa: F401
    except ImportError:  # run with a Python that lacks the project's packages: use the project's own
        if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
            os.execv(VENV_PYTHON, [str(VENV_PYTHON), *sys.argv])
        raise SystemExit(
            "Run `make test` (or `make setup`) first: the benchmark needs the project's packages."
        ) from None
    sys.exit(main())

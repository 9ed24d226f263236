"""Page times at one scale, through AppTest: cold first run, warm rerun after a widget change, and the floor.

    python -m benchmarks.pages --db PATH --scale N [--repeats R] [--warm-runs W]   (prints one JSON object)

Run in a process of its own per scale, so that its peak memory is that scale's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.apptest import scan_components_once
from ui.nav import DEFAULT, PAGES

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
FLOOR_APP = str(ROOT / "benchmarks" / "floor_app.py")
PLAIN_APP = str(ROOT / "benchmarks" / "plain_floor_app.py")
TIMEOUT = 300
WARM_RUNS = 30  # warm reruns and floor reruns each (a few milliseconds apiece): medians steady enough to compare


def _toggle_events(at, to_b: bool) -> None:
    at.toggle(key="events").set_value(not to_b)


def _year_back(at, to_b: bool) -> None:
    element = at.selectbox(key="year")
    last = max(int(o) for o in element.options)
    element.set_value(last - 1 if to_b else last)


def _assessment_year(at, to_b: bool) -> None:
    element = at.selectbox(key="assess_year")
    newest = max(int(o) for o in element.options)
    element.set_value(newest - 1 if to_b else newest)


def _mode(at, to_b: bool) -> None:
    at.radio(key="mode").set_value("change" if to_b else "absolute")


def _completeness(at, to_b: bool) -> None:
    at.selectbox(key="completeness_indicator").set_value("agreements" if to_b else "activities")


def _round_year(at, to_b: bool) -> None:
    element = at.selectbox(key="round_year")
    newest = max(int(o) for o in element.options)
    element.set_value(newest - 1 if to_b else newest)


def _deck_lang(at, to_b: bool) -> None:
    at.radio(key="deck_lang").set_value("en" if to_b else "zh")


def _slide(at, to_b: bool) -> None:
    at.button(key="present_next" if to_b else "present_back").click()


def _city(at, to_b: bool) -> None:
    first, second = _CITIES[id(at)]
    at.selectbox(key="city").set_value(second if to_b else first)


_CITIES: dict[int, tuple[str, str]] = {}

# The widget change each page's warm rerun makes, by the page's url: flip(at, to_b) sets state B (True) or back to A.
FLIPS: dict[str, Callable] = {
    "overview": _toggle_events,
    "city": _city,
    "compare": _mode,
    "map": _year_back,
    "assessment": _assessment_year,
    "completeness": _completeness,
    "round": _round_year,
    "changes": _toggle_events,
    "deck": _deck_lang,
    "upload": _toggle_events,
    "admin": _toggle_events,
    "about": _toggle_events,
    "present": _slide,
}


_SCRIPTS: list = []  # the one script cache of this process, as a server has (see _share_script_cache)


def _share_script_cache() -> None:
    """Make AppTest keep compiled scripts between runs, as a server does.

    AppTest makes a new ScriptCache for every run, so it would compile dashboard.py and the page file again on
    each rerun; a server compiles each script once. Cold runs clear it (see _clear_caches).
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    _SCRIPTS.append(ScriptCache())
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _SCRIPTS[0]


def _clear_script_cache() -> None:
    if _SCRIPTS:
        _SCRIPTS[0].clear()


def _clear_caches() -> None:
    import streamlit as st

    from ui import data

    _clear_script_cache()
    data.clear_caches()
    st.cache_data.clear()
    st.cache_resource.clear()


def _app(page: str, file: str = DASHBOARD):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(file, default_timeout=TIMEOUT)
    if file == DASHBOARD:
        if page != DEFAULT:
            at.switch_page(next(p.path for p in PAGES if p.url == page))
        if page == "deck":
            at.session_state["_deck"] = _standard_deck()
    return at


def _standard_deck() -> list:
    from metrics.present import deck
    from metrics.store.database import open_database

    with open_database().cursor() as cur:
        return deck.standard_specs(cur)


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the page failed: {at.exception[0].value}")
    return seconds


def _prepare_city(at) -> None:
    from metrics.store.cities import list_cities
    from metrics.store.database import open_database

    with open_database().cursor() as cur:
        codes = list_cities(cur)["city_code"].tolist()
    current = at.selectbox(key="city").value
    _CITIES[id(at)] = (current, next(c for c in codes if c != current))


def measure_page(page: str, repeats: int, warm_runs: int = WARM_RUNS) -> dict:
    """Cold first runs (caches empty), the first rerun on a new widget value, warm reruns, and the floor's reruns of
    the page at this url."""
    from benchmarks import floor

    flip = FLIPS[page]
    cold = []
    for _ in range(repeats):
        _clear_caches()
        at = _app(page)
        cold.append(_timed_run(at))
    if page == "city":
        _prepare_city(at)
    scene_a = floor.capture(at)
    flip(at, True)
    change = _timed_run(at)
    scene_b = floor.capture(at)

    floor.SCENES.clear()
    floor.SCENES.update({"A": scene_a, "B": scene_b})
    floor.PAGE[0] = page
    cold_floor = []
    for _ in range(repeats):  # the floor's first run, its script not yet compiled, as the page's cold runs
        _clear_script_cache()
        bare = _app(page, FLOOR_APP)
        cold_floor.append(_timed_run(bare))
    cold_plain = _plain_cold(page, repeats)
    bare.radio(key="floor_state").set_value("B")
    _timed_run(bare)

    warm, floor_times = [], []
    for i in range(max(2 * repeats, warm_runs)):  # interleaved, so that a noisy moment touches both alike
        to_b = i % 2 == 1
        flip(at, to_b)
        warm.append(_timed_run(at))
        bare.radio(key="floor_state").set_value("B" if to_b else "A")
        floor_times.append(_timed_run(bare))
    return {
        "page": page,
        "cold_s": statistics.median(cold),
        "cold_floor_s": statistics.median(cold_floor),
        "cold_plain_s": statistics.median(cold_plain),
        "change_s": change,
        "warm_s": statistics.median(warm),
        "floor_s": statistics.median(floor_times),
        "elements": len(scene_a),
    }


def _plain_cold(page: str, repeats: int) -> list[float]:
    """The plain floor's first runs of the page (benchmarks/plain_floor.py), caches cleared as for ours."""
    from benchmarks import floor

    floor.PAGE[0] = page
    _timed_run(_app(page, PLAIN_APP))  # its modules imported and its connection opened, as ours are by then
    times = []
    for _ in range(repeats):
        _clear_caches()
        times.append(_timed_run(_app(page, PLAIN_APP)))
    return times


def measure_deck(repeats: int) -> float:
    """Median time to build the standard deck (every chart resolved afresh)."""
    from metrics.present import deck
    from metrics.store.database import open_database

    times = []
    with open_database().cursor() as cur:
        specs = deck.standard_specs(cur)
        for _ in range(repeats):
            start = time.perf_counter()
            deck.build(cur, specs, "zh")
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    """Measure every page (and the deck) at one scale and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warm-runs", type=int, default=WARM_RUNS, help="warm reruns (and floor reruns) per page")
    parser.add_argument("--pages", nargs="*", help="only these pages")
    args = parser.parse_args(argv)
    os.environ["PILOT_DB"] = args.db
    os.environ.pop("PILOT_BACKUP_HOURS", None)
    sys.path.insert(0, str(ROOT))
    chosen = [p.url for p in PAGES if not args.pages or p.url in args.pages]
    import streamlit.logger

    _share_script_cache()
    scan_components_once()
    streamlit.logger.set_log_level("error")  # AppTest outside a server warns on every run
    for page in chosen:  # once each first: imports and the process's one-off set-up are not what we measure
        _clear_caches()
        at = _app(page)
        _timed_run(at)
    pages = [{**measure_page(page, args.repeats, args.warm_runs), "scale": args.scale} for page in chosen]
    result = {"scale": args.scale, "pages": pages, "deck_s": measure_deck(max(2, args.repeats // 2))}
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

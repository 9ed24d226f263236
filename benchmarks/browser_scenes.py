"""What the browser benchmark's floor app draws: every page of the dashboard captured through AppTest at one scale.

    python -m benchmarks.browser_scenes --db PATH --out FILE.pickle   (prints a JSON summary: charts per page)

Each page's view as the navigation benchmark reaches it (scene A: one session going round the sidebar's menu from
the overview, so that each page shows what the pages before left in its URL, as in the browser: the Collection
round the year the map chose), and for the actions the benchmark times on a page, the view after the action
(scene B, from a fresh session, as the action starts from the page opened by its address): the overview with its
events toggle switched, the city profile with another city, presentation mode at its second slide (and every
slide of the deck in order, which the floor steps through as ours does). The widget the action uses keeps its own
key in the floor, so that the browser finds it the same way in both apps (the Next button also its arrow key).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

from benchmarks import floor, pages
from benchmarks.browser import MENU
from benchmarks.floor import Step
from ui.nav import PAGES

# page -> (the element the action uses, its key): the actions browser_actions.py times
FLIPPED = {"overview": ("toggle", "events"), "city": ("selectbox", "city"), "present": ("button", "present_next")}


def _walk(steps: list[Step]) -> Iterator[Step]:
    for step in steps:
        yield step
        for inner in step.children or ():
            yield from _walk(inner)


def charts(steps: list[Step]) -> int:
    """How many Plotly charts the steps draw."""
    return sum(step.function == "plotly_chart" for step in _walk(steps))


def _keyed(steps: list[Step], function: str, label: str, key: str) -> Step:
    """The element the action uses, given its own key (and the Next button its arrow key)."""
    step = next(s for s in _walk(steps) if s.function == function and s.args[:1] == (label,))
    step.kwargs["key"] = key
    if function == "button":
        step.kwargs["shortcut"] = "Right"
    return step


def walked() -> dict[str, list[Step]]:
    """Every page of the sidebar's menu as one session reaches it, clicking round it from the overview."""
    at = pages._app(MENU[-1].url)
    pages._timed_run(at)
    drawn = {}
    for page in MENU:
        at.switch_page(page.path)
        pages._timed_run(at)
        drawn[page.url] = floor.capture(at)
    return drawn


def capture(page: str, reached: list[Step] | None = None) -> dict:
    """Scene A of the page (as the menu reached it, where it is in the menu), and where an action is timed on it,
    scene B and the key and value that show it (one widget in both scenes, as A draws it: the floor shows B while
    the widget holds B's value)."""
    if reached is not None and page not in FLIPPED:
        return {"A": reached}
    at = pages._app(page)
    pages._timed_run(at)
    scene: dict = {"A": reached or floor.capture(at)}
    if page not in FLIPPED:
        return scene
    function, key = FLIPPED[page]
    label = getattr(at, function)(key=key).label
    if page == "city":
        pages._prepare_city(at)
    pages.FLIPS[page](at, True)
    pages._timed_run(at)
    scene["B"] = floor.capture(at)
    a, b = _keyed(scene["A"], function, label, key), _keyed(scene["B"], function, label, key)
    scene["key"], scene["value"] = key, None
    if function == "selectbox":
        scene["value"], scene["value_a"] = b.args[1][b.kwargs["index"]], a.args[1][a.kwargs["index"]]
        b.kwargs["index"] = a.kwargs["index"]
    elif function == "toggle":
        scene["value"] = b.kwargs["value"]
        b.kwargs["value"] = a.kwargs["value"]
    else:  # the Next button: every slide of the deck, as the benchmark steps through them
        scene["slides"] = [scene["A"], scene["B"]]
        while not at.button(key=key).disabled:
            pages.FLIPS[page](at, True)
            pages._timed_run(at)
            scene["slides"].append(floor.capture(at))
            _keyed(scene["slides"][-1], function, label, key)
    return scene


def main(argv=None) -> int:
    """Capture every page and write them for the floor app; print each page's chart counts and actions' values."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    os.environ["PILOT_DB"] = args.db
    os.environ.pop("PILOT_BACKUP_HOURS", None)
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # AppTest outside a server warns on every run
    reached = walked()
    scenes = {page.url: capture(page.url, reached.get(page.url)) for page in PAGES}
    Path(args.out).write_bytes(pickle.dumps(scenes))
    summary = {url: {"charts": charts(s["A"]), **({"charts_b": charts(s["B"]), "value": s["value"],
                                                   "value_a": s.get("value_a")} if "B" in s else {})}
               for url, s in scenes.items()}  # fmt: skip
    print(json.dumps(summary, default=str))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())

"""What an officer feels in the browser: a sidebar click, a widget, the city picker and presentation mode's next
slide, timed in Chromium on the dashboard served as `make run` serves it, each beside the floor app doing the same
(benchmarks/browser_floor_app.py: the same pages' elements, precomputed) in the same run; and the first visit where
everyone signs in.

An action is done when the page has settled: Streamlit's run over (no status widget, nothing stale), the page's
own number of charts drawn (the element the page ends with where it has none), a chart changed where the action
changes one, and all of that still so a moment later (the time is when it first was).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.browser import DRAWN, FIRST_CHART, MENU, ROOT, Server, chromium, launch
from ui.nav import DEFAULT

FLOOR_APP = "benchmarks/browser_floor_app.py"
STILL = 0.4  # seconds a settled page must stay so
WATCH = 0.02  # seconds between looks while it must stay still
TIMEOUT = 120_000  # ms
SIGN_IN = ("bench", "bench password 2026")  # the account the sign-in timing uses (in a copy of the database)

SETTLED = """([charts, selector, path, before]) => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return null;
  if (document.querySelector('[data-testid="stElementContainer"][data-stale="true"]')) return null;
  if (path !== null && location.pathname.replace(/\\/$/, '') !== path) return null;
  if (selector && !document.querySelector(selector)) return null;
  const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg'));
  if (plots.length !== charts) return null;
  const seen = plots.map(p => p.textContent).join('|') + '#'
    + document.querySelectorAll('[data-testid="stElementContainer"]').length;
  return seen === before ? null : seen;
}"""


def settled(
    page, charts: int, selector: str | None = None, path: str | None = None, before: str | None = None
) -> tuple[float, str]:
    """Wait until the page has settled (see the module's docstring); when it first showed what it then kept showing
    for STILL seconds, and what that was. TimeoutError if it has not within TIMEOUT.

    Watched every WATCH seconds while it must stay still, so that a page drawn in two steps (part of it, a pause
    while the script works, the rest) is timed from the rest drawn, not from when a later look noticed it."""
    deadline = time.perf_counter() + TIMEOUT / 1000
    shown, when = _settling(page, charts, selector, path, before), time.perf_counter()
    while time.perf_counter() < deadline:
        now = page.evaluate(SETTLED, [charts, selector, path, None])
        if now != shown:  # it changed: settled anew (from now), or not settled yet
            shown = now if now is not None and now != before else _settling(page, charts, selector, path, before)
            when = time.perf_counter()
        elif time.perf_counter() - when >= STILL:
            return when, shown
        page.wait_for_timeout(WATCH * 1000)
    raise TimeoutError(f"{page.url} did not settle with {charts} charts drawn")


def _settling(page, charts: int, selector: str | None, path: str | None, before: str | None) -> str:
    """Wait until the page looks settled (in a state other than `before`); what it shows."""
    return page.wait_for_function(SETTLED, arg=[charts, selector, path, before], polling="raf",
                                  timeout=TIMEOUT).json_value()  # fmt: skip


def _path(url: str) -> str:
    return "" if url == DEFAULT else f"/{url}"


def _open(page, base: str, url: str, charts: int) -> str:
    page.goto(f"{base}{_path(url)}")
    return settled(page, charts, DRAWN[url], _path(url))[1]


def navigation(page, base: str, scenes: dict) -> dict[str, tuple[float, int]]:
    """Seconds from a click on each page's link in the sidebar to that page drawn, round the menu from the overview,
    and how many elements it then showed (the floor's page must show as many)."""
    _open(page, base, DEFAULT, scenes[DEFAULT]["charts"])
    times = {}
    for target in MENU:
        link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=target.title("zh"), exact=True)
        start = time.perf_counter()
        link.click()
        when, shown = settled(page, scenes[target.url]["charts"], DRAWN[target.url], _path(target.url))
        times[target.url] = (when - start, int(shown.rpartition("#")[2]))
    return times


def events_toggle(page, base: str, scenes: dict, steps: int) -> list[float]:
    """Seconds from a click on the overview's events toggle to its charts redrawn, on and off."""
    charts = scenes[DEFAULT]["charts"]
    shown = _open(page, base, DEFAULT, charts)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        page.locator(".st-key-events label").first.click()
        done, shown = settled(page, charts, before=shown)
        times.append(done - start)
    return times


def city_picker(page, base: str, scenes: dict, steps: int) -> list[float]:
    """Seconds from choosing another city (a click on its name in the picker's list) to its profile's charts drawn."""
    city = scenes["city"]
    shown = _open(page, base, "city", city["charts"])
    times = []
    for i in range(steps):
        name = city["value"] if i % 2 == 0 else city["value_a"]
        picker = page.locator(".st-key-city input[role='combobox']")
        picker.click()
        picker.fill(name)
        option = page.get_by_role("option", name=name, exact=True)
        option.wait_for(timeout=TIMEOUT)
        start = time.perf_counter()
        option.click()
        done, shown = settled(page, city["charts_b"], before=shown)
        times.append(done - start)
    return times


SLIDE_STEPS = 8  # from the standard deck's first slide to its last


def next_slide(page, base: str, scenes: dict, steps: int) -> list[float]:
    """Seconds from the Right arrow key in presentation mode to the next slide's chart drawn."""
    shown = _open(page, base, "present", scenes["present"]["charts"])
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        page.keyboard.press("ArrowRight")
        done, shown = settled(page, scenes["present"]["charts_b"], before=shown)
        times.append(done - start)
    return times


def first_visit(browser, base: str, charts: int) -> tuple[float, float]:
    """A first visit to the overview, in a new browser context: seconds to its first chart drawn, and to the page
    settled with all of them."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(base)
        page.wait_for_selector(DRAWN[DEFAULT], timeout=TIMEOUT)
        first = time.perf_counter() - start
        return first, settled(page, charts, DRAWN[DEFAULT], "")[0] - start
    finally:
        context.close()


def sign_in_visit(browser, base: str, charts: int) -> tuple[float, float]:
    """A first visit where everyone signs in: seconds to the sign-in form drawn, and from submitting it to the
    overview's charts drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(base)
        form = settled(page, 0, ".st-key-sign_in_password input")[0] - start
        page.locator(".st-key-sign_in_name input").fill(SIGN_IN[0])
        page.locator(".st-key-sign_in_password input").fill(SIGN_IN[1])
        start = time.perf_counter()
        page.locator(".st-key-sign_in_password input").press("Enter")
        return form, settled(page, charts, DRAWN[DEFAULT], "")[0] - start
    finally:
        context.close()


def capture_scenes(db_path: Path, out: Path) -> dict:
    """Every page captured at this database's scale for the floor app (in a process of its own); their summary."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.browser_scenes", "--db", str(db_path), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"capturing the pages failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def with_account(db_path: Path, folder: Path) -> Path:
    """A copy of the database with an account, so that everyone signs in."""
    copy = folder / f"accounts-{db_path.name}"
    copy.write_bytes(db_path.read_bytes())
    add = ["user", "add", SIGN_IN[0], "--role", "admin", "--password-stdin", "--db", str(copy)]
    subprocess.run([sys.executable, "-m", "metrics", *add], cwd=ROOT, input=SIGN_IN[1], text=True, check=True,
                   capture_output=True)  # fmt: skip
    return copy


def _entry(action: str, scale: int, ours: list[float], floor: list[float]) -> dict:
    return {"action": action, "scale": scale, "s": statistics.median(ours), "floor_s": statistics.median(floor)}


def measure(databases: dict[int, Path], repeats: int, folder: Path, say: Callable[[str], None] = print) -> list[dict]:
    """Every action at every scale, ours beside the floor's, medians of `repeats` (interleaved, so that a noisy
    moment touches both alike): the `browser` entries of the benchmark's JSON."""
    entries: list[dict] = []
    with chromium() as browser:
        for scale, path in databases.items():
            say(f"browser actions at scale {scale}")
            pickle = folder / f"scenes-{scale}.pickle"
            scenes = capture_scenes(path, pickle)
            entries += _actions(browser, scale, path, pickle, scenes, repeats)
            say(f"browser first visits at scale {scale}")
            entries += _first_visits(browser, scale, path, pickle, scenes, repeats)
            say(f"browser sign-in at scale {scale}")
            entries += _sign_in(browser, scale, with_account(path, folder), pickle, scenes, repeats)
    return entries


def _servers(path: Path, pickle: Path, sign_in: bool = False) -> tuple[Server, Server]:
    """Ours, as `make run` starts it, and the floor app, both starting."""
    env = {"PILOT_FLOOR_SCENES": str(pickle), **({"PILOT_FLOOR_SIGN_IN": "1"} if sign_in else {})}
    return launch(path), launch(path, env, warm=False, app=FLOOR_APP)


def _actions(browser, scale: int, path: Path, pickle: Path, scenes: dict, repeats: int) -> list[dict]:
    servers = _servers(path, pickle)
    times: dict[str, tuple[list[float], list[float]]] = {}
    elements: dict[str, tuple[set[int], set[int]]] = {}  # navigate to a page -> how many elements it showed

    def timed(action: str, side: int, seconds: list[float]) -> None:
        times.setdefault(action, ([], []))[side].extend(seconds)

    try:
        for server in servers:
            server.wait_until_up()
        pages = [browser.new_context(viewport={"width": 1280, "height": 720}).new_page() for _ in servers]
        for page, server in zip(pages, servers, strict=True):  # every page once first, as after a first visit
            navigation(page, server.url, scenes)
        for round_ in range(repeats):
            for side in (0, 1) if round_ % 2 == 0 else (1, 0):  # ours first, then the floor first
                page, base = pages[side], servers[side].url
                for url, (seconds, shown) in navigation(page, base, scenes).items():
                    timed(f"navigate to {url}", side, [seconds])
                    elements.setdefault(f"navigate to {url}", (set(), set()))[side].add(shown)
                timed("overview events toggle", side, events_toggle(page, base, scenes, 2))
                timed("city picker", side, city_picker(page, base, scenes, 2))
                # Each round through the standard deck's 9 slides (2 steps when only the harness is checked): a step
                # takes 50-100 ms either side, so a median of a few steps said more about the moment than the code.
                timed("present next slide", side, next_slide(page, base, scenes, SLIDE_STEPS if repeats > 1 else 2))
    finally:
        for server in servers:
            server.stop()
    return [{**_entry(action, scale, *pair), **_shown(elements.get(action))} for action, pair in times.items()]


def _shown(elements: tuple[set[int], set[int]] | None) -> dict:
    """How many elements a navigation's page showed, every count seen, in ours and in the floor: the floor stands
    for the page only where they are the same."""
    if elements is None:
        return {}
    return {"elements": sorted(elements[0]), "floor_elements": sorted(elements[1])}


def _first_visits(browser, scale: int, path: Path, pickle: Path, scenes: dict, repeats: int) -> list[dict]:
    """The overview's first visit on fresh servers (ours as `make run` starts it, warmed up; the floor with its
    script compiled by a visit before), each repeat on servers of its own."""
    firsts: tuple[list[float], list[float]] = ([], [])
    drawn: tuple[list[float], list[float]] = ([], [])
    charts = scenes[DEFAULT]["charts"]
    for _ in range(repeats):
        servers = _servers(path, pickle)
        try:
            for server in servers:
                server.wait_until_up()
            first_visit(browser, servers[1].url, charts)  # the floor's script compiled, as ours by its warm-up
            for side, server in enumerate(servers):
                first, settled_at = first_visit(browser, server.url, charts)
                firsts[side].append(first)
                drawn[side].append(settled_at)
        finally:
            for server in servers:
                server.stop()
    return [_entry(FIRST_CHART, scale, *firsts), _entry("every chart drawn, first visit", scale, *drawn)]


def _sign_in(browser, scale: int, path: Path, pickle: Path, scenes: dict, repeats: int) -> list[dict]:
    forms: tuple[list[float], list[float]] = ([], [])
    charts: tuple[list[float], list[float]] = ([], [])
    for _ in range(max(1, repeats // 2)):
        servers = _servers(path, pickle, sign_in=True)
        try:
            for server in servers:
                server.wait_until_up()
            sign_in_visit(browser, servers[1].url, scenes[DEFAULT]["charts"])  # the floor's script compiled, as ours
            for side, server in enumerate(servers):
                form, chart = sign_in_visit(browser, server.url, scenes[DEFAULT]["charts"])
                forms[side].append(form)
                charts[side].append(chart)
        finally:
            for server in servers:
                server.stop()
    return [_entry("sign-in form, first visit (accounts)", scale, *forms),
            _entry("first chart after signing in (accounts)", scale, *charts)]  # fmt: skip

"""Nothing clipped or overlapping: every page in Chromium, at 1280x720 and 1920x1080, in Chinese and in English.

A text element fails when its text does not fit its box (its scroll size beyond its client size where it clips, or
its text running past a box that clips it); a chart fails when two of its labels (ticks, annotations, legend texts,
titles) overlap; a data grid (drawn on a canvas) fails when it is wider than the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_sample
from test_browser import _wait_until_drawn

from benchmarks.browser import CHROMIUM, DRAWN, streamlit_server
from metrics.domain.i18n import LANGS
from ui.nav import DEFAULT, PAGES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (see .ci/run)"),
]
SIZES = ((1280, 720), (1920, 1080))
TWELVE = ("210100", "320100", "330100", "340100", "370200", "410100", "420100", "430100", "510100", "610100",
          "230100", "320500")  # fmt: skip
# What a page shows beyond its defaults, as an officer would ask for it: the Compare picker at its fullest.
QUERIES = {"compare": "&cities=" + ",".join(TWELVE)}

TEXTS = ", ".join(
    [
        "h1", "h2", "h3", "h4", "h5", "h6",
        "[data-testid='stCaptionContainer']", "[data-testid='stMarkdownContainer'] p",
        "[data-testid='stMarkdownContainer'] li",
        "[data-testid='stMetricLabel']", "[data-testid='stMetricValue']", "[data-testid='stMetricDelta']",
        "button", "[data-testid='stTable'] th", "[data-testid='stTable'] td",
        "[data-testid='stSelectbox'] input", "[data-testid='stMultiSelectTagsContainer']",
        "[data-testid='stMultiSelectTagsContainer'] [data-tag] > span", "[role='tab']", "[data-testid='stWidgetLabel']",
    ]
)  # fmt: skip

# For each visible text element: whether its text fits. An element that clips (overflow other than visible) must
# not scroll (scrollWidth over clientWidth, or scrollHeight over clientHeight); its text, wherever it runs, must
# stay inside every ancestor that clips.
OVERFLOWS = """(selector) => {
  const found = [];
  const clips = (s, axis) => (axis === 'x' ? s.overflowX : s.overflowY) !== 'visible';
  const cuts = (s, axis) => ['hidden', 'clip'].includes(axis === 'x' ? s.overflowX : s.overflowY);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  };
  for (const el of document.querySelectorAll(selector)) {
    const text = (el.tagName === 'INPUT' ? el.value : el.innerText || '').trim();
    if (!text || !shown(el)) continue;
    const s = getComputedStyle(el);
    const sizes = `${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`;
    if (clips(s, 'x') && el.scrollWidth > el.clientWidth + 1) { found.push(['scrolls across', text, sizes]); continue; }
    if (clips(s, 'y') && el.scrollHeight > el.clientHeight + 1) { found.push(['scrolls down', text, sizes]); continue; }
    const range = document.createRange();
    range.selectNodeContents(el);
    const r = range.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const u = getComputedStyle(up);
      const box = up.getBoundingClientRect();
      const outX = r.left < box.left - 1 || r.right > box.right + 1;
      const outY = r.top < box.top - 1 || r.bottom > box.bottom + 1;
      const where = (up.dataset.testid || up.tagName.toLowerCase());
      const size = `${Math.round(r.width)}x${Math.round(r.height)} in `
        + `${Math.round(box.width)}x${Math.round(box.height)}`;
      if ((cuts(u, 'x') && outX) || (cuts(u, 'y') && outY)) { found.push(['cut by ' + where, text, size]); break; }
      if (clips(u, 'x') || clips(u, 'y')) {  // a scrolling box: what is below it is a scroll away, what is beside it
        if (clips(u, 'x') && outX && up.scrollWidth > up.clientWidth + 1)
          found.push(['scrolled out of ' + where, text, size]);
        break;  // hidden from view only if the box itself scrolls out of sight, which is not the text's fault
      }
    }
  }
  return found;
}"""

# In each Plotly chart, pairs of visible labels whose boxes overlap by more than two pixels both ways (a text
# beside another in its own group, the lines of one title, are one label).
OVERLAPS = """() => {
  const found = [];
  document.querySelectorAll('.js-plotly-plot').forEach((plot, n) => {
    const labels = [...plot.querySelectorAll('.main-svg text')].filter((t) => {
      if (!t.textContent.trim() || t.closest('.hoverlayer, .modebar')) return false;
      const r = t.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && t.checkVisibility({opacityProperty: true, visibilityProperty: true})
        && getComputedStyle(t).opacity !== '0';
    }).map((t) => [t, t.getBoundingClientRect()]);
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
      const [a, ra] = labels[i], [b, rb] = labels[j];
      if (a.parentNode === b.parentNode || a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2)
        found.push([n, a.textContent.trim(), b.textContent.trim(), `${Math.round(w)}x${Math.round(h)}`]);
    }
  });
  return found;
}"""

# A data grid draws on a canvas: it must not be wider than the main column that holds it.
GRIDS = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const found = [];
  for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    const r = grid.getBoundingClientRect();
    if (!r.width) continue;
    const head = [...grid.querySelectorAll('table th')].map((th) => th.innerText).join(' | ').slice(0, 120);
    if (r.right > main.right + 1 || r.left < main.left - 1) found.push(['wider than the page', head]);
  }
  return found;
}"""

# Cards side by side (bordered boxes whose heights overlap) share their top and bottom; metric values side by side
# share their top.
ALIGNED = """() => {
  const found = [];
  const boxes = (selector, test) => [...document.querySelectorAll(selector)].filter(test)
    .map((e) => [e, e.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
  const check = (items, what, edges) => {
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
      const [a, ra] = items[i], [b, rb] = items[j];
      if (a.contains(b) || b.contains(a)) continue;
      const beside = ra.right <= rb.left + 1 || rb.right <= ra.left + 1;
      const level = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 0;
      const off = edges.filter((k) => Math.abs(ra[k] - rb[k]) > 1);
      if (beside && level && off.length)
        found.push(`${what} not level (${off.join(', ')}): `
          + `${a.innerText.split('\\n')[0]} and ${b.innerText.split('\\n')[0]}`);
    }
  };
  check(boxes('[data-testid="stVerticalBlock"], [data-testid="stMetric"]',
              (e) => parseFloat(getComputedStyle(e).borderTopWidth) > 0), 'cards', ['top', 'bottom']);
  check(boxes('[data-testid="stMetricValue"]', () => true), 'metric values', ['top']);
  return found;
}"""


def problems(page) -> list[str]:
    """What is clipped or overlapping on the page as drawn, each in a line."""
    said = [f"text {how}: {text!r} ({sizes})" for how, text, sizes in page.evaluate(OVERFLOWS, TEXTS)]
    said += [f"chart {n} labels overlap: {a!r} and {b!r} ({size})" for n, a, b, size in page.evaluate(OVERLAPS)]
    said += [f"data grid {how}: {head}" for how, head in page.evaluate(GRIDS)]
    said += page.evaluate(ALIGNED)
    return said


def officers_state(path: Path) -> None:
    """The sample as an officer meets it mid-year: a release and a correction after it (the What changed page has
    its tables), and next year's round opened with a due date passed (the tracker full of late pilots)."""
    from conftest import EDITOR, SAMPLE_END_YEAR

    from metrics.domain import registry
    from metrics.ingest import forms, uploads
    from metrics.store import releases
    from metrics.store.database import open_database
    from metrics.store.rounds import Round

    database = open_database(path)
    try:
        releases.publish(database, f"{SAMPLE_END_YEAR}年度数据（第1版）", "3 月会议", EDITOR)
        uploads.load(database, f"city,year,agreements\n330100,{SAMPLE_END_YEAR},1990\n".encode(), "fix.csv", EDITOR)
        indicators = tuple(i.key for i in registry.BASE_INDICATORS)
        forms.open_round(database, Round(SAMPLE_END_YEAR + 1, indicators, dt.date(SAMPLE_END_YEAR + 1, 1, 31)), EDITOR)
    finally:
        database.close()


@pytest.fixture(scope="module")
def url(sample_file, tmp_path_factory) -> Iterator[str]:
    """One server for every page, size and language (the sample without accounts: every page is open)."""
    path = copy_sample(sample_file, tmp_path_factory.mktemp("overflow") / "sample.duckdb")
    officers_state(path)
    with streamlit_server(path) as address:
        yield address


def page_problems(browser, url: str, nav_page, lang: str, seen=None) -> Iterator[str]:
    """What is clipped or overlapping on one page in one language, at each size: opened once and then resized (the
    layout follows the window), except presentation mode, whose link names the screen it is for."""
    path = "" if nav_page.url == DEFAULT else nav_page.url
    page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    try:
        for k, (width, height) in enumerate(SIZES):
            page.set_viewport_size({"width": width, "height": height})
            if k == 0 or nav_page.url == "present":
                screen = f"&screen={height}" if nav_page.url == "present" else ""  # each size its own layout
                page.goto(f"{url}/{path}?lang={lang}{screen}{QUERIES.get(nav_page.url, '')}")
                _wait_until_drawn(page, DRAWN[nav_page.url], sidebar=nav_page.listed)
            page.wait_for_timeout(400)  # Plotly lays its labels out again a moment after a draw or a resize
            yield from (f"{nav_page.url} {width}x{height} {lang}: {p}" for p in problems(page))
            if seen:
                seen(page, width, height)
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_is_clipped_or_overlapping(browser, url, lang):
    found = [said for nav_page in PAGES for said in page_problems(browser, url, nav_page, lang)]
    assert not found, "\n".join(found)

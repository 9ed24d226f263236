"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a real Streamlit server.

Shared by the browser tests (tests/test_browser.py) and the benchmark's time to first chart.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHART = ".js-plotly-plot .main-svg"  # a Plotly chart has drawn
_LISTED = [page for page in PAGES if page.listed]
# the sidebar's pages in the order the navigation benchmark clicks them, from the overview round to it again
MENU = [*_LISTED[1:], _LISTED[0]]
FIRST_CHART = "first chart, first visit"  # the browser benchmark's action its first-chart target is of
# What shows that each page (by its url in ui.nav.PAGES) has drawn: a chart where it has one.
DRAWN = {
    "overview": CHART,
    "city": CHART,
    "compare": CHART,
    "map": CHART,
    "assessment": CHART,
    "completeness": CHART,
    "round": '[data-testid="stDataFrame"]',
    "changes": '[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"]',
    "deck": '[data-testid="stButton"]',
    "upload": '[data-testid="stFileUploader"]',
    "admin": '[data-testid="stExpander"]',
    "about": '[data-testid="stTable"]',
    "present": CHART,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A dashboard server process, started by `launch`."""

    process: subprocess.Popen
    url: str

    def wait_until_up(self, timeout: float = 60) -> None:
        """Block until the server answers its health check; RuntimeError (with its output) if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {self.process.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Kill it: nothing needs its graceful shutdown, which takes a second or two."""
        self.process.kill()
        self.process.wait()


def launch(
    db_path: Path | str,
    env: dict | None = None,
    *,
    warm: bool = True,
    app: str = "server.py",
    args: Sequence[str] = (),
) -> Server:
    """Start a fresh dashboard server on a free port, serving the database at db_path (without waiting for it). Warm,
    it is `python -m ui.serve`, as `make run` starts it (the overview run once before serving); else plain
    `streamlit run` of `app` (the dashboard as a server runs it, or a floor app), whose first visitor is its very
    first run. `args`
    are more of Streamlit's options."""
    port = _free_port()
    launcher = ["-m", "ui.serve"] if warm else ["-m", "streamlit", "run", app]
    process = subprocess.Popen(
        [sys.executable, *launcher, "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", *args],
        cwd=ROOT,
        env={**os.environ, "PILOT_DB": str(db_path), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    return Server(process, f"http://127.0.0.1:{port}")


@contextmanager
def streamlit_server(db_path: Path | str, env: dict | None = None, *, warm: bool = True) -> Iterator[str]:
    """A fresh dashboard server (see `launch`) serving the database at db_path; yields its URL once it is up."""
    server = launch(db_path, env, warm=warm)
    try:
        server.wait_until_up()
        yield server.url
    finally:
        server.stop()


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium under Playwright (it never downloads a browser of its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def first_chart_seconds(browser, url: str, viewport: tuple[int, int] = (1280, 720)) -> float:
    """Seconds from asking for the page to its first drawn Plotly chart, in a new browser context."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(CHART, timeout=60_000)
        return time.perf_counter() - start
    finally:
        context.close()

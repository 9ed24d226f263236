"""Many officers at once: N simulated officers against a real server, and the same load against a bare-Streamlit floor.

    .venv/bin/python benchmarks/load.py [--officers 1 10 25 50 100] [--json] [--save] [--no-editor]

Each officer is a real session of the app, driven over HTTP through Streamlit's agent API (started for the
benchmark with `--server.enableAgentApi true`; the shipped configuration keeps it off): all N arrive at once, as a
meeting does when the presenter shares the link, and each opens the overview, changes the years twice and opens
the city and compare pages. "open" is a page's first run in the session, "click" a rerun after a widget change,
each timed from the request to the finished page. Meanwhile an editor commits an upload through the Upload page
in Chromium every few seconds, so that officers' caches are invalidated as they would be in a real round.

The floor (benchmarks/load_floor_app.py) is bare Streamlit with the same shape (three pages of five metrics and
five Plotly charts, a years slider) under the same officers; the ratios are to it, in the same run, as absolute
times on these machines move twofold from day to day. Also reported: errors, and the server's resident memory per
session (its growth from before the officers arrived to after they had all opened the overview, over N).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser import CHART, CHROMIUM, Server, chromium, launch  # noqa: E402
from benchmarks.run import save_section  # noqa: E402

# The agent API on, for the benchmark only; room for every officer's session (Streamlit holds 100 by default).
AGENT = ["--server.enableAgentApi", "true", "--server.agentMaxSessions", "1000"]
FLOOR_APP = "benchmarks/load_floor_app.py"
YEAR_CHANGES = ([2016, 2025], [2018, 2025])  # the two clicks: the years slider, as an officer narrows the range
PAGES = ("city", "compare")  # opened after the overview


@dataclass
class Timings:
    """What the officers of one run saw."""

    open_s: list[float] = field(default_factory=list)
    click_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            (self.open_s if kind == "open" else self.click_s).append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def _interact(client: httpx.Client, url: str, body: dict) -> dict:
    """One request to the agent API, waited for until its run has finished; the snapshot."""
    response = client.post(f"{url}/_stcore/agent/interact", json=body, timeout=600)
    while response.status_code == 202:  # still running: ask again for the same session's result
        response = client.post(
            f"{url}/_stcore/agent/interact", json={"session_id": response.json()["session_id"]}, timeout=600
        )
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
    snapshot = response.json()
    if snapshot.get("status") != "ready":
        raise RuntimeError(f"run {snapshot.get('status')}: {json.dumps(snapshot)[:300]}")
    return snapshot


def officer(url: str, start: threading.Barrier, timings: Timings) -> None:
    """One officer's visit: open the overview, change the years twice, open the city and compare pages."""
    with httpx.Client() as client:
        start.wait()
        try:
            began = time.perf_counter()
            session = _interact(client, url, {})["session_id"]
            timings.add("open", time.perf_counter() - began)
            for years in YEAR_CHANGES:
                began = time.perf_counter()
                _interact(client, url, {"session_id": session, "widget_state": {"years": years}})
                timings.add("click", time.perf_counter() - began)
            for page in PAGES:
                began = time.perf_counter()
                _interact(client, url, {"session_id": session, "page": page})
                timings.add("open", time.perf_counter() - began)
        except Exception as exc:  # counted, not raised: the run goes on for the others
            timings.error(f"{type(exc).__name__}: {exc}"[:300])


def _rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


class Editor(threading.Thread):
    """An editor committing an upload through the Upload page in Chromium, again and again, until stopped; on the
    floor, which has no uploads, the same browser opens the page again and again instead (the same load on the
    machine, so that the ratio compares the servers alone)."""

    def __init__(self, url: str, folder: Path, commits: bool):
        super().__init__(name="editor", daemon=True)
        self.url, self.folder, self.commits = url, folder, commits
        self.stop = threading.Event()
        self.committed = 0
        self.failure: str | None = None

    def run(self) -> None:
        try:
            with chromium() as browser:
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                n = 0
                while not self.stop.is_set():
                    n += 1
                    if not self.commits:
                        page.goto(self.url, timeout=300_000)
                        page.wait_for_selector(CHART, timeout=300_000)
                        self.stop.wait(2)
                        continue
                    path = self.folder / f"round-{n}.csv"
                    path.write_text(f"城市,年份,签订合作协议（项）\n杭州市,2025,{300 + n}\n", encoding="utf-8")
                    page.goto(f"{self.url}/upload?lang=zh", timeout=300_000)  # under load, a page takes a while
                    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=300_000)
                    page.locator('input[type="file"]').set_input_files(str(path))
                    page.get_by_role("button", name="确认导入").click(timeout=300_000)
                    page.get_by_text("已导入，上传编号").wait_for(timeout=300_000)
                    self.committed += 1
                    self.stop.wait(2)
        except Exception as exc:  # reported with the figures
            self.failure = f"{type(exc).__name__}: {exc}"[:300]


@contextmanager
def _server(db_path: Path, floor: bool) -> Iterator[Server]:
    server = launch(db_path, warm=not floor, app=FLOOR_APP if floor else "dashboard.py", args=AGENT)
    try:
        server.wait_until_up(timeout=120)
        yield server
    finally:
        server.stop()


def run_load(db_path: Path, officers: int, floor: bool, editor: bool, work: Path) -> dict:
    """One run: a fresh server, `officers` at once (and the editor, on the dashboard); their figures."""
    with _server(db_path, floor) as server:
        with httpx.Client() as client:  # one visit first, so that neither server is measured cold
            _interact(client, server.url, {})
        before = _rss_mb(server.process.pid)
        timings = Timings()
        start = threading.Barrier(officers)
        threads = [threading.Thread(target=officer, args=(server.url, start, timings)) for _ in range(officers)]
        writer = Editor(server.url, work, commits=not floor) if editor else None
        if writer is not None:
            writer.start()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        after = _rss_mb(server.process.pid)
        if writer is not None:
            writer.stop.set()
            writer.join(timeout=120)
    return {
        "officers": officers,
        "app": "floor" if floor else "dashboard",
        "elapsed_s": elapsed,
        "open": _summary(timings.open_s),
        "click": _summary(timings.click_s),
        "errors": len(timings.errors),
        "first_errors": timings.errors[:3],
        "rss_mb_per_session": (after - before) / officers,
        "uploads_committed": writer.committed if writer is not None and not floor else None,
        "editor_failure": writer.failure if writer is not None else None,
    }


def _summary(values: list[float]) -> dict:
    if not values:
        return {"p50": math.nan, "p95": math.nan, "max": math.nan, "n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def report(runs: list[dict]) -> str:
    """The load table: each N with the dashboard's figures, the floor's, and the ratios of P95s."""
    lines = [
        "| officers | open P50 / P95 / max | click P50 / P95 / max | floor open P50 / P95 | floor click P50 / P95 "
        "| P95 ratio open / click | errors | MB per session | uploads |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    by = {(r["officers"], r["app"]): r for r in runs}
    for n in sorted({r["officers"] for r in runs}):
        ours, floor = by[(n, "dashboard")], by.get((n, "floor"))
        o, c = ours["open"], ours["click"]
        row = [str(n), f"{o['p50']:.2f} / {o['p95']:.2f} / {o['max']:.2f} s",
               f"{c['p50']:.2f} / {c['p95']:.2f} / {c['max']:.2f} s"]  # fmt: skip
        if floor is not None:
            fo, fc = floor["open"], floor["click"]
            row += [f"{fo['p50']:.2f} / {fo['p95']:.2f} s", f"{fc['p50']:.2f} / {fc['p95']:.2f} s",
                    f"{o['p95'] / fo['p95']:.1f}x / {c['p95'] / fc['p95']:.1f}x"]  # fmt: skip
        else:
            row += ["", "", ""]
        errors = ours["errors"] + (floor["errors"] if floor else 0)
        row += [str(errors), f"{ours['rss_mb_per_session']:.1f}", str(ours["uploads_committed"] or 0)]
        lines.append("| " + " | ".join(row) + " |")
    failures = [f"- {r['app']} at {r['officers']}: {e}" for r in runs for e in r["first_errors"]]
    failures += [f"- editor at {r['officers']}: {r['editor_failure']}" for r in runs if r.get("editor_failure")]
    return "\n".join(lines + (["", "Errors:", *failures] if failures else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, nargs="+", default=[1, 10, 25, 50, 100])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--no-editor", action="store_true", help="no upload commits during the load")
    parser.add_argument("--scale", type=int, default=1, help="the sample's scale (`init --scale`)")
    parser.add_argument("--save", action="store_true", help="also write the table into docs/performance.md")
    args = parser.parse_args(argv)
    editor = not args.no_editor and Path(CHROMIUM).exists()
    runs = []
    with tempfile.TemporaryDirectory(prefix="pilot-load-") as tmp:
        work = Path(tmp)
        db = work / "pilot.duckdb"
        subprocess.run([sys.executable, "-m", "metrics", "init", "--db", str(db), "--scale", str(args.scale)],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        for n in args.officers:
            for floor in (False, True):
                copy = work / f"run-{n}-{'floor' if floor else 'app'}.duckdb"
                shutil.copyfile(db, copy)
                print(f"[load] {n} officers, {'floor' if floor else 'dashboard'}", file=sys.stderr, flush=True)
                runs.append(run_load(copy, n, floor, editor, work))
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "scale": args.scale,
              "editor": editor, "runs": runs}  # fmt: skip
    print(json.dumps(result, indent=2) if args.json else report(runs))
    if args.save:
        save_section("load", report(runs), result, ROOT / "docs" / "load.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Officers' sessions driven over HTTP through Streamlit's agent API, for the load benchmarks (load.py and its sign-in
flood, sign_in_flood.py): the servers they meet, the requests, and what they saw."""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.browser import Server, launch

# The agent API on, for the benchmark only; room for every officer's session (Streamlit holds 100 by default).
AGENT = ["--server.enableAgentApi", "true", "--server.agentMaxSessions", "1000"]
FLOOR_APP = "benchmarks/load_floor_app.py"
YEAR_CHANGES = ([2016, 2025], [2018, 2025])  # the two clicks: the years slider, as an officer narrows the range


@dataclass
class Timings:
    """What the officers of one run saw."""

    open_s: list[float] = field(default_factory=list)
    click_s: list[float] = field(default_factory=list)
    page_s: list[float] = field(default_factory=list)  # a page changed to (the flood runs)
    sign_in_s: list[float] = field(default_factory=list)  # the sign-in form submitted (the flood runs)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, f"{kind}_s").append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def interact(client: httpx.Client, url: str, body: dict) -> dict:
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


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def all_at_once(threads: list[threading.Thread]) -> float:
    """Start the threads together and wait for them all; the seconds that took."""
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


@contextmanager
def dashboard_servers(db: str, floor: bool, processes: int, files: Path) -> Iterator[list[Server]]:
    """`processes` fresh servers of the dashboard (or the floor) over the same database, each on its own port, a
    PostgreSQL database's raw files in `files` (not in the project's data/)."""
    app, env = FLOOR_APP if floor else "server.py", {"PILOT_FILES": str(files)}
    servers = [launch(db, env, warm=not floor, app=app, args=AGENT) for _ in range(processes)]
    try:
        for server in servers:
            server.wait_until_up(timeout=180)
        yield servers
    finally:
        for server in servers:
            server.stop()


def summary(values: list[float]) -> dict:
    """P50, P95, max and count of some timings."""
    if not values:
        return {"p50": math.nan, "p95": math.nan, "max": math.nan, "n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}

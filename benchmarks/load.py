"""Many officers at once: N simulated officers against a real server, and the same load against a bare-Streamlit floor.

    .venv/bin/python benchmarks/load.py [--officers 1 10 25 50 100] [--engine duckdb|postgres] [--processes 1 2]
                                        [--repeats 3] [--json] [--save] [--no-editor]

Each officer is a real session of the app, driven over HTTP through Streamlit's agent API (started for the
benchmark with `--server.enableAgentApi true`; the shipped configuration keeps it off): all N arrive at once, as a
meeting does when the presenter shares the link, and each opens the overview, changes the years twice and opens
the city and compare pages. "open" is a page's first run in the session, "click" a rerun after a widget change,
each timed from the request to the finished page. Meanwhile an editor commits an upload through the Upload page
in Chromium every few seconds, as in a real round: each one pilot's form of the year being collected (the year
after the sample's last), every indicator, a different pilot each time; the officers' pages show the complete
years, which such a file leaves as they were.

The floor (benchmarks/load_floor_app.py) is bare Streamlit with the same shape (three pages of five metrics and
five Plotly charts, a years slider) under the same officers; the ratios are to it, in the same run, as absolute
times on these machines move twofold from day to day. Each load runs --repeats times, the dashboard and the floor
taking turns, and the percentiles are over all of their timings together (one run's P95 is its eighth slowest
page of 150, which one upload landing at a bad moment moves by half). Also reported: errors, the servers'
resident memory per session (their growth from before the officers arrived to after they had all finished, over
N), and uploads lost (committed by the editor but not in the database afterwards).

With --processes 2 the dashboard (and the floor) run as two server processes over the same data, officers shared
between them as a load balancer with sticky sessions would; that needs --engine postgres (a DuckDB file is held
by one process). The PostgreSQL server is $PILOT_TEST_PG's, else one tools/postgres.sh starts.

    .venv/bin/python benchmarks/load.py --sign-in-flood 12 24 [--signed-in 20] [--rounds 2] [--repeats 3]

measures instead whether a flood of wrong passwords slows the officers who are signed in. The database has
accounts (an admin, and a viewer for each officer), so every session signs in first, through the sign-in form as a
browser's user does (the agent API fills its fields and fires its submit button). Each run: the officers sign in
at once and go round the city, compare and overview pages --rounds times, changing the years twice on each page,
while K attackers, each in a session of its own, submit wrong passwords for the admin as fast as the server
answers (from a second before the officers arrive until they have all finished); once with no attackers, once
with each K, taking turns. The passwords are hashed at argon2's real cost ($PILOT_ARGON2_PROFILE is ignored), so
the checks the flood does get through cost what they cost in production. The floor is the load floor with a
sign-in form that checks nothing (FLOOD_SIGN_IN), under the same officers and attackers; the figures
that matter are each one's times with the flood over its times without. No editor uploads during these runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pg_server  # noqa: E402
from benchmarks.agent_sessions import (  # noqa: E402
    YEAR_CHANGES,
    Timings,
    all_at_once,
    dashboard_servers,
    interact,
    rss_mb,
    summary,
)
from benchmarks.browser import CHART, CHROMIUM, chromium  # noqa: E402
from benchmarks.process_scaling import scaling, scaling_report  # noqa: E402
from benchmarks.run import save_section  # noqa: E402
from benchmarks.sign_in_flood import add_accounts, combine_flood, flood_report, run_flood  # noqa: E402
from metrics.domain import registry  # noqa: E402

PAGES = ("city", "compare")  # opened after the overview


def officer(url: str, start: threading.Barrier, timings: Timings) -> None:
    """One officer's visit: open the overview, change the years twice, open the city and compare pages."""
    with httpx.Client() as client:
        start.wait()
        try:
            began = time.perf_counter()
            session = interact(client, url, {})["session_id"]
            timings.add("open", time.perf_counter() - began)
            for years in YEAR_CHANGES:
                began = time.perf_counter()
                interact(client, url, {"session_id": session, "widget_state": {"years": years}})
                timings.add("click", time.perf_counter() - began)
            for page in PAGES:
                began = time.perf_counter()
                interact(client, url, {"session_id": session, "page": page})
                timings.add("open", time.perf_counter() - began)
        except Exception as exc:  # counted, not raised: the run goes on for the others
            timings.error(f"{type(exc).__name__}: {exc}"[:300])


class Editor(threading.Thread):
    """An editor committing an upload through the Upload page in Chromium, again and again, until stopped; on the
    floor, which has no uploads, the same browser opens the page again and again instead (the same load on the
    machine, so that the ratio compares the servers alone)."""

    def __init__(self, url: str, folder: Path, commits: bool, forms: RoundForms | None = None):
        super().__init__(name="editor", daemon=True)
        self.url, self.folder, self.commits, self.forms = url, folder, commits, forms
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
                    assert self.forms is not None, "an editor who commits has forms to load"
                    path = self.folder / f"round-{n}.csv"
                    path.write_text(self.forms.form(n), encoding="utf-8")
                    page.goto(f"{self.url}/upload?lang=zh", timeout=300_000)  # under load, a page takes a while
                    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=300_000)
                    page.locator('input[type="file"]').set_input_files(str(path))
                    page.get_by_role("button", name="确认导入").click(timeout=300_000)
                    page.get_by_text("已导入，上传编号").wait_for(timeout=300_000)
                    self.committed += 1
                    self.stop.wait(2)
        except Exception as exc:  # reported with the figures
            self.failure = f"{type(exc).__name__}: {exc}"[:300]


@dataclass(frozen=True)
class RoundForms:
    """The pilots' forms of the year being collected, as they come back to the editor: one pilot's every figure,
    a little above its year before (a file that reads as real, not one that trips every check)."""

    year: int
    pilots: tuple[
        tuple[str, tuple], ...
    ]  # each pilot designated by then: its Chinese name, its figures the year before

    def form(self, n: int) -> str:
        """The n-th form that comes back (a different pilot each time, round and round), as CSV."""
        name, before = self.pilots[(n - 1) % len(self.pilots)]
        grown = 1.04 + n % 5 / 100
        values = [
            _figure(v, grown, i.sql_type == "INTEGER") for i, v in zip(registry.BASE_INDICATORS, before, strict=True)
        ]
        headers = ",".join(i.header_zh for i in registry.BASE_INDICATORS)
        return f"城市,年份,{headers}\n{name},{self.year},{','.join(values)}\n"


def _figure(before: object, grown: float, integer: bool) -> str:
    if before is None or pd.isna(before):
        return ""  # not reported this year either
    value = float(before) * grown  # type: ignore[arg-type]
    return str(round(value)) if integer else f"{value:.2f}"


def round_forms(db: str) -> RoundForms:
    """The forms of the year after the last year the database `db` holds figures for (read, then closed)."""
    from metrics.store.database import open_database
    from metrics.store.figures import year_values
    from metrics.store.series import year_span

    database = open_database(db)
    try:
        with database.cursor() as cur:
            year = year_span(cur)[1] + 1
            rows = cur.execute(
                "SELECT city_code, name_zh FROM cities WHERE designated_year <= $y ORDER BY batch, city_code",
                {"y": year},
            ).fetchall()
            before = year_values(cur, year - 1).set_index("city_code")
    finally:
        database.close()
    columns = [i.column for i in registry.BASE_INDICATORS]
    return RoundForms(year, tuple(
        (name, tuple(before.loc[code, columns]) if code in before.index else (None,) * len(columns))
        for code, name in rows
    ))  # fmt: skip


def run_load(db: str, officers: int, floor: bool, editor: bool, work: Path, processes: int = 1,
             forms: RoundForms | None = None) -> dict:  # fmt: skip
    """One run: fresh servers, `officers` at once shared between them (and the editor, on the first); figures."""
    with dashboard_servers(db, floor, processes, work / "files") as servers:
        for server in servers:  # one visit first, so that no server is measured cold
            with httpx.Client() as client:
                interact(client, server.url, {})
        before = sum(rss_mb(s.process.pid) for s in servers)
        timings = Timings()
        start = threading.Barrier(officers)
        threads = [
            threading.Thread(target=officer, args=(servers[i % processes].url, start, timings)) for i in range(officers)
        ]
        writer = Editor(servers[0].url, work, commits=not floor, forms=forms) if editor else None
        if writer is not None:
            writer.start()
        elapsed = all_at_once(threads)
        after = sum(rss_mb(s.process.pid) for s in servers)
        if writer is not None:
            writer.stop.set()
            writer.join(timeout=120)
    committed = writer.committed if writer is not None and not floor else None
    return {
        "officers": officers,
        "processes": processes,
        "app": "floor" if floor else "dashboard",
        "elapsed_s": elapsed,
        "open_s": timings.open_s,
        "click_s": timings.click_s,
        "errors": len(timings.errors),
        "first_errors": timings.errors[:3],
        "rss_mb_per_session": (after - before) / officers,
        "uploads_committed": committed,
        "uploads_lost": None if committed is None else committed - _editor_uploads(db),
        "editor_failure": writer.failure if writer is not None else None,
    }


def combine(repeats: list[dict]) -> dict:
    """One figure for several runs of the same load: P50/P95/max over every run's timings together, the median
    run time and memory per session, errors and uploads summed."""
    first = repeats[0]
    committed = [r["uploads_committed"] for r in repeats if r["uploads_committed"] is not None]
    lost = [r["uploads_lost"] for r in repeats if r["uploads_lost"] is not None]
    return {
        "officers": first["officers"],
        "processes": first["processes"],
        "app": first["app"],
        "repeats": len(repeats),
        "elapsed_s": statistics.median(r["elapsed_s"] for r in repeats),
        "elapsed_each_s": [r["elapsed_s"] for r in repeats],
        "open": summary([t for r in repeats for t in r["open_s"]]),
        "click": summary([t for r in repeats for t in r["click_s"]]),
        "click_p95_each": [summary(r["click_s"])["p95"] for r in repeats],
        "errors": sum(r["errors"] for r in repeats),
        "first_errors": [e for r in repeats for e in r["first_errors"]][:3],
        "rss_mb_per_session": statistics.median(r["rss_mb_per_session"] for r in repeats),
        "uploads_committed": sum(committed) if committed else None,
        "uploads_lost": sum(lost) if lost else None,
        "editor_failure": next((r["editor_failure"] for r in repeats if r["editor_failure"]), None),
    }


def _editor_uploads(db: str) -> int:
    """How many of the editor's uploads the database holds, committed (read once its servers have stopped)."""
    sys.path.insert(0, str(ROOT))
    from metrics.store.database import open_database

    database = open_database(db)
    try:
        with database.cursor() as cur:
            row = cur.execute(
                "SELECT count(*) FROM uploads WHERE file_name LIKE 'round-%' AND status = 'committed'"
            ).fetchone()
    finally:
        database.close()
    return int(row[0])


def report(runs: list[dict], engine: str = "duckdb") -> str:
    """The load table: each N (and number of processes) with the dashboard's figures, the floor's, and the ratios of
    P95s; then how much sooner two processes finished than one."""
    lines = [
        f"Engine: {engine}.",
        "",
        "| officers | processes | open P50 / P95 / max | click P50 / P95 / max | floor open P50 / P95 "
        "| floor click P50 / P95 | P95 ratio open / click | run took (floor) | errors | MB per session "
        "| uploads (lost) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    by = {(r["officers"], r.get("processes", 1), r["app"]): r for r in runs}
    keys = sorted({(r["officers"], r.get("processes", 1)) for r in runs})
    for n, procs in keys:
        ours, floor = by[(n, procs, "dashboard")], by.get((n, procs, "floor"))
        o, c = ours["open"], ours["click"]
        row = [str(n), str(procs), f"{o['p50']:.2f} / {o['p95']:.2f} / {o['max']:.2f} s",
               f"{c['p50']:.2f} / {c['p95']:.2f} / {c['max']:.2f} s"]  # fmt: skip
        if floor is not None:
            fo, fc = floor["open"], floor["click"]
            row += [f"{fo['p50']:.2f} / {fo['p95']:.2f} s", f"{fc['p50']:.2f} / {fc['p95']:.2f} s",
                    f"{o['p95'] / fo['p95']:.1f}x / {c['p95'] / fc['p95']:.1f}x",
                    f"{ours['elapsed_s']:.1f} s ({floor['elapsed_s']:.1f} s)"]  # fmt: skip
        else:
            row += ["", "", "", f"{ours['elapsed_s']:.1f} s"]
        errors = ours["errors"] + (floor["errors"] if floor else 0)
        lost = ours.get("uploads_lost")
        row += [str(errors), f"{ours['rss_mb_per_session']:.1f}",
                f"{ours['uploads_committed'] or 0} ({lost if lost is not None else '-'})"]  # fmt: skip
        lines.append("| " + " | ".join(row) + " |")
    for n in sorted({n for n, _ in keys}):
        one, two = by.get((n, 1, "dashboard")), by.get((n, 2, "dashboard"))
        if one and two:
            lines.append(
                f"\n{n} officers: two processes finished in {two['elapsed_s'] / one['elapsed_s']:.2f}x the time one "
                f"process took ({two['elapsed_s']:.1f} s against {one['elapsed_s']:.1f} s)."
            )
    lines += click_targets(by, keys)
    failures = [
        f"- {r['app']} at {r['officers']}x{r.get('processes', 1)}: {e}" for r in runs for e in r["first_errors"]
    ]
    failures += [f"- editor at {r['officers']}: {r['editor_failure']}" for r in runs if r.get("editor_failure")]
    return "\n".join(lines + (["", "Errors:", *failures] if failures else []))


CLICK_TARGET = 1.3  # each run's click P95 at most this times the floor's run beside it, with the editor uploading


def click_targets(by: dict, keys: list[tuple[int, int]]) -> list[str]:
    """Each run's click P95 over the floor's run taken in turn with it, against CLICK_TARGET: one line per load."""
    lines = []
    for n, procs in keys:
        ours, floor = by[(n, procs, "dashboard")], by.get((n, procs, "floor"))
        if floor is None or "click_p95_each" not in ours:
            continue
        ratios = [a / b for a, b in zip(ours["click_p95_each"], floor["click_p95_each"], strict=False)]
        met = sum(r <= CLICK_TARGET for r in ratios)
        lines.append(
            f"\n{n} officers, {procs} process(es): click P95 of each run over the floor's, "
            f"{', '.join(f'{r:.2f}x' for r in ratios)}; {met} of {len(ratios)} within {CLICK_TARGET}x."
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, nargs="+", default=[1, 10, 25, 50, 100])
    parser.add_argument("--engine", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--processes", type=int, nargs="+", default=[1], help="server processes (2 needs postgres)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--no-editor", action="store_true", help="no upload commits during the load")
    parser.add_argument("--scale", type=int, default=1, help="the sample's scale (`init --scale`)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each load, the dashboard's and the floor's "
                        "taking turns; the figures are over all of them")  # fmt: skip
    parser.add_argument("--save", action="store_true", help="also write the table into docs/performance.md")
    parser.add_argument("--sign-in-flood", type=int, nargs="+", metavar="K", help="instead of the loads above: "
                        "signed-in officers with no attackers and with K guessing a password")  # fmt: skip
    parser.add_argument("--signed-in", type=int, default=20, help="officers signed in, in the flood runs")
    parser.add_argument("--rounds", type=int, default=2, help="each signed-in officer's rounds of the pages")
    args = parser.parse_args(argv)
    if args.engine == "duckdb" and max(args.processes) > 1:
        parser.error("several processes share a database on PostgreSQL only (--engine postgres)")
    if args.sign_in_flood and args.processes != [1]:
        parser.error("the flood runs on one server process")
    if args.sign_in_flood:  # argon2 at its real cost, in the accounts made here and in the servers
        os.environ.pop("PILOT_ARGON2_PROFILE", None)
    editor = not args.no_editor and not args.sign_in_flood and Path(CHROMIUM).exists()
    with tempfile.TemporaryDirectory(prefix="pilot-load-") as tmp:
        work = Path(tmp)
        server = (pg_server.server_url() or "") if args.engine == "postgres" else ""
        template = pg_server.recreate(server, "pilot_load_template", None) if server else str(work / "pilot.duckdb")
        subprocess.run([sys.executable, "-m", "metrics", "init", "--db", template, "--scale", str(args.scale)],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        if args.sign_in_flood:
            runs = _flood_runs(args, server, template, work)
        else:
            runs = _load_runs(args, server, template, work, editor, round_forms(template) if editor else None)
        if server:
            pg_server.recreate(server, "pilot_load_template", None)
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "scale": args.scale,
              "engine": args.engine, "editor": editor, "repeats": args.repeats, "runs": runs}  # fmt: skip
    text = flood_report(runs, args.engine) if args.sign_in_flood else report(runs, args.engine)
    if not args.sign_in_flood:  # how two processes scale, ours against the floor's
        result["process_scaling"] = scaling(runs)
        text += scaling_report(result["process_scaling"])
    print(json.dumps(result, indent=2) if args.json else text)
    if args.save:
        section = "load-flood" if args.sign_in_flood else "load"
        section += "" if args.engine == "duckdb" else f"-{args.engine}"
        save_section(section, text, result, ROOT / "docs" / f"{section}.json")
    return 0


def _load_runs(args: argparse.Namespace, server: str, template: str, work: Path, editor: bool,
               forms: RoundForms | None = None) -> list[dict]:  # fmt: skip
    """Each number of officers on each number of processes, the dashboard and the floor taking turns; figures."""
    runs = []
    for n in args.officers:
        for processes in args.processes:
            done: dict[bool, list[dict]] = {False: [], True: []}
            for repeat, floor in itertools.product(range(args.repeats), (False, True)):
                with _copy(server, template, work, f"run-{n}-{processes}-{'floor' if floor else 'app'}-{repeat}") as db:
                    what = f"{n} officers, {processes} process(es), {'floor' if floor else 'dashboard'}"
                    print(f"[load] {what}, run {repeat + 1}", file=sys.stderr, flush=True)
                    done[floor].append(run_load(db, n, floor, editor, work, processes, forms))
            runs += [combine(done[False]), combine(done[True])]
    return runs


def _flood_runs(args: argparse.Namespace, server: str, template: str, work: Path) -> list[dict]:
    """No attackers and each number of them, on the dashboard and the floor, all taking turns; figures."""
    add_accounts(template, args.signed_in)
    done: dict[tuple[int, bool], list[dict]] = {}
    kinds = [0, *(k for k in args.sign_in_flood if k)]
    for repeat, k, floor in itertools.product(range(args.repeats), kinds, (False, True)):
        with _copy(server, template, work, f"flood-{k}-{'floor' if floor else 'app'}-{repeat}") as db:
            what = f"{k} attackers, {args.signed_in} signed in, {'floor' if floor else 'dashboard'}"
            print(f"[load] {what}, run {repeat + 1}", file=sys.stderr, flush=True)
            done.setdefault((k, floor), []).append(run_flood(db, k, args.signed_in, floor, args.rounds, work))
    return [combine_flood(runs) for runs in done.values()]


@contextmanager
def _copy(server: str, template: str, work: Path, name: str) -> Iterator[str]:
    """A fresh copy of the template database for one run (a DuckDB file in `work`, or a PostgreSQL database made
    from the template on `server`), dropped afterwards on PostgreSQL."""
    if not server:
        db = str(work / f"{name}.duckdb")
        shutil.copyfile(template, db)
        yield db
        return
    db = pg_server.recreate(server, name.replace("-", "_"), "pilot_load_template")
    try:
        yield db
    finally:
        pg_server.recreate(server, name.replace("-", "_"), None)


if __name__ == "__main__":
    sys.exit(main())

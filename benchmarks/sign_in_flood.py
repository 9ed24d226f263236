"""The sign-in flood (load.py --sign-in-flood): officers signed in and going round the pages while attackers submit
wrong passwords for the admin as fast as the server answers; see load.py for what is measured and how."""

from __future__ import annotations

import json
import statistics
import threading
import time
from pathlib import Path

import httpx

from benchmarks.agent_sessions import AGENT, FLOOR_APP, YEAR_CHANGES, Timings, all_at_once, interact, summary
from benchmarks.browser import launch

TARGET = "admin"  # the account the flood guesses at (the first account must be an admin)
TOUR = ("city", "compare", "")  # a signed-in officer's round in the flood runs ("": the overview)
FLOOD_LEAD_S = 1.0  # the attackers' start before the officers': past the free tries, the flood at full strength


def _officer_account(n: int) -> tuple[str, str]:
    """Officer n's account name and password."""
    return f"officer{n:02d}", f"officer {n:02d}'s password"


def add_accounts(db: str, officers: int) -> None:
    """TARGET, an admin, and a viewer account for each of `officers`, hashed as this process's argon2 is set."""
    from metrics.access.accounts import add_user
    from metrics.domain.roles import cli_actor
    from metrics.store.database import open_database

    database, by = open_database(db), cli_actor("benchmark")
    try:
        add_user(database, TARGET, "admin", "the admin's own password", by)
        for n in range(officers):
            name, password = _officer_account(n)
            add_user(database, name, "viewer", password, by)
    finally:
        database.close()


def _submit_key(snapshot: dict) -> str:
    """The sign-in form's submit trigger in a snapshot of the sign-in page."""
    return next(a["key"] for a in snapshot["actions"] if a["type"] == "form_submit_button")


def _submit(client: httpx.Client, url: str, session: str, submit: str, name: str, password: str) -> dict:
    """The sign-in form filled in and submitted in a session showing it; the snapshot of the run that follows."""
    state = {"sign_in_name": name, "sign_in_password": password}
    return interact(client, url, {"session_id": session, "widget_state": state, "trigger": {"key": submit}})


def sign_in(client: httpx.Client, url: str, name: str, password: str) -> str:
    """A new session of the dashboard, signed in through its sign-in form; its id."""
    snapshot = interact(client, url, {})
    signed_in = _submit(client, url, snapshot["session_id"], _submit_key(snapshot), name, password)
    if not any(a["key"] == "years" for a in signed_in["actions"]):  # still the sign-in page
        raise RuntimeError(f"{name} was not signed in")
    return snapshot["session_id"]


def _officer_session(client: httpx.Client, url: str, n: int, floor: bool) -> str:
    """A new session for officer n: signed in on the dashboard, the overview on the floor (which has no accounts)."""
    return interact(client, url, {})["session_id"] if floor else sign_in(client, url, *_officer_account(n))


class Attacker(threading.Thread):
    """A session submitting wrong passwords for TARGET as fast as the server answers, until stopped; counts the
    answers: checked and wrong, or told to wait before trying again."""

    def __init__(self, url: str, floor: bool, n: int):
        super().__init__(name=f"attacker-{n}", daemon=True)
        self.url, self.floor = url, floor
        self.stop = threading.Event()
        self.wrong = self.waits = 0
        self.failure: str | None = None

    def run(self) -> None:
        from ui.auth import WAIT  # "Too many tries: wait {s} s, then try again."

        waiting = tuple(text.split("{")[0] for text in WAIT)
        try:
            with httpx.Client() as client:
                snapshot = interact(client, self.url, {"page": "sign-in"} if self.floor else {})
                session, submit, n = snapshot["session_id"], _submit_key(snapshot), 0
                while not self.stop.is_set():
                    n += 1
                    answer = json.dumps(_submit(client, self.url, session, submit, TARGET, f"guess {n}")["tree"],
                                        ensure_ascii=False)  # fmt: skip
                    if any(text in answer for text in waiting):
                        self.waits += 1
                    else:
                        self.wrong += 1
        except Exception as exc:  # reported with the figures
            self.failure = f"{type(exc).__name__}: {exc}"[:300]


def flood_officer(url: str, n: int, floor: bool, rounds: int, start: threading.Barrier, timings: Timings) -> None:
    """One officer in the flood runs: sign in as officer n (on the floor: open the overview), then go `rounds` times
    round TOUR's pages, changing the years twice on each page before going on to the next."""
    with httpx.Client() as client:
        start.wait()
        try:
            began = time.perf_counter()
            session = _officer_session(client, url, n, floor)
            timings.add("open" if floor else "sign_in", time.perf_counter() - began)
            for page in TOUR * rounds:
                for years in YEAR_CHANGES:
                    began = time.perf_counter()
                    interact(client, url, {"session_id": session, "widget_state": {"years": years}})
                    timings.add("click", time.perf_counter() - began)
                began = time.perf_counter()
                interact(client, url, {"session_id": session, "page": page})
                timings.add("page", time.perf_counter() - began)
        except Exception as exc:  # counted, not raised: the run goes on for the others
            timings.error(f"{type(exc).__name__}: {exc}"[:300])


def run_flood(db: str, attackers: int, officers: int, floor: bool, rounds: int, work: Path) -> dict:
    """One flood run: a fresh server, one officer's visit to fill its caches, then `attackers` guessing TARGET's
    password from FLOOD_LEAD_S before `officers` sign in at once and go round their pages until the last is done."""
    app, env = FLOOR_APP if floor else "server.py", {"PILOT_FILES": str(work / "files"), "FLOOD_SIGN_IN": "1"}
    server = launch(db, env, warm=not floor, app=app, args=AGENT)
    try:
        server.wait_until_up(timeout=180)
        with httpx.Client() as client:  # no page measured cold
            first = _officer_session(client, server.url, 0, floor)
            for page in TOUR:
                interact(client, server.url, {"session_id": first, "page": page})
        guessing = [Attacker(server.url, floor, n) for n in range(attackers)]
        flood_began = time.perf_counter()
        for attacker in guessing:
            attacker.start()
        time.sleep(FLOOD_LEAD_S if guessing else 0)
        timings, start = Timings(), threading.Barrier(officers)
        threads = [
            threading.Thread(target=flood_officer, args=(server.url, n, floor, rounds, start, timings))
            for n in range(officers)
        ]
        elapsed = all_at_once(threads)
        for attacker in guessing:
            attacker.stop.set()
        for attacker in guessing:
            attacker.join(timeout=120)
        flood_s = time.perf_counter() - flood_began
    finally:
        server.stop()
    return {
        "attackers": attackers,
        "officers": officers,
        "rounds": rounds,
        "app": "floor" if floor else "dashboard",
        "elapsed_s": elapsed,
        "flood_s": flood_s if guessing else 0.0,
        "sign_in_s": timings.sign_in_s,
        "click_s": timings.click_s,
        "page_s": timings.page_s,
        "guesses_wrong": sum(a.wrong for a in guessing),
        "guesses_told_to_wait": sum(a.waits for a in guessing),
        "errors": len(timings.errors) + sum(a.failure is not None for a in guessing),
        "first_errors": [*timings.errors, *(a.failure for a in guessing if a.failure)][:3],
    }


def combine_flood(repeats: list[dict]) -> dict:
    """One figure for several flood runs of the same kind: percentiles over every run's timings together, the
    attackers' guesses per second over all of their time, errors summed."""
    first, flood_s = repeats[0], sum(r["flood_s"] for r in repeats)
    wrong, waits = sum(r["guesses_wrong"] for r in repeats), sum(r["guesses_told_to_wait"] for r in repeats)
    return {
        "attackers": first["attackers"],
        "officers": first["officers"],
        "rounds": first["rounds"],
        "app": first["app"],
        "repeats": len(repeats),
        "elapsed_s": statistics.median(r["elapsed_s"] for r in repeats),
        "sign_in": summary([t for r in repeats for t in r["sign_in_s"]]),
        "click": summary([t for r in repeats for t in r["click_s"]]),
        "page": summary([t for r in repeats for t in r["page_s"]]),
        "guesses_wrong": wrong,
        "guesses_told_to_wait": waits,
        "guesses_per_s": (wrong + waits) / flood_s if flood_s else 0.0,
        "errors": sum(r["errors"] for r in repeats),
        "first_errors": [e for r in repeats for e in r["first_errors"]][:3],
    }


def flood_report(runs: list[dict], engine: str = "duckdb") -> str:
    """The flood table: for no attackers and each K, the signed-in officers' times on the dashboard and the floor,
    and each one's P50 and P95 with the flood over without."""
    by = {(r["attackers"], r["app"]): r for r in runs}
    officers, rounds = runs[0]["officers"], runs[0]["rounds"]
    lines = [
        f"Engine: {engine}. {officers} officers signed in at once, each going {rounds} times round the city, compare "
        "and overview pages and changing the years twice on each; the ratios are to the runs without attackers.",
        "",
        "| attackers | sign-in P50 / P95 | click P50 / P95 / max | page P50 / P95 | click with flood ÷ without, "
        "P50 / P95 | floor click P50 / P95 | floor with ÷ without, P50 / P95 | guesses per s (argon2 checks, all runs) "
        "| errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k in sorted({r["attackers"] for r in runs}):
        ours, floor = by[(k, "dashboard")], by.get((k, "floor"))
        base, floor_base = by[(0, "dashboard")], by.get((0, "floor"))
        s, c, p = ours["sign_in"], ours["click"], ours["page"]
        row = [str(k), f"{s['p50']:.2f} / {s['p95']:.2f} s", f"{c['p50']:.2f} / {c['p95']:.2f} / {c['max']:.2f} s",
               f"{p['p50']:.2f} / {p['p95']:.2f} s", _ratios(c, base["click"])]  # fmt: skip
        if floor is not None and floor_base is not None:
            fc = floor["click"]
            row += [f"{fc['p50']:.2f} / {fc['p95']:.2f} s", _ratios(fc, floor_base["click"])]
        else:
            row += ["", ""]
        guesses = f"{ours['guesses_per_s']:.0f} ({ours['guesses_wrong']})" if k else ""
        guesses += f"; floor {floor['guesses_per_s']:.0f}" if k and floor is not None else ""
        row += [guesses, str(ours["errors"] + (floor["errors"] if floor else 0))]
        lines.append("| " + " | ".join(row) + " |")
    failures = [f"- {r['app']} with {r['attackers']} attackers: {e}" for r in runs for e in r["first_errors"]]
    return "\n".join(lines + (["", "Errors:", *failures] if failures else []))


def _ratios(times: dict, without: dict) -> str:
    return f"{times['p50'] / without['p50']:.2f}x / {times['p95'] / without['p95']:.2f}x"

"""Caches keyed by what a result reads (ui/data.py, store/reads.py, store/versions.py): a write recomputes the
results that read what it changed, leaves the others warm, and no result is ever served from before a change to
what it read."""

from __future__ import annotations

import contextlib
import inspect
import random
from collections.abc import Callable

import pandas as pd
import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR

from metrics.analysis import approval, highlights, standing
from metrics.analysis import targets as achievement
from metrics.domain.programme import Scope
from metrics.domain.years import YearRange
from metrics.ingest import forms, uploads
from metrics.present import assessment_tables, tables
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.store import backup_creation, backups, releases
from metrics.store.database import Database
from metrics.store.rounds import default_round
from ui import data
from ui.state import View

pytestmark = pytest.mark.both_engines

CODE, OTHER = "330100", "440100"  # Hangzhou, Guangzhou
LAST, NEW = SAMPLE_END_YEAR, SAMPLE_END_YEAR + 1  # the latest complete year, and the year being collected
CORE = ("activities", "agreements", "stations_founded", "experts_in_pool")


def charted(spec: ChartSpec) -> tuple[str, object]:
    return ("chart", spec)


def computed(function: Callable, *args) -> tuple[str, object]:
    return ("read", (function, args))


# What the officers' pages read, by name: charts and results of functions.
RESULTS: dict[str, tuple[str, object]] = {
    "trend of agreements to LAST": charted(ChartSpec("trend", "agreements", (2014, LAST))),
    "trend of agreements to NEW": charted(ChartSpec("trend", "agreements", (2014, NEW))),
    "trend of activities to LAST": charted(ChartSpec("trend", "activities", (2014, LAST))),
    "running total of agreements to LAST": charted(ChartSpec("trend", "cumulative_agreements", (2018, LAST))),
    "pilots to LAST": charted(ChartSpec("pilots", "pilot_cities", (2014, LAST))),
    "city chart to LAST": charted(ChartSpec("city", "agreements", (2014, LAST), cities=(CODE,))),
    "compare to LAST": charted(ChartSpec("compare", "agreements", (2016, LAST), cities=(CODE, OTHER))),
    "headlines of LAST": computed(standing.headlines, CORE, Scope(), LAST),
    "headlines of NEW": computed(standing.headlines, CORE, Scope(), NEW),
    "ranks of LAST - 1": computed(standing.ranks, "agreements", LAST - 1, Scope()),
    "highlights of LAST": computed(highlights.highlights, LAST, Scope()),
    "profile of LAST": computed(tables.profile, CODE, LAST, "en"),
    "index line of LAST": computed(assessment_tables.pilot_index_line, CODE, LAST, "en"),
    "targets of LAST": computed(achievement.year_summary, LAST, Scope()),
}
CHARTS_OF_AGREEMENTS = {"trend of agreements to LAST", "running total of agreements to LAST", "compare to LAST"}
READ_ALL_OF_LAST = {"city chart to LAST", "headlines of LAST", "headlines of NEW", "highlights of LAST",
                    "profile of LAST", "index line of LAST", "targets of LAST"}  # fmt: skip


def figures(code: str, year: int, values: dict[str, int]) -> bytes:
    return f"city,year,{','.join(values)}\n{code},{year},{','.join(map(str, values.values()))}\n".encode()


def upload(db: Database, code: str, year: int, **values: int) -> int:
    """One pilot's figures of a year (activities 61 and agreements 97 unless others are given) committed."""
    values = values or {"activities": 61, "agreements": 97}
    prepared, upload_id = uploads.load(db, figures(code, year, values), f"{code}-{year}.csv", EDITOR)
    assert upload_id is not None, prepared.report.sorted_issues()
    return upload_id


def restore(db: Database, tmp_path) -> None:
    backup_creation.create(db, tmp_path / "backup")
    backups.restore(db, tmp_path / "backup", ADMIN)


# (case, what is done before the results are read, the write, the results it recomputes)
CASES = [
    ("one pilot's figures of the year being collected", None, lambda db, tmp: upload(db, CODE, NEW),
     {"trend of agreements to NEW", "headlines of NEW"}),
    ("a correction of the year before the latest", None, lambda db, tmp: upload(db, CODE, LAST - 1, agreements=4),
     CHARTS_OF_AGREEMENTS | READ_ALL_OF_LAST | {"trend of agreements to NEW", "ranks of LAST - 1"}),
    ("the undo of a file of the year being collected", lambda db: upload(db, CODE, NEW),
     lambda db, tmp: uploads.undo(db, _last_upload(db), EDITOR), {"trend of agreements to NEW", "headlines of NEW"}),
    ("an approval of the year before the latest", None,
     lambda db, tmp: approval.approve(db, LAST - 1, [CODE], EDITOR, despite_flags=True),
     READ_ALL_OF_LAST | {"ranks of LAST - 1"}),
    ("a round opened for the year being collected", None,
     lambda db, tmp: forms.open_round(db, default_round(NEW), EDITOR),
     {"trend of agreements to NEW", "headlines of NEW"}),
    ("a release published", None, lambda db, tmp: releases.publish(db, "2025 first", None, EDITOR), set()),
    ("a restore", None, restore, set(RESULTS)),
]  # fmt: skip


def _last_upload(db: Database) -> int:
    with db.cursor() as cur:
        return int(cur.execute("SELECT max(upload_id) FROM uploads WHERE status = 'committed'").fetchall()[0][0])


@pytest.fixture()
def app(db, monkeypatch):
    """The app's caches reading `db`, emptied."""
    monkeypatch.setenv("PILOT_DB", db.name)
    monkeypatch.setattr(data.st, "rerun", lambda: pytest.fail("a run started again: no write landed mid-run here"))
    data.clear_caches()
    yield db
    data.clear_caches()


def view() -> View:
    return View("en", YearRange(2014, LAST), Scope())


def read_cached(name: str):
    """The result named, through the app's caches, in a run of its own; whether it was computed (not kept)."""
    kind, what = RESULTS[name]
    caches = data._charts if kind == "chart" else data._results
    before = caches.computed
    with data.run_snapshot():
        result = data.read(view(), what) if kind == "chart" else data.read(view(), what[0], *what[1])
    return result, caches.computed > before


def read_fresh(db: Database, name: str):
    """The result named, computed from the database without any cache."""
    kind, what = RESULTS[name]
    with db.snapshot() as cur:
        return resolve(cur, what, "en") if kind == "chart" else what[0](cur, *what[1])


def same(a, b) -> bool:
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", None):
        return repr(a) == repr(b)


@pytest.mark.parametrize(("case", "before", "write", "recomputed"), CASES, ids=[c[0] for c in CASES])
def test_a_write_recomputes_what_read_what_it_changed_and_nothing_else(app, tmp_path, case, before, write, recomputed):
    if before is not None:
        before(app)
    for name in RESULTS:
        read_cached(name)
    assert not any(read_cached(name)[1] for name in RESULTS), "all kept"
    write(app, tmp_path)
    seen = {name: read_cached(name) for name in RESULTS}
    assert {name for name, (_, again) in seen.items() if again} == recomputed
    for name, (result, _) in seen.items():
        assert same(result, read_fresh(app, name)), name


def test_a_file_of_the_year_being_collected_shows_at_once_where_that_year_is_shown(app):
    chart = "trend of agreements to NEW"
    assert pd.isna(read_cached(chart)[0].lines[0].values[-1])  # nothing reported for it yet
    upload(app, CODE, NEW, agreements=97)
    shown = read_cached(chart)[0]
    assert shown.lines[0].values[-1] == 97 and [year for year, _ in shown.provisional] == [NEW]


_COMMITTED = "SELECT upload_id FROM uploads WHERE status = 'committed' AND kind = 'figures'"


# Writes a random sequence draws from: uploads of any year near the latest, undos, approvals, rounds, releases.
def _random_write(db: Database, rng: random.Random, step: int) -> None:
    what = rng.choice(["upload", "upload", "upload", "undo", "approve", "round", "release"])
    year = rng.choice([LAST - 2, LAST - 1, LAST, NEW])
    if what == "undo":
        with db.cursor() as cur:
            committed = [r[0] for r in cur.execute(_COMMITTED).fetchall()]
        if committed:
            with contextlib.suppress(uploads.Refused):  # a later upload stands in the way, or an approval
                uploads.undo(db, rng.choice(committed), EDITOR)
            return
        what = "upload"
    if what == "upload":  # refused when the pilot-year is approved: nothing written
        values = {"activities": rng.randrange(1, 300), "agreements": rng.randrange(1, 300)}
        uploads.load(db, figures(rng.choice([CODE, OTHER]), year, values), f"{step}.csv", EDITOR)
    elif what == "approve":
        approval.approve(db, year, [rng.choice([CODE, OTHER])], EDITOR, despite_flags=True)
    elif what == "round":
        forms.open_round(db, default_round(year), EDITOR)
    else:
        releases.publish(db, f"release {step}", None, EDITOR)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_every_kept_result_equals_a_fresh_computation_after_any_writes(app, seed):
    rng = random.Random(seed)
    for step in range(6):
        for name in RESULTS:
            result, _ = read_cached(name)
            assert same(result, read_fresh(app, name)), (step, name)
        _random_write(app, rng, step)
    for name in RESULTS:
        assert same(read_cached(name)[0], read_fresh(app, name)), name


def test_every_declaration_takes_the_arguments_of_its_function():
    """A declaration is called with the function's own arguments after the cursor: it must take them all."""
    from metrics.store import reads

    assert len(reads._DECLARED) >= 10  # the pages' modules are imported above
    for function, declared in reads._DECLARED.items():
        names = list(inspect.signature(function).parameters)[1:]  # after the cursor
        inspect.signature(declared).bind(*names)  # raises TypeError when they do not fit


def test_two_copies_of_one_database_at_the_same_counter_are_not_taken_for_each_other(sample_file, tmp_path):
    # Copies share the database id; a run's versions equal to the last read reuse its worked-out stamps, so equal
    # must mean every table's version, not the counter alone (seen as a stale chart in the random test above).
    from conftest import copy_sample

    from metrics.store.database import open_database
    from metrics.store.reads import indicator_tables, up_to

    first, second = (open_database(copy_sample(sample_file, tmp_path / f"{n}.duckdb")) for n in ("a", "b"))
    try:
        upload(first, CODE, LAST, agreements=5)  # one write each: the same counter, different tables changed
        upload(second, CODE, LAST, activities=5)
        agreements, activities = (up_to(LAST, indicator_tables(key)) for key in ("agreements", "activities"))
        stamps = []
        for database in (first, second, first):
            with database.cursor() as cur:
                versions = database.run_state(cur)[3]
            stamps.append((versions.stamp(agreements), versions.stamp(activities)))
        assert stamps[0][0] > stamps[1][0] and stamps[1][1] > stamps[0][1] and stamps[2] == stamps[0], stamps
    finally:
        first.close()
        second.close()

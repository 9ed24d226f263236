"""What changed between releases: the figures revised, new and removed equal what the change history did between
them (uploads, corrections, undos), read as two frozen snapshots would show them; the totals they moved; targets,
pilots and events; the review's comment; the CLI.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines)."""

from __future__ import annotations

import json
import math

import pytest
from conftest import EDITOR, SAMPLE_END_YEAR

from metrics.analysis import changes
from metrics.cli import main
from metrics.domain import registry
from metrics.domain.cells import is_missing
from metrics.domain.i18n import Refused
from metrics.domain.programme import Scope
from metrics.ingest import uploads
from metrics.store import flags, releases
from metrics.store.figures import years_values
from metrics.store.releases import Release
from metrics.store.series import series
from metrics.store.transactions import transaction

pytestmark = pytest.mark.both_engines
YEAR = SAMPLE_END_YEAR
HANGZHOU, GUANGZHOU = "330100", "440100"


def figures(*cells: tuple[str, int, str, float]) -> bytes:
    """A yearly-figures file of (city, year, indicator, value) cells, one row per city and year."""
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for code, year, key, value in cells:
        rows.setdefault((code, year), {})[key] = value
    keys = sorted({key for _, _, key, _ in cells})
    lines = [f"{code},{year}," + ",".join("" if k not in r else f"{r[k]:g}" for k in keys) for (code, year), r in
             rows.items()]  # fmt: skip
    return ("city,year," + ",".join(keys) + "\n" + "\n".join(lines) + "\n").encode()


class Scenario:
    """Runs the steps of a case against a database: releases published, files loaded, uploads undone."""

    def __init__(self, db):
        self.db = db
        self.releases: dict[str, Release] = {}
        self.uploads: dict[str, int] = {}

    def run(self, steps: list[tuple]) -> None:
        for step, name, *rest in steps:
            if step == "publish":
                self.releases[name] = releases.publish(self.db, name, None, EDITOR)
            elif step == "load":
                prepared, upload_id = uploads.load(self.db, figures(*rest[0]), name, EDITOR)
                assert upload_id is not None, [i.message("en") for i in prepared.report.issues]
                self.uploads[name] = upload_id
            elif step == "undo":
                uploads.undo(self.db, self.uploads[name], EDITOR)

    def between(self, old: str, new: str | None) -> changes.Changes:
        with self.db.cursor() as cur:
            return changes.between(
                cur, self.releases[old].release_id, None if new is None else self.releases[new].release_id
            )

    def snapshot(self, name: str | None) -> tuple[dict, set]:
        """What a side shows, read as every page reads it (a release through its frozen cursor): its reported
        cells {(code, year, indicator): value} and its pilot-years."""
        with self.db.cursor() as cur:
            if name is None:
                frame = years_values(cur, 2000, 2100)
            else:
                with releases.frozen(cur, self.releases[name].release_id) as frozen:
                    frame = years_values(frozen, 2000, 2100)
        cells = {
            (row["city_code"], int(row["year"]), i.key): float(row[i.key])
            for row in frame.to_dict("records")
            for i in registry.BASE_INDICATORS
            if not is_missing(row[i.key])
        }
        return cells, {(row["city_code"], int(row["year"])) for row in frame.to_dict("records")}


def expected_between(old: tuple[dict, set], new: tuple[dict, set]) -> set[tuple]:
    """The cells that differ between two snapshots, as (code, year, indicator, old, new, change)."""
    (a, a_years), (b, b_years) = old, new
    out = set()
    for key in a.keys() | b.keys():
        if a.get(key) != b.get(key):
            change = "added" if key[:2] not in a_years else "removed" if key[:2] not in b_years else "revised"
            out.add((*key, a.get(key), b.get(key), change))
    return out


def found(result: changes.Changes) -> set[tuple]:
    def value(v):
        return None if math.isnan(v) else float(v)

    return {(r["city_code"], int(r["year"]), r["indicator"], value(r["old"]), value(r["new"]), r["change"])
            for r in result.cells.to_dict("records")}  # fmt: skip


# (steps, the two sides compared, what each changed figure is: (city, year, indicator, change, how: the file that
# made the new value, or "undo FILE" for an undo of the upload that made the old one)
CASES = {
    "a correction between releases": (
        [("publish", "A"), ("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990)]), ("publish", "B")],
        ("A", "B"),
        {(HANGZHOU, YEAR, "agreements", "revised", "fix.csv")},
    ),
    "a correction since the release": (
        [
            ("publish", "A"),
            ("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990), (GUANGZHOU, YEAR - 1, "activities", 3)]),
        ],
        ("A", None),
        {
            (HANGZHOU, YEAR, "agreements", "revised", "fix.csv"),
            (GUANGZHOU, YEAR - 1, "activities", "revised", "fix.csv"),
        },
    ),
    "two corrections, one undone, published again": (
        [
            ("publish", "A"),
            ("load", "one.csv", [(HANGZHOU, YEAR, "agreements", 1990)]),
            ("load", "two.csv", [(GUANGZHOU, YEAR, "agreements", 7)]),
            ("undo", "two.csv"),
            ("publish", "B"),
        ],
        ("A", "B"),
        {(HANGZHOU, YEAR, "agreements", "revised", "one.csv")},
    ),
    "a correction published, then undone": (
        [("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990)]), ("publish", "A"), ("undo", "fix.csv")],
        ("A", None),
        {(HANGZHOU, YEAR, "agreements", "revised", "undo fix.csv")},
    ),
    "a new pilot-year": (
        [
            ("publish", "A"),
            ("load", "next.csv", [(HANGZHOU, YEAR + 1, "agreements", 12), (HANGZHOU, YEAR + 1, "activities", 3)]),
        ],
        ("A", None),
        {
            (HANGZHOU, YEAR + 1, "agreements", "added", "next.csv"),
            (HANGZHOU, YEAR + 1, "activities", "added", "next.csv"),
        },
    ),
    "a pilot-year removed by an undo": (
        [("load", "next.csv", [(HANGZHOU, YEAR + 1, "agreements", 12)]), ("publish", "A"), ("undo", "next.csv")],
        ("A", None),
        {(HANGZHOU, YEAR + 1, "agreements", "removed", "undo next.csv")},
    ),
    "corrected twice: the later upload made it": (
        [
            ("publish", "A"),
            ("load", "one.csv", [(HANGZHOU, YEAR, "agreements", 1990)]),
            ("load", "two.csv", [(HANGZHOU, YEAR, "activities", 40)]),
            ("publish", "B"),
        ],
        ("A", "B"),
        {(HANGZHOU, YEAR, "agreements", "revised", "one.csv"), (HANGZHOU, YEAR, "activities", "revised", "two.csv")},
    ),
    "nothing since": (
        [("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990)]), ("publish", "A")],
        ("A", None),
        set(),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_changes_between_releases_are_the_cells_the_history_changed(db, case):
    steps, (old, new), expected = CASES[case]
    scenario = Scenario(db)
    scenario.run(steps)
    result = scenario.between(old, new)
    assert found(result) == expected_between(scenario.snapshot(old), scenario.snapshot(new))
    how = {
        (r["city_code"], int(r["year"]), r["indicator"], r["change"],
         f"undo {r['undone_file_name']}" if r["undone"] else r["new_file_name"])
        for r in result.cells.to_dict("records")
    }  # fmt: skip
    assert how == expected
    with db.cursor() as cur:  # each figure's upload gave it that value in the history (or, undone, the old one)
        for r in result.cells.to_dict("records"):
            upload, value = (r["undone_upload_id"], r["old"]) if r["undone"] else (r["new_upload_id"], r["new"])
            table = registry.base(r["indicator"]).table
            set_to = cur.execute(
                """SELECT CAST(new_value AS DOUBLE PRECISION) FROM cell_history WHERE upload_id = $u
                   AND table_name = $t AND city_code = $c AND year = $y AND column_name = $k""",
                {"u": int(upload), "t": table, "c": r["city_code"], "y": int(r["year"]), "k": r["indicator"]},
            ).fetchall()
            assert set_to == [(value,)]
    assert result.counts["revised"] + result.counts["added"] + result.counts["removed"] == len(expected)
    assert [result.counts[f"pilot_years_{c}"] for c in ("added", "removed")] == [
        len(result.pilot_years(c)) for c in ("added", "removed")
    ]
    assert result.empty == (not expected)


@pytest.mark.parametrize("case", CASES)
def test_what_differs_is_what_the_whole_statements_give(db, case, monkeypatch):
    """Each kind's read asks first whether anything of its kind differs (release_diff.differing, one statement) and,
    nothing, reads nothing: the frames it gives are the whole statements', with and without a bound, empty ones
    included, types and all."""
    from pandas.testing import assert_frame_equal

    from metrics.store import release_diff

    steps, (old, new), _ = CASES[case]
    scenario = Scenario(db)
    scenario.run(steps)
    sides = [scenario.releases[old].release_id, None if new is None else scenario.releases[new].release_id]
    reads = [lambda cur, last: release_diff.value_changes(cur, *sides, last)] + [
        lambda cur, _, read=read: read(cur, *sides)
        for read in (release_diff.target_changes, release_diff.city_changes, release_diff.event_changes)
    ]
    with db.cursor() as cur:
        for read in reads:
            for last in (None, YEAR - 1, YEAR, YEAR + 1):
                checked = read(cur, last)
                with monkeypatch.context() as always:
                    always.setattr(release_diff, "differing", lambda *_: frozenset(release_diff.KINDS))
                    whole = read(cur, last)
                assert_frame_equal(checked, whole, check_exact=True)


# Revisions since a release as a pilot's profile reads them (up to the release's last year): each case of the working
# data above, and then a file of the year after the release's last, which revises nothing.
LATER = ("load", "later.csv", [(HANGZHOU, YEAR + 1, "agreements", 5), (GUANGZHOU, YEAR + 1, "activities", 4)])


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][1][1] is None])
@pytest.mark.parametrize("later", [False, True], ids=["as published", "then a later year loaded"])
def test_the_revisions_up_to_the_release_are_those_of_every_change(db, case, later):
    steps, (old, _), _ = CASES[case]
    scenario = Scenario(db)
    scenario.run([*steps, *([LATER] if later else [])])
    release_id = scenario.releases[old].release_id
    with db.cursor() as cur:
        last = changes.last_year(cur, release_id)
        assert last == max(year for _, year in scenario.snapshot(old)[1])
        every = changes.revised_by_pilot(changes.figures(cur, release_id))
        assert changes.revisions(cur, release_id, last) == every
        assert changes.revisions(cur, release_id, None) == {}


def test_new_and_removed_pilot_years_are_counted_once_each(db):
    scenario = Scenario(db)
    scenario.run([("load", "old.csv", [(GUANGZHOU, YEAR + 1, "agreements", 4)]), ("publish", "A"),
                  ("undo", "old.csv"), ("load", "next.csv", [(HANGZHOU, YEAR + 1, "agreements", 12),
                                                             (HANGZHOU, YEAR + 1, "activities", 3)])])  # fmt: skip
    result = scenario.between("A", None)
    added, removed = result.pilot_years("added"), result.pilot_years("removed")
    assert [(r["city_code"], r["year"], r["figures"], r["file_name"]) for r in added.to_dict("records")] == [
        (HANGZHOU, YEAR + 1, 2, "next.csv")
    ]
    assert [(r["city_code"], r["year"], r["figures"]) for r in removed.to_dict("records")] == [(GUANGZHOU, YEAR + 1, 1)]
    assert (result.counts["pilot_years_added"], result.counts["pilot_years_removed"]) == (1, 1)


def test_the_totals_are_what_the_programme_series_moved(db):
    scenario = Scenario(db)
    scenario.run([("publish", "A"), ("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990),
                                                         (GUANGZHOU, YEAR, "agreements", 5)])])  # fmt: skip
    result = scenario.between("A", None)
    with db.cursor() as cur:
        now = series(cur, "agreements", Scope(), years=(YEAR, YEAR))["value"].iloc[0]
        with releases.frozen(cur, scenario.releases["A"].release_id) as frozen:
            then = series(frozen, "agreements", Scope(), years=(YEAR, YEAR))["value"].iloc[0]
    totals = result.totals.to_dict("records")
    assert totals == [{"indicator": "agreements", "year": YEAR, "before": then, "after": now, "difference": now - then}]
    assert now - then == result.of("revised")["difference"].sum()


def test_the_review_comment_stands_beside_the_revised_figure(db):
    scenario = Scenario(db)
    scenario.run([("publish", "A"), ("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990)])])
    flag = {"city_code": HANGZHOU, "year": YEAR, "indicator": "agreements", "reason": "peers", "rule_id": "",
            "value": 1990, "z": 4.2}  # fmt: skip
    with db.write_lock, db.cursor() as cur, transaction(cur):
        flags.save_decisions(cur, [flag], "confirmed", "电话核实：新签 1,676 项", "li")
    row = scenario.between("A", None).of("revised").iloc[0]
    assert (row["review_status"], row["review_comment"], row["review_by"]) == (
        "confirmed",
        "电话核实：新签 1,676 项",
        "li",
    )


TARGETS = "city_code,year,indicator,target\n330100,2026,agreements,400\n"
EVENTS = "date,title_zh,title_en\n2014-01-01,科协“创新驱动助力工程”启动,CAST launches CONTRID\n"
CITY = ("city_code,name_zh,name_en,province_zh,province_en,region,kind,batch,designated_year,lat,lon\n"
        "330100,杭州市,Hangzhou City,浙江省,Zhejiang,east,city,1,2014,30.2741,120.1551\n")  # fmt: skip

# (a file loaded after the release, which of the changes' tables it shows in, and what it holds)
BESIDE = [
    (TARGETS, "targets", [(HANGZHOU, 2026, "agreements", "added")]),
    (CITY, "cities", [(HANGZHOU, "name_en", "Hangzhou", "Hangzhou City")]),
    (EVENTS, "events", None),  # the sample's other events are gone: each removed
]


@pytest.mark.parametrize(("text", "table", "rows"), BESIDE)
def test_targets_pilots_and_events_changed_are_listed_beside_the_figures(db, text, table, rows):
    scenario = Scenario(db)
    scenario.run([("publish", "A")])
    prepared, upload_id = uploads.load(db, text.encode(), f"{table}.csv", EDITOR)
    assert upload_id is not None, [i.message("en") for i in prepared.report.issues]
    result = scenario.between("A", None)
    assert result.cells.empty and result.counts[table] >= 1
    frame = getattr(result, table)
    if table == "targets":
        assert [(r["city_code"], r["year"], r["indicator"], r["change"]) for r in frame.to_dict("records")] == rows
    elif table == "cities":
        assert [(r["city_code"], r["field"], r["old"], r["new"]) for r in frame.to_dict("records")] == rows
    else:
        assert set(frame["change"]) == {"removed"} and len(frame) == result.counts["events"]


def test_an_unknown_release_is_refused(db):
    with db.cursor() as cur, pytest.raises(Refused):
        changes.between(cur, 999)


# (arguments after `changes`, with {A} and {B} the two releases' names; exit status; what the output holds)
CLI_CASES = [
    (["--from", "{A}"], 0, "fix.csv"),
    (["--from", "{A}", "--to", "{B}"], 0, "fix.csv"),
    (["--from", "{B}"], 0, "没有变化"),
    (["--from", "{A}", "--json"], 0, '"change": "revised"'),
    (["--from", "nope"], 2, "{A}"),  # names the releases there are
    (["--from", "{A}", "--to", "nope"], 2, "{B}"),
    ([], 2, "--from"),
]


@pytest.mark.parametrize(("arguments", "status", "shown"), CLI_CASES)
def test_changes_cli_exit_codes(db, capsys, arguments, status, shown):
    scenario = Scenario(db)
    names = {"A": "2025年度数据（第1版）", "B": "2025年度数据（第2版）"}
    scenario.run([("publish", names["A"]), ("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990)]),
                  ("publish", names["B"])])  # fmt: skip
    capsys.readouterr()
    argv = ["changes", *(a.format(**names) for a in arguments), "--db", db.name, "--lang", "zh"]
    assert main(argv) == status
    out = capsys.readouterr()
    assert shown.format(**names) in out.out + out.err
    assert "Traceback" not in out.err


def test_changes_json_has_every_field(db, capsys):
    scenario = Scenario(db)
    scenario.run([("publish", "A"), ("load", "fix.csv", [(HANGZHOU, YEAR, "agreements", 1990)]),
                  ("load", "next.csv", [(HANGZHOU, YEAR + 1, "agreements", 12)])])  # fmt: skip
    assert main(["changes", "--from", "A", "--json", "--db", db.name]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["from"]["name"] == "A" and result["to"] == {"name": None, "working_data": True}
    assert result["counts"]["revised"] == 1 and result["counts"]["pilot_years_added"] == 1
    revised = next(c for c in result["cells"] if c["change"] == "revised")
    assert set(revised) == {"change", "city_code", "name_zh", "name_en", "year", "indicator", "old", "new",
                            "difference", "difference_pct", "upload", "undo", "review"}  # fmt: skip
    assert revised["new"] == 1990 and revised["difference"] == 1990 - revised["old"]
    assert revised["upload"]["file_name"] == "fix.csv" and revised["upload"]["by"] == EDITOR.name
    assert result["pilot_years"]["added"][0]["year"] == YEAR + 1
    assert {t["year"] for t in result["totals"]} == {YEAR, YEAR + 1}

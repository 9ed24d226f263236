"""Approval per pilot and year: approved figures are locked against every write path (an upload, an undo, a
restore), nothing written when refused; approving all that are clear; the round complete; the CLI.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines)."""

from __future__ import annotations

import json

import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR
from older_schemas import RELEASES_UNDONE

from metrics.analysis import approval
from metrics.analysis.collection import years_being_collected
from metrics.analysis.round_status import round_status
from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.ingest import forms, uploads
from metrics.store import approvals, backup_creation, backups, meta
from metrics.store.cities import list_cities
from metrics.store.figures import year_values
from metrics.store.rounds import default_round
from metrics.store.schema import SCHEMA_VERSION, migrate
from metrics.store.transactions import transaction

pytestmark = pytest.mark.both_engines
YEAR = SAMPLE_END_YEAR


def figures_file(*rows: tuple[str, int, int]) -> bytes:
    """A yearly-figures file of (city code, year, agreements) rows."""
    return ("city,year,agreements\n" + "".join(f"{c},{y},{a}\n" for c, y, a in rows)).encode()


def pilot(db) -> tuple[str, int]:
    """A pilot with figures for YEAR and its stored agreements."""
    with db.snapshot() as cur:
        values = year_values(cur, YEAR).dropna(subset=["agreements"])
    row = values.iloc[0]
    return str(row["city_code"]), int(row["agreements"])


def stored_state(db) -> tuple:
    """Everything a refused write must leave as it was."""
    with db.snapshot() as cur:
        counts = [cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in ("uploads", "cell_history", "approvals", "approval_events")]  # fmt: skip
        return (year_values(cur, YEAR).to_csv(), counts, approvals.states(cur), meta.data_identity(cur))


def _upload(db, tmp_path, code, value):
    approval.approve(db, YEAR, [code], EDITOR)

    def load() -> None:  # the check refuses it: an error of the file's report, on the row that names the pilot
        prepared, upload_id = uploads.load(db, figures_file((code, YEAR, value)), "late.csv", EDITOR)
        errors = [i for i in prepared.report.issues if i.level == "error"]
        assert upload_id is None and [i.row for i in errors] == [2]
        raise Refused(errors[0].message)

    return load


def _checked_then_approved(db, tmp_path, code, value):
    prepared = uploads.prepare(db, figures_file((code, YEAR, value)), "late.csv")
    assert prepared.report.ok
    approval.approve(db, YEAR, [code], EDITOR)
    return lambda: uploads.commit(db, prepared, figures_file((code, YEAR, value)), EDITOR)


def _undo(db, tmp_path, code, value):
    _, upload_id = uploads.load(db, figures_file((code, YEAR, value)), "first.csv", EDITOR)
    approval.approve(db, YEAR, [code], EDITOR)
    return lambda: uploads.undo(db, upload_id, EDITOR)


def _restore(db, tmp_path, code, value):
    backup_creation.create(db, tmp_path / "backup")
    uploads.load(db, figures_file((code, YEAR, value)), "after.csv", EDITOR)
    approval.approve(db, YEAR, [code], EDITOR)
    return lambda: backups.restore(db, tmp_path / "backup", ADMIN)


@pytest.mark.parametrize("arrange", [_upload, _checked_then_approved, _undo, _restore],
                         ids=["upload", "checked-then-approved", "undo", "restore"])  # fmt: skip
def test_a_lock_refuses_each_write_path_and_nothing_is_written(db, tmp_path, arrange):
    code, stored = pilot(db)
    write = arrange(db, tmp_path, code, stored + 7)
    before = stored_state(db)
    with pytest.raises(Refused) as refused:
        write()
    assert stored_state(db) == before
    message = refused.value.text
    assert str(YEAR) in message.en and EDITOR.name in message.en
    assert f"round unapprove {YEAR} --city {code}" in message.en
    assert "审核" in message.zh


def test_a_restore_that_leaves_approved_figures_as_they_are_goes_through(db, tmp_path):
    code, _ = pilot(db)
    approval.approve(db, YEAR, [code], EDITOR)
    backup_creation.create(db, tmp_path / "backup")
    backups.restore(db, tmp_path / "backup", ADMIN)
    with db.snapshot() as cur:
        assert approvals.states(cur, YEAR)[(code, YEAR)].state == approvals.APPROVED


def test_after_an_unapproval_the_upload_goes_through_and_the_history_says_why(db):
    code, stored = pilot(db)
    approval.approve(db, YEAR, [code], EDITOR)
    with pytest.raises(Refused):
        approval.unapprove(db, YEAR, [code], "  ", ADMIN)
    assert approval.unapprove(db, YEAR, [code], "wrong unit", ADMIN).done == [code]
    prepared, upload_id = uploads.load(db, figures_file((code, YEAR, stored + 7)), "fixed.csv", EDITOR)
    assert prepared.report.ok and upload_id is not None
    with db.snapshot() as cur:
        steps = approvals.history(cur, YEAR)
    assert list(steps["action"]) == ["approve", "unapprove"]
    assert list(steps["reason"].fillna("")) == ["", "wrong unit"]
    assert list(steps["done_by"]) == [EDITOR.name, ADMIN.name]


@pytest.mark.parametrize(
    ("step", "by"), [("approve", None), ("unapprove", EDITOR), ("skip", EDITOR)], ids=["nobody", "editor", "editor"]
)
def test_who_may_take_each_step(db, step, by):
    code, _ = pilot(db)
    call = {
        "approve": lambda: approval.approve(db, YEAR, [code], by),
        "unapprove": lambda: approval.unapprove(db, YEAR, [code], "why", by),
        "skip": lambda: approval.mark_not_reported(db, YEAR, [code], by),
    }[step]
    with pytest.raises(Refused):
        call()


def test_approving_all_that_are_clear_leaves_out_a_pilot_breaking_a_high_rule(db):
    code, _ = pilot(db)
    with db.snapshot() as cur:
        activities = int(year_values(cur, YEAR).set_index("city_code").loc[code, "activities"])
    uploads.load(db, figures_file((code, YEAR, 21 * activities + 100)), "odd.csv", EDITOR)  # > 20 per activity
    with db.snapshot() as cur:
        clear = approval.approvable(cur, YEAR)
        assert code in approval.open_items(cur, YEAR)
    assert code not in clear and clear
    done = approval.approve(db, YEAR, None, EDITOR).done
    assert done == clear
    assert approval.approve(db, YEAR, None, EDITOR).done == []  # nothing left that is clear


def test_a_round_with_every_pilot_approved_or_marked_is_no_longer_being_collected(db):
    year = YEAR + 1
    forms.open_round(db, default_round(year), EDITOR)
    with db.snapshot() as cur:
        designated = [c for c, y in zip(list_cities(cur)["city_code"], list_cities(cur)["designated_year"],
                                        strict=True) if y <= year]  # fmt: skip
    reporting, silent = designated[:2], designated[2:]
    uploads.load(db, figures_file(*((c, year, 5) for c in reporting)), "new.csv", EDITOR)
    assert approval.mark_not_reported(db, year, reporting[:1], ADMIN).done == []  # it has figures
    approval.approve(db, year, reporting, EDITOR, despite_flags=True)  # 5 agreements after ~150: flagged
    with db.snapshot() as cur:
        assert year in {c.year for c in years_being_collected(cur)}
    approval.mark_not_reported(db, year, silent, ADMIN)
    with db.snapshot() as cur:
        status = round_status(cur, year)
        assert status.complete and status.counts["approved"] == 2 and status.counts["not_reported"] == len(silent)
        assert year not in {c.year for c in years_being_collected(cur)}
    approval.unapprove(db, year, reporting[:1], "a late correction", ADMIN)
    with db.snapshot() as cur:
        assert year in {c.year for c in years_being_collected(cur)}


CLI_CASES = [  # (arguments after `round`, exit status)
    (["approve", str(YEAR), "--city", "{code}"], 0),
    (["approve", str(YEAR)], 2),  # neither --city nor --all-clear
    (["approve", str(YEAR), "--city", "NOPE"], 2),
    (["approve", str(YEAR), "--city", "{code}", "--all-clear"], 2),
    (["unapprove", str(YEAR), "--city", "{code}"], 2),  # no reason
    (["unapprove", str(YEAR), "--city", "{code}", "--reason", "why"], 1),  # not approved: nothing written
    (["skip", str(YEAR), "--city", "{code}"], 1),  # has figures
    (["approve", str(YEAR), "--all-clear"], 0),
]


@pytest.mark.duckdb_only
@pytest.mark.parametrize(("arguments", "status"), CLI_CASES)
def test_round_steps_exit_codes(sample_path, capsys, arguments, status):
    code = "210100"
    argv = ["round", *(a.format(code=code) for a in arguments), "--db", str(sample_path)]
    assert main(argv) == status


@pytest.mark.duckdb_only
def test_round_status_json_shows_each_approval_and_the_history(sample_path, capsys):
    db = ["--db", str(sample_path)]
    assert main(["round", "approve", str(YEAR), "--city", "210100", "--by", "li", *db]) == 0
    assert main(["round", "approve", str(YEAR), "--city", "210100", *db]) == 1  # approved already
    assert main(["round", "unapprove", str(YEAR), "--city", "210100", "--reason", "typo", "--by", "wang", *db]) == 0
    assert main(["round", "approve", str(YEAR), "--city", "210100", "--by", "li", *db]) == 0
    capsys.readouterr()
    assert main(["round", "status", str(YEAR), "--json", *db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["approved"] == 1 and out["complete"] is False
    assert {p["approval"] for p in out["pilots"]} == {"approved", None}  # null, never NaN, for the others
    mine = next(p for p in out["pilots"] if p["city_code"] == "210100")
    assert mine["approval"] == "approved" and mine["approved_by"] == "li"
    assert [(h["action"], h["by"], h["reason"]) for h in out["history"]] == [
        ("approve", "li", None),
        ("unapprove", "wang", "typo"),
        ("approve", "li", None),
    ]


def test_schema_11_adds_the_approvals_to_a_version_10_database(db):
    with db.cursor() as cur, transaction(cur):
        cur.execute("DROP TABLE approvals")
        cur.execute("DROP TABLE approval_events")
        cur.execute("DROP SEQUENCE approval_event_id_seq")
        for statement in RELEASES_UNDONE:  # version 12's
            cur.execute(statement)
        meta.set_meta(cur, "schema_version", "10")
    with db.cursor() as cur:
        migrate(cur)
        assert meta.get_meta(cur, "schema_version") == str(SCHEMA_VERSION)
    code, _ = pilot(db)
    assert approval.approve(db, YEAR, [code], EDITOR).done == [code]


@pytest.mark.duckdb_only
def test_the_round_page_approves_all_that_are_clear_and_an_admin_lifts_one_with_a_reason(app_db, capsys):
    from test_pages import open_app, table_with

    at = open_app("round", lang="en", year=str(YEAR))
    at.button(key="round_approve_clear").click().run()
    assert not at.exception and at.success, [e.value for e in at.exception]
    approved = table_with(at, "Approval")["Approval"]
    assert approved.str.startswith("approved").sum() > 0
    code = at.multiselect(key="round_unapprove_pilots").options[0].split("(")[-1].rstrip(")")
    at.multiselect(key="round_unapprove_pilots").set_value([code])
    at.text_input(key="round_unapprove_reason").input("a late correction").run()
    at.button(key="round_unapprove").click().run()
    assert not at.exception and at.success, [e.value for e in at.exception]
    assert main(["round", "status", str(YEAR), "--json"]) == 0  # the app's own database, as the CLI reads it
    history = json.loads(capsys.readouterr().out)["history"]
    assert (history[-1]["city_code"], history[-1]["action"], history[-1]["reason"]) == (
        code,
        "unapprove",
        "a late correction",
    )

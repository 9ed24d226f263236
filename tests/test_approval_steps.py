"""Approval's steps beyond approving and un-approving: a pilot with open flags approved only when asked for explicitly
(recorded), and a step of the history undone by a new one where nothing later depends on it; the app and the CLI.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR
from test_approvals import figures_file

from metrics.analysis import approval
from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.domain.roles import Actor
from metrics.ingest import uploads
from metrics.store import approvals

pytestmark = pytest.mark.both_engines
YEAR = SAMPLE_END_YEAR
CLEAR = "120000"  # Tianjin: nothing open in the sample's 2025
FLAGGED = "320100"  # Nanjing: its talent pool far above the other pilots'
SILENT = "330500"  # Huzhou: no 2025 figures
OTHER_EDITOR = Actor("zhao", "editor", "password")


def history(db) -> list[dict]:
    with db.snapshot() as cur:
        return approvals.history(cur, YEAR).to_dict("records")


def whole(value: object) -> int | None:
    """A nullable whole number of a history row as Python's (None for NULL, whichever way the engine gives it)."""
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def state(db, code: str) -> str | None:
    with db.snapshot() as cur:
        found = approvals.states(cur, YEAR).get((code, YEAR))
    return found.state if found else None


@pytest.mark.parametrize(
    ("codes", "despite", "refused", "recorded"),
    [
        ([CLEAR], False, None, [None]),
        ([CLEAR, FLAGGED], False, ["Nanjing: 1 open: Experts in the talent pool: far from the median"], []),
        ([FLAGGED], True, None, [1]),  # approved despite its one open flag: the history says so
        ([CLEAR, FLAGGED], True, None, [None, 1]),
    ],
    ids=["clear", "flagged-refused", "flagged-despite", "both-despite"],
)
def test_a_pilot_with_open_flags_is_approved_only_when_asked_explicitly(db, codes, despite, refused, recorded):
    if refused:
        with pytest.raises(Refused) as caught:
            approval.approve(db, YEAR, codes, EDITOR, despite_flags=despite)
        assert all(part in caught.value.text.en for part in ["Nothing was approved", *refused])
        assert "南京" in caught.value.text.zh and "--despite-flags" in caught.value.text.zh
        assert history(db) == [] and state(db, CLEAR) is None  # nothing written, not even the clear pilot
        return
    assert approval.approve(db, YEAR, codes, EDITOR, despite_flags=despite).done == codes
    assert [whole(e["open_flags"]) for e in history(db)] == recorded


def _change_figures(db, code: str) -> None:
    with db.snapshot() as cur:
        from metrics.store.figures import year_values

        agreements = int(year_values(cur, YEAR).set_index("city_code").loc[code, "agreements"])
    uploads.load(db, figures_file((code, YEAR, agreements + 1)), "changed.csv", EDITOR)


# (the pilot, the steps taken first: (action, by) or "change" (its figures change), the step undone (its index
# among the steps), who undoes it, and the pilot's state after, or what the refusal says)
UNDO_CASES = [
    (CLEAR, [("approve", EDITOR)], 0, EDITOR, None),  # an editor's own approval: lifted
    (CLEAR, [("approve", EDITOR)], 0, OTHER_EDITOR, "an editor undoes only their own"),
    (CLEAR, [("approve", EDITOR)], 0, ADMIN, None),  # an admin lifts anyone's
    (CLEAR, [("approve", EDITOR), ("unapprove", ADMIN)], 1, ADMIN, approvals.APPROVED),  # approved again
    (CLEAR, [("approve", EDITOR), ("unapprove", ADMIN)], 1, EDITOR, "may not"),  # an un-approval is an admin's
    (CLEAR, [("approve", EDITOR), ("unapprove", ADMIN)], 0, ADMIN, "step #{1} of the same pilot-year came after"),
    (CLEAR, [("approve", EDITOR), ("unapprove", ADMIN), "change"], 1, ADMIN, "changed after the un-approval"),
    (SILENT, [("skip", ADMIN)], 0, ADMIN, None),  # "did not report" cleared
    (SILENT, [("skip", ADMIN)], 0, EDITOR, "may not"),
    (SILENT, [("skip", ADMIN), ("unapprove", ADMIN)], 1, ADMIN, approvals.NOT_REPORTED),  # marked again
]
STEPS = {
    "approve": lambda db, code, by: approval.approve(db, YEAR, [code], by),
    "unapprove": lambda db, code, by: approval.unapprove(db, YEAR, [code], "a late correction", by),
    "skip": lambda db, code, by: approval.mark_not_reported(db, YEAR, [code], by),
}


@pytest.mark.parametrize(("code", "steps", "undone", "by", "expected"), UNDO_CASES)
def test_a_step_is_undone_by_a_new_one_where_nothing_later_depends_on_it(db, code, steps, undone, by, expected):
    for step in steps:
        if step == "change":
            _change_figures(db, code)
        else:
            STEPS[step[0]](db, code, step[1])
    ids = [int(e["event_id"]) for e in history(db)]
    before = (history(db), state(db, code))
    if isinstance(expected, str) and expected not in (approvals.APPROVED, approvals.NOT_REPORTED):
        with pytest.raises(Refused) as caught:
            approval.undo(db, YEAR, ids[undone], "", by)
        assert expected.format(*ids) in caught.value.text.en
        assert (history(db), state(db, code)) == before  # nothing written
        return
    done = approval.undo(db, YEAR, ids[undone], "mistaken", by)
    after = history(db)
    assert len(after) == len(ids) + 1 and whole(after[-1]["undoes"]) == ids[undone]
    assert after[-1]["reason"] == "mistaken" and after[-1]["done_by"] == by.name
    assert f"#{ids[undone]}" in done.en and f"第 {ids[undone]} 号" in done.zh
    assert state(db, code) == expected


def test_an_unknown_step_or_one_of_another_year_is_refused(db):
    approval.approve(db, YEAR, [CLEAR], EDITOR)
    (step,) = [int(e["event_id"]) for e in history(db)]
    for year, event in ((YEAR, step + 100), (YEAR - 1, step)):
        with pytest.raises(Refused, match="There is no step"):
            approval.undo(db, year, event, "", ADMIN)


# (arguments after `round`, exit status): --despite-flags, and undo-approval (the first step is Tianjin's approval)
CLI_CASES = [
    (["approve", str(YEAR), "--city", FLAGGED], 1),
    (["approve", str(YEAR), "--city", FLAGGED, "--despite-flags"], 0),
    (["approve", str(YEAR), "--all-clear"], 0),  # leaves the flagged out
    (["undo-approval", str(YEAR), "--event", "1"], 0),
    (["undo-approval", str(YEAR), "--event", "99"], 1),
    (["undo-approval", str(YEAR), "--event", "x"], 2),
    (["undo-approval", str(YEAR)], 2),
]


@pytest.mark.duckdb_only
@pytest.mark.parametrize(("arguments", "status"), CLI_CASES)
def test_cli_exit_codes(sample_path, capsys, arguments, status):
    db = ["--db", str(sample_path)]
    assert main(["round", "approve", str(YEAR), "--city", CLEAR, *db]) == 0
    assert main(["round", *arguments, *db]) == status
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.duckdb_only
def test_cli_undo_then_status_shows_the_steps(sample_path, capsys):
    db = ["--db", str(sample_path)]
    assert main(["round", "approve", str(YEAR), "--city", CLEAR, "--by", "li", *db]) == 0
    assert main(["round", "approve", str(YEAR), "--city", FLAGGED, "--despite-flags", "--by", "li", *db]) == 0
    assert main(["round", "undo-approval", str(YEAR), "--event", "1", "--reason", "wrong pilot", "--by", "li",
                 *db]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["round", "undo-approval", str(YEAR), "--event", "1", *db]) == 1
    assert "step #3" in capsys.readouterr().err
    assert main(["round", "status", str(YEAR), "--json", *db]) == 0
    steps = json.loads(capsys.readouterr().out)["history"]
    assert [(s["event_id"], s["city_code"], s["action"], s["undoes"], s["open_flags"], s["reason"]) for s in steps] == [
        (1, CLEAR, "approve", None, None, None),
        (2, FLAGGED, "approve", None, 1, None),
        (3, CLEAR, "unapprove", 1, None, "wrong pilot"),
    ]


V11_FLAGS = """
CREATE TABLE flags (
    city_code TEXT NOT NULL, year INTEGER NOT NULL, indicator TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('own_history', 'peers', 'rule')), rule_id TEXT,
    value DOUBLE PRECISION, z DOUBLE PRECISION,
    status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'returned')),
    comment TEXT, decided_by TEXT, decided_at TIMESTAMP
)"""


def test_schema_12_keeps_a_version_11_databases_decisions_and_steps(db):
    from older_schemas import RELEASES_UNDONE

    from metrics.analysis.review import decide
    from metrics.store import meta
    from metrics.store.schema import SCHEMA_VERSION, migrate
    from metrics.store.transactions import transaction

    approval.approve(db, YEAR, [CLEAR, "210100"], EDITOR)
    approval.unapprove(db, YEAR, ["210100"], "a late correction", ADMIN)
    with db.cursor() as cur, transaction(cur):  # the tables as version 11 made them, with a decision in each
        cur.execute("DROP TABLE flags")
        cur.execute(V11_FLAGS)
        cur.execute("""INSERT INTO flags VALUES ('320100', 2025, 'experts_in_pool', 'peers', NULL, 1.0, 5.8,
                       'confirmed', 'ok', 'li', TIMESTAMP '2026-01-02 03:04:05')""")
        for column in ("undoes", "figures", "open_flags"):
            cur.execute(f"ALTER TABLE approval_events DROP COLUMN {column}")
        for statement in RELEASES_UNDONE:  # versions 14 and 13, made after
            cur.execute(statement)
        meta.set_meta(cur, "schema_version", "11")
    with db.cursor() as cur:
        migrate(cur)
        assert meta.get_meta(cur, "schema_version") == str(SCHEMA_VERSION)
        assert cur.execute("SELECT comment, basis FROM flags").fetchall() == [("ok", None)]
    approved, _, lifted = [int(e["event_id"]) for e in history(db)]
    assert "Undid" in approval.undo(db, YEAR, approved, "", EDITOR).en  # a step recorded before version 12
    with pytest.raises(Refused, match="were not recorded"):  # its figures then unknown: not approved again blindly
        approval.undo(db, YEAR, lifted, "", ADMIN)
    assert decide(db, YEAR, CLEAR, None, "returned", "请核实", EDITOR) == 0  # a whole year sent back: new in 12


@pytest.mark.duckdb_only
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_round_page_approves_a_flagged_pilot_only_when_chosen_and_undoes_the_step(app_db, lang):
    from test_pages import open_app, table_with

    at = open_app("round", lang=lang, year=str(YEAR))
    picker = at.multiselect(key="round_approve_pilots")
    assert any(FLAGGED in o and ("1 项待处理" if lang == "zh" else "1 open") in o for o in picker.options)
    picker.set_value([CLEAR, FLAGGED]).run()
    at.button(key="round_approve").click().run()
    refused = " ".join(e.value for e in at.error)
    assert ("未审核任何试点" if lang == "zh" else "Nothing was approved") in refused and not at.success
    at.checkbox(key="round_approve_despite").check().run()
    at.button(key="round_approve").click().run()
    assert at.success and not at.exception, [e.value for e in at.error]
    steps = table_with(at, "#")
    assert ("仍有 1 项待处理" if lang == "zh" else "despite 1 open") in " ".join(steps.iloc[:, 3])
    undoable = at.selectbox(key="round_undo_step")
    assert len(undoable.options) == 2  # the latest step of each pilot
    nanjing = next(int(o.split(" ")[0][1:]) for o in undoable.options if "320100" in o or "南京" in o or "Nanjing" in o)
    undoable.set_value(nanjing).run()
    at.text_input(key="round_undo_reason").input("chosen by mistake").run()
    at.button(key="round_undo_button").click().run()
    assert at.success and not at.exception, [e.value for e in at.error]
    steps = table_with(at, "#")
    assert len(steps) == 3 and str(nanjing) in steps.iloc[0, 3] and steps.iloc[0, 5] == "chosen by mistake"


@pytest.mark.duckdb_only
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_round_page_sends_a_pilot_without_a_flag_back(app_db, lang):
    from test_pages import open_app, table_with

    at = open_app("round", lang=lang, year=str(YEAR))
    at.selectbox(key="round_correction_pilot").set_value(CLEAR).run()
    at.text_input(key="round_return_reason").input("请核实全部数据").run()
    at.button(key="round_return").click().run()
    assert at.success and not at.exception, [e.value for e in at.error]
    tracker = table_with(at, "代码" if lang == "zh" else "Code").set_index("代码" if lang == "zh" else "Code")
    assert tracker.loc[CLEAR, "状态" if lang == "zh" else "Status"] == ("已退回" if lang == "zh" else "returned")
    assert "请核实全部数据" in tracker.loc[CLEAR, "说明" if lang == "zh" else "Notes"]

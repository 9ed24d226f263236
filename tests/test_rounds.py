"""The yearly collection round: forms out, files back many at once (and as a zip), the tracker of who sent what.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import EDITOR, SAMPLE_END_YEAR
from test_cli import run_cli
from test_pages import metric_values, open_app, table_with

from metrics.analysis.round_status import round_status
from metrics.cli import main
from metrics.domain import registry
from metrics.domain.i18n import LANGS
from metrics.ingest import batch, forms, uploads
from metrics.ingest.checks import is_reference
from metrics.store.database import open_database
from metrics.store.figures import year_values
from metrics.store.rounds import Round, default_round, get_round

pytestmark = pytest.mark.both_engines
YEAR = SAMPLE_END_YEAR + 1  # the round after the sample's last year


def filled(form: bytes, values: dict[str, object] | None = None, seed: int = 0) -> bytes:
    """A form filled in as a pilot would: each value cell typed in (`values` by key, else a little above last
    year's figure beside it, else a plausible small number)."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    ws = book.worksheets[0]
    headers = [c.value for c in ws[2]]
    for column, header in enumerate(headers, start=1):
        ind = next((i for i in registry.BASE_INDICATORS if header in (i.header_zh, i.header_en)), None)
        if ind is not None:
            last = ws.cell(3, column + 1).value
            guess = round(float(last) * 1.08, ind.decimals) + seed % 3 if last is not None else 5 + seed % 7
            ws.cell(3, column).value = (values or {}).get(ind.key, guess)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sample_forms(database, lang: str = "zh", round_: Round | None = None) -> list[forms.Form]:
    """The round's forms for every pilot designated by YEAR."""
    with database.snapshot() as cur:
        return forms.write_forms(cur, round_ or default_round(YEAR), lang)


# --- the forms --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_form_locks_the_pilot_validates_the_values_and_shows_last_year_for_reference(db, lang):
    with db.snapshot() as cur:
        (form,) = forms.write_forms(cur, default_round(SAMPLE_END_YEAR), lang, codes=["330100"])
        last = year_values(cur, SAMPLE_END_YEAR - 1).set_index("city_code").loc["330100"]
    assert form.file_name == f"330100_{SAMPLE_END_YEAR}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(form.content))
    data, instructions = book.worksheets
    assert instructions.title == ("填报说明" if lang == "zh" else "Instructions")
    headers, row = [c.value for c in data[2]], data[3]
    assert [c.value for c in row[:3]] == ["330100", "杭州市" if lang == "zh" else "Hangzhou", SAMPLE_END_YEAR]
    assert data.protection.sheet and all(c.protection.locked for c in row[:3])
    rules = {str(r.sqref): r for r in data.data_validations.dataValidation}
    for ind in registry.BASE_INDICATORS:
        value = headers.index(ind.header_zh if lang == "zh" else ind.header_en)
        cell, reference = row[value], row[value + 1]
        assert cell.value is None and not cell.protection.locked  # open, and empty: never last year's figure
        rule = rules[cell.coordinate]
        assert (rule.type, rule.operator, rule.formula1) == ("decimal" if ind.decimals else "whole",
                                                             "greaterThanOrEqual", "0")  # fmt: skip
        assert rule.showErrorMessage and rule.allow_blank
        assert is_reference(headers[value + 1]) and reference.protection.locked
        expected = last[ind.key]
        assert reference.value == (None if pd.isna(expected) else pytest.approx(float(expected)))


@pytest.mark.parametrize(
    ("header", "reference"),
    [
        ("2025 年对接活动（参考）", True),
        ("Matching activities, 2025 (reference)", True),
        ("名称（参考）", True),
        ("Name (for reference only)", True),
        ("对接活动（场）", False),
        ("参考值", False),  # not a marked column: an unknown header, an error with candidates
        ("Agreement value (10k CNY)", False),
    ],
)
def test_reference_columns_are_those_marked_so(header, reference):
    assert is_reference(header) is reference


def test_a_filled_form_is_an_ordinary_figures_file_and_its_reference_columns_are_never_read(db):
    with db.snapshot() as cur:
        (form,) = forms.write_forms(cur, default_round(YEAR), "zh", codes=["330100"])
    prepared = uploads.prepare(db, filled(form.content, {"activities": 41}), form.file_name)
    assert prepared.report.ok, [i.message.en for i in prepared.report.issues]
    assert prepared.pilot == ("330100", YEAR)
    rows = prepared.report.parsed()
    assert len(rows) == 1 and rows.iloc[0]["activities"] == 41
    assert set(rows.columns) == {"row", "city_code", "year", *registry.BASE_KEYS}  # no reference column read
    assert any("marked as reference" in note.en for note in prepared.report.read)


def test_a_form_sent_back_for_corrections_holds_the_loaded_figures(db):
    with db.snapshot() as cur:
        (form,) = forms.write_forms(cur, default_round(SAMPLE_END_YEAR), "en", codes=["330100"], prefilled=True)
        stored = year_values(cur, SAMPLE_END_YEAR).set_index("city_code").loc["330100"]
    prepared = uploads.prepare(db, form.content, form.file_name)
    assert prepared.report.ok and prepared.counts["updated"] == 0  # sent back unchanged, it changes nothing
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(form.content)).worksheets[0][2]]
    assert headers.index("Experts in the talent pool") > 0 and not pd.isna(stored["experts_in_pool"])


# --- many files at once ---------------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes], utf8: bool = True) -> bytes:
    """A zip of the members; `utf8` False names them in GBK without the UTF-8 flag, as Windows' own zipper does."""
    out = io.BytesIO()
    stand_ins = {}
    with zipfile.ZipFile(out, "w") as archive:
        for k, (name, content) in enumerate(members.items()):
            gbk = name.encode("gbk")
            stand_in = name if utf8 else f"{k:0{len(gbk)}d}"  # ASCII, so no flag; replaced by the GBK bytes below
            stand_ins[stand_in.encode()] = gbk
            archive.writestr(stand_in, content)
    data = out.getvalue()
    if not utf8:
        for stand_in, gbk in stand_ins.items():
            data = data.replace(stand_in, gbk)
    return data


CSV = "城市,年份,对接活动（场）\n杭州市,2026,40\n".encode()


@pytest.mark.parametrize(
    ("members", "utf8", "expected"),
    [
        ({"a.csv": CSV, "b/c.csv": CSV}, True, ["z.zip/a.csv", "z.zip/b/c.csv"]),
        ({"杭州.csv": CSV}, False, ["z.zip/杭州.csv"]),  # made on Chinese Windows: a GBK name, unflagged
        ({"__MACOSX/._a.csv": b"x", ".DS_Store": b"x", "~$a.xlsx": b"x", "a.csv": CSV}, True, ["z.zip/a.csv"]),
        ({"read me.docx": b"x"}, True, ["z.zip/read me.docx"]),  # listed, refused as not a table
    ],
)
def test_a_zip_stands_for_the_table_files_inside_it(members, utf8, expected):
    unpacked = batch.unpack(_zip(members, utf8), "z.zip")
    assert [name for name, _ in unpacked] == expected
    assert all(isinstance(content, bytes) == name.endswith(".csv") for name, content in unpacked)


def test_files_that_passed_load_one_upload_each_and_the_refused_are_recorded(db):
    good = [(f.file_name, filled(f.content, seed=k)) for k, f in enumerate(sample_forms(db)[:3])]
    bad_form = sample_forms(db)[3]
    bad = (bad_form.file_name, filled(bad_form.content, {"agreements": -4}))
    outcomes = batch.check_files(db, [*good, bad])
    assert [o.status for o in outcomes] == ["ready", "ready", "ready", "refused"]
    assert batch.record_refusals(db, outcomes, EDITOR) == 1
    assert batch.record_refusals(db, outcomes, EDITOR) == 0  # the same bytes again: not a new attempt
    batch.load_passed(db, outcomes, EDITOR)
    ids = [o.upload_id for o in outcomes]
    assert ids[3] is None and len(set(ids[:3])) == 3  # one upload each, so each undoes alone
    uploads.undo(db, ids[1], EDITOR)
    with db.snapshot() as cur:
        status = round_status(cur, YEAR).pilots.set_index("city_code")
    codes = [o.prepared.pilot[0] for o in outcomes]
    assert list(status.loc[codes, "status"]) == ["loaded", "missing", "loaded", "refused"]
    assert "negative" in status.loc[codes[3], "reasons"][0].message.en


def test_a_file_whose_check_another_file_of_the_batch_changed_is_checked_again_not_loaded_unseen(db):
    first = "城市,年份,对接活动（场）\n杭州市,2024,5\n".encode()  # 2025's file was checked against 2024's 31
    second = "城市,年份,对接活动（场）\n杭州市,2025,60\n".encode()
    outcomes = batch.check_files(db, [("a.csv", first), ("b.csv", second)])
    assert [o.status for o in outcomes] == ["ready", "ready"] and outcomes[1].prepared.report.ok
    batch.load_passed(db, outcomes, EDITOR)  # as the Upload page does: a new check unseen is not loaded
    assert [o.status for o in outcomes] == ["loaded", "review"]
    assert "12.0 times last year's 5" in outcomes[1].prepared.report.issues[0].message.en  # checked again
    assert "1 new warnings" in batch.differences(outcomes[1]).en
    batch.load_passed(db, outcomes, EDITOR)  # confirmed after a look at the new check
    assert outcomes[1].status == "loaded"


# --- the tracker ------------------------------------------------------------------------------------------------


def _load(db, text: str, name: str) -> int | None:
    prepared, upload_id = uploads.load(db, text.encode(), name, EDITOR)
    if upload_id is None:
        uploads.record_refusal(db, prepared, EDITOR)
    return upload_id


TRACKER_CASES = [  # (what happens, the pilot's status in the tracker, late once due has passed)
    ("nothing", "missing", True),
    ("refused", "refused", True),
    ("loaded", "loaded", False),
    ("refused then loaded", "loaded", False),
    ("loaded then undone", "missing", True),
    ("loaded then a refused correction", "loaded", False),
]


@pytest.mark.parametrize(("story", "expected", "late"), TRACKER_CASES)
def test_the_tracker_reads_each_pilot_s_status_from_its_uploads_and_attempts(db, story, expected, late):
    good, bad = f"城市,年份,对接活动（场）\n武汉市,{YEAR},12\n", f"城市,年份,对接活动（场）\n武汉市,{YEAR},-1\n"
    upload_id = None
    for step in story.split(" then "):
        if step in ("refused", "a refused correction"):
            assert _load(db, bad, f"420100_{YEAR}.csv") is None
        elif step == "loaded":
            upload_id = _load(db, good, f"420100_{YEAR}.csv")
        elif step == "undone":
            uploads.undo(db, upload_id, EDITOR)
    forms.open_round(db, Round(YEAR, ("activities", "agreements"), dt.date(YEAR, 3, 31)), EDITOR)
    with db.snapshot() as cur:
        before_due = round_status(cur, YEAR, today=dt.date(YEAR, 3, 31))
        after_due = round_status(cur, YEAR, today=dt.date(YEAR, 4, 1))
    pilot = before_due.pilots.set_index("city_code").loc["420100"]
    assert pilot["status"] == expected and not pilot["late"]
    assert bool(after_due.pilots.set_index("city_code").loc["420100", "late"]) is late
    if expected == "loaded":
        assert pilot["upload_id"] == upload_id and pilot["loaded_by"] == EDITOR.name
        assert "agreements" in [w.message.en for w in pilot["warnings"]][-1].lower()  # left blank: worth a look
    counts = after_due.counts
    assert sum(counts[s] for s in ("loaded", "refused", "missing")) == len(after_due.pilots)
    assert counts["late"] == counts["refused"] + counts["missing"]


def test_a_round_keeps_its_indicators_and_due_date_and_can_be_opened_again(db):
    forms.open_round(db, Round(YEAR, ("agreements",), dt.date(YEAR, 3, 31)), EDITOR)
    forms.open_round(db, Round(YEAR, ("agreements", "activities"), dt.date(YEAR, 5, 1)), EDITOR)  # corrections
    with db.snapshot() as cur:
        round_ = get_round(cur, YEAR)
    assert round_ is not None and round_.indicators == ("activities", "agreements")  # the registry's order
    assert round_.due == dt.date(YEAR, 5, 1) and round_.opened_by == round_.changed_by == EDITOR.name


# --- the CLI, end to end -------------------------------------------------------------------------------------------


def test_forms_out_filled_in_back_in_one_command_and_the_tracker(sample_path, tmp_path):
    out = tmp_path / "forms"
    done = run_cli("round", "forms", str(YEAR), "--out", str(out), "--db", str(sample_path), "--lang", "en",
                   "--due", f"{YEAR}-01-31")  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = sorted(out.glob("*.xlsx"))
    assert f"Wrote {len(written)} forms" in done.stdout and len(written) == 65
    back = tmp_path / "back"
    back.mkdir()
    for k, path in enumerate(written[:-2]):  # two pilots never send theirs
        values = {"activities": -3} if k == 0 else None  # and one sends a negative count
        (back / path.name).write_bytes(filled(path.read_bytes(), values, seed=k))
    imported = run_cli("import", *map(str, sorted(back.iterdir())), "--db", str(sample_path), "--json")
    assert imported.returncode == 1, imported.stderr  # one was refused; the others still loaded
    result = json.loads(imported.stdout)
    assert (result["loaded"], result["refused"], len(result["files"])) == (62, 1, 63)
    assert "62 loaded, 0 unchanged, 1 refused" not in imported.stdout  # --json prints only the JSON
    refused = next(f for f in result["files"] if not f["ok"])
    assert refused["city_code"] == written[0].name.split("_")[0] and refused["errors"][0]["row"] == 3
    status = run_cli("round", "status", str(YEAR), "--json", "--db", str(sample_path))
    report = json.loads(status.stdout)
    assert report["counts"] == {"loaded": 62, "refused": 1, "missing": 2, "returned": 0, "late": 3, "approved": 0,
                                "not_reported": 0}  # fmt: skip
    assert report["due"] == f"{YEAR}-01-31"
    by_code = {p["city_code"]: p for p in report["pilots"]}
    assert by_code[written[0].name.split("_")[0]]["status"] == "refused"
    assert {by_code[p.name.split("_")[0]]["status"] for p in written[-2:]} == {"missing"}
    loaded = by_code[written[1].name.split("_")[0]]
    assert loaded["status"] == "loaded" and isinstance(loaded["upload_id"], int)
    assert set(report["pilots"][0]) >= {"city_code", "name_zh", "status", "upload_id", "warnings"}
    # the refused pilot's corrected file, zipped with one already loaded (which changes nothing again)
    fixed = filled(written[0].read_bytes(), seed=0)
    archive = tmp_path / "again.zip"
    archive.write_bytes(_zip({written[0].name: fixed, written[1].name: (back / written[1].name).read_bytes()}))
    again = run_cli("import", str(archive), "--db", str(sample_path))
    assert again.returncode == 0, again.stderr
    assert "2 files: 1 loaded, 1 unchanged, 0 refused." in again.stdout
    counts = json.loads(run_cli("round", "status", str(YEAR), "--json", "--db", str(sample_path)).stdout)["counts"]
    assert counts == {"loaded": 63, "refused": 0, "missing": 2, "returned": 0, "late": 2, "approved": 0,
                      "not_reported": 0}  # fmt: skip
    code = written[1].name.split("_")[0]  # sent back for corrections: its loaded figures filled in
    sent = run_cli("round", "forms", str(YEAR), "--out", str(tmp_path / "corrections"), "--city", code, "--filled",
                   "--db", str(sample_path))  # fmt: skip
    assert sent.returncode == 0 and [p.name for p in (tmp_path / "corrections").iterdir()] == [written[1].name]
    book = openpyxl.load_workbook(tmp_path / "corrections" / written[1].name)
    assert book.worksheets[0].cell(3, 4).value is not None  # the first value cell holds the loaded figure


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["round", "forms", "1990", "--out", "x"], 2, "Invalid year 1990"),
        (["round", "forms", str(YEAR), "--out", "x", "--indicator", "activitees"], 2, "Did you mean: activities"),
        (["round", "forms", str(YEAR), "--out", "x", "--due", "31/03/2027"], 2, "not a date"),
        (["round", "status", "1990"], 2, "Invalid year 1990"),
        (["import"], 2, "the following arguments are required"),
    ],
)
def test_round_commands_refuse_bad_usage_with_a_message(sample_path, args, code, message):
    done = run_cli(*args, "--db", str(sample_path), "--lang", "en")
    assert done.returncode == code and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# --- the app ------------------------------------------------------------------------------------------------------


def test_several_files_dropped_on_the_upload_page_load_at_once_and_the_tracker_changes(app_db):
    database = open_database(app_db)
    made = sample_forms(database, "en")
    database.close()
    files = [(f.file_name, filled(f.content, seed=k), "application/octet-stream") for k, f in enumerate(made[:4])]
    files[2] = (files[2][0], filled(made[2].content, {"activities": -1}), files[2][2])
    at = open_app("round", lang="en", year=str(YEAR))
    assert metric_values(at)["Loaded"] == f"0 / {len(made)}"
    at.switch_page("app_pages/upload.py").run()
    at.get("file_uploader")[0].set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = table_with(at, "Problems")
    assert shown["Status"][2] == "refused" and "negative" in shown["Problems"][2]
    assert set(shown["Status"]) - {"refused"} <= {"ready to load", "warnings: see below"}
    if "warnings: see below" in set(shown["Status"]):  # a form whose figures warrant a look: looked at, loaded
        at.checkbox(key="load_warned_all").check().run()
        at.button(key="upload_batch_warned_confirm").click().run()
    at.button(key="upload_batch_confirm").click().run()
    assert any("Loaded 3 file(s)" in s.value for s in at.success)
    assert list(table_with(at, "Problems")["Status"]) == ["loaded", "loaded", "refused", "loaded"]
    at.switch_page("app_pages/round.py").run()
    counts = metric_values(at)
    assert (counts["Loaded"], counts["Refused"]) == (f"3 / {len(made)}", "1")
    tracker = table_with(at, "Notes")
    refused = tracker[tracker["Status"].str.startswith("refused")]
    assert list(refused["File"]) == [made[2].file_name] and "negative" in refused["Notes"].iloc[0]


@pytest.mark.parametrize("lang", LANGS)
def test_the_round_page_opens_a_round_and_offers_the_forms_and_the_chase_list(app_db, lang, capsys):
    at = open_app("round", lang=lang, year=str(YEAR))
    at.multiselect(key=f"round_indicators_{YEAR}").set_value(["activities", "agreements"])
    at.checkbox(key=f"round_no_due_{YEAR}").check()
    at.button(key="round_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, "the round was not saved"
    assert main(["round", "status", str(YEAR), "--json"]) == 0  # the app's own database, as the CLI reads it
    saved = json.loads(capsys.readouterr().out)
    assert saved["opened"] and saved["indicators"] == ["activities", "agreements"] and saved["due"] is None
    assert any("round_forms_zip" in b.proto.id for b in at.get("download_button"))
    at.session_state["downloads-round_chase"] = True
    at.run()
    assert len(at.get("download_button")) >= 3  # the forms, and the chase list as CSV and Excel


def test_switching_the_round_year_shows_and_saves_that_year_s_own_settings(app_db, capsys):
    # The settings' widgets once had one key for every year: after switching years the form still showed the year
    # before's indicators and due date, and saving gave them to this year. Found by their labels, whatever the keys.
    def indicators(at):
        return next(m for m in at.multiselect if m.label == "Indicators asked for")

    def due(at):
        return next(d for d in at.date_input if d.label == "Due date")

    at = open_app("round", lang="en", year=str(YEAR))
    indicators(at).set_value(["activities", "agreements"])
    due(at).set_value(dt.date(YEAR + 1, 5, 1))
    at.button(key="round_save").click().run()
    assert main(["round", "status", str(YEAR), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["indicators"] == ["activities", "agreements"]
    at.selectbox(key="round_year").set_value(YEAR - 1).run()
    every = [i.key for i in registry.BASE_INDICATORS]
    assert (indicators(at).value, due(at).value) == (every, dt.date(YEAR, 3, 31))  # the year's own: not opened
    at.button(key="round_save").click().run()
    assert main(["round", "status", str(YEAR - 1), "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["indicators"] == every and saved["due"] == f"{YEAR}-03-31", saved
    at.selectbox(key="round_year").set_value(YEAR).run()  # and back: as saved
    assert (indicators(at).value, due(at).value) == (["activities", "agreements"], dt.date(YEAR + 1, 5, 1))


def test_decimal_values_of_a_form_keep_their_fraction(db):
    (form,) = [f for f in sample_forms(db) if f.city_code == "330100"]
    prepared = uploads.prepare(db, filled(form.content, {"contract_value_10k_cny": 1234.56}), form.file_name)
    assert prepared.report.ok
    assert Decimal(str(prepared.report.parsed().iloc[0]["contract_value_10k_cny"])) == Decimal("1234.56")


def test_forms_zip_holds_one_named_form_per_pilot(db):
    made = sample_forms(db)
    archive = zipfile.ZipFile(io.BytesIO(forms.forms_zip(made)))
    assert archive.namelist() == [f.file_name for f in made]
    assert all(Path(n).suffix == ".xlsx" and n.endswith(f"_{YEAR}.xlsx") for n in archive.namelist())


def test_the_deck_and_the_completeness_page_show_the_open_round(app_db):
    from pptx import Presentation

    from metrics.present import deck

    database = open_database(app_db)
    forms.open_round(database, Round(YEAR, ("activities",), dt.date(YEAR, 1, 31)), EDITOR)
    _load(database, f"城市,年份,对接活动（场）\n武汉市,{YEAR},12\n", f"420100_{YEAR}.csv")
    with database.snapshot() as cur:
        slides = Presentation(io.BytesIO(deck.build(cur, deck.standard_specs(cur), "en", dt.date(YEAR, 2, 1)))).slides
    database.close()
    texts = ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in slides]
    (shown,) = [t for t in texts if f"Collecting the {YEAR} figures" in t]
    assert "1 loaded" in shown and "64 late" in shown and "(* late)" in shown
    at = open_app("completeness", lang="en")
    summary = f"The {YEAR} round (open): 1 of 65 pilots loaded, 0 refused, 64 not received, 64 late; 0 approved."
    assert any(summary in i.value for i in at.info)


def test_a_file_that_would_change_nothing_is_not_loaded_again(db):
    form = sample_forms(db)[0]
    content = filled(form.content)
    (first,) = batch.load_passed(db, batch.check_files(db, [(form.file_name, content)]), EDITOR)
    assert first.status == "loaded"
    (again,) = batch.check_files(db, [(form.file_name, content)])
    assert again.status == "unchanged"
    batch.load_passed(db, [again], EDITOR)
    assert again.upload_id is None

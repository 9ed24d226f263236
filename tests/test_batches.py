"""Many files at once, honestly: every file of a batch ends loaded, refused with its reasons, or truly unchanged (its
values stored already, as the database stood when it was loaded); the exit status and the counts say so. Files of
one pilot in successive years, a file going stale while others commit, two files giving one cell two values, a
workbook whose several sheets hold tables, more files than a batch takes.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines), but for the largest batches (duckdb_only).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import EDITOR
from test_pages import open_app, table_with

from metrics.cli import main
from metrics.domain import registry
from metrics.ingest import batch, uploads
from metrics.store import raw_files
from metrics.store.database import Database, open_database

pytestmark = pytest.mark.both_engines

PILOTS = ("330100", "440100", "420100", "510100", "320100", "370200", "210200", "350200", "330200", "610100")
YEARS = range(2015, 2026)  # the pilots above were designated in 2014
GROUPS = (  # a file reports one of these, so that several files of one pilot-year never touch the same cell
    ("activities", "experts_participating"),
    ("agreements", "contract_value_10k_cny"),
    ("stations_founded",),
    ("experts_in_pool",),
    ("enterprises_participating",),
)


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _stored(database: Database, code: str, year: int, column: str) -> float | None:
    table = registry.base(column).table  # a name from the registry, never from the test's data
    with database.cursor() as cur:
        rows = cur.execute(
            f"SELECT {column} FROM {table} WHERE city_code = $code AND year = $year", {"code": code, "year": year}
        ).fetchall()
    return None if not rows or rows[0][0] is None else float(rows[0][0])


def _every_stored(database: Database, columns: set[str]) -> dict[tuple[str, int, str], float | None]:
    """The stored values of the columns, by (pilot, year, column), read a table at a time (as _stored reads each)."""
    found: dict[tuple[str, int, str], float | None] = {}
    for table in registry.VALUE_TABLES:
        mine = sorted(c for c in columns if registry.base(c).table == table)  # names from the registry
        if not mine:
            continue
        with database.cursor() as cur:
            rows = cur.execute(f"SELECT city_code, year, {', '.join(mine)} FROM {table}").fetchall()
        for code, year, *values in rows:
            for column, value in zip(mine, values, strict=True):
                found[(str(code), int(year), column)] = None if value is None else float(value)
    return found


def yearly_files(database: Database, n: int) -> tuple[dict[str, bytes], dict[tuple[str, int, str], float]]:
    """n one-row files, a pilot's years one after another (so each file's jump check compares a year with one
    another file of the batch writes), every value different from the stored one (each file changes something);
    and the values they give, by (pilot, year, column)."""
    files: dict[str, bytes] = {}
    expected: dict[tuple[str, int, str], float] = {}
    with database.cursor() as cur:  # the pilots designated by the first year: those above, then the others
        others = [r[0] for r in cur.execute("SELECT city_code FROM cities WHERE designated_year <= 2015").fetchall()]
    pilots = [*PILOTS, *sorted(set(others) - set(PILOTS))]
    cells = [(g, code, year) for g in GROUPS for code in pilots for year in YEARS]
    stored = _every_stored(database, {c for g in GROUPS for c in g})
    for k, (group, code, year) in enumerate(cells[:n]):
        values = []
        for column in group:
            before = stored.get((code, year, column))
            value = (10 + k % 9) if before is None else before * (5 if k % 4 == 0 else 1) + 1 + k % 3
            value = round(value, 2) if registry.base(column).decimals else int(value)
            values.append(value)
            expected[(code, year, column)] = value
        header = ",".join(["城市代码", "年份", *(registry.base(c).header_zh for c in group)])
        row = ",".join([code, str(year), *map(str, values)])
        files[f"{k:03d}_{code}_{year}.csv"] = f"{header}\n{row}\n".encode()
    return files, expected


def assert_stored(database: Database, expected: dict[tuple[str, int, str], float]) -> None:
    stored = _every_stored(database, {column for _, _, column in expected})
    wrong = {cell: (value, stored.get(cell)) for cell, value in expected.items()
             if stored.get(cell) != pytest.approx(value)}  # fmt: skip
    assert not wrong, f"{len(wrong)} of {len(expected)} values not stored: {list(wrong.items())[:5]}"


# --- the bug of issue 27: a file of the batch stale after another's commit, reported as fine ---------------------


def test_files_of_one_pilot_in_successive_years_all_load_and_the_summary_says_so(db, tmp_path, capsys):
    files = {  # b's jump check compared 2018 with 21 stored; once a is loaded, with a's 5
        "a_330100_2017.csv": "城市,年份,对接活动（场）\n330100,2017,5\n".encode(),
        "b_330100_2018.csv": "城市,年份,对接活动（场）\n330100,2018,60\n".encode(),
    }
    (tmp_path / "x.zip").write_bytes(zipped(files))
    assert main(["import", str(tmp_path / "x.zip"), "--db", db.name, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "LOADED  b_330100_2018.csv (330100): upload" in out and "checked again" in out, out
    assert "60 is 12.0 times last year's 5" in out  # the new check's warning, reported
    assert out.strip().endswith("2 files: 2 loaded, 0 unchanged, 0 refused."), out
    assert _stored(db, "330100", 2017, "activities") == 5 and _stored(db, "330100", 2018, "activities") == 60


# --- every value of 2, 50 and 500 files stored (500, the batch limit, through the command line only) ------------------


def through_the_command_line(database: Database, folder: Path, n: int, capsys: pytest.CaptureFixture) -> float:
    """n files zipped and loaded by `import`, every value checked in the database; how long `import` took."""
    files, expected = yearly_files(database, n)
    (folder / "forms.zip").write_bytes(zipped(files))
    started = time.perf_counter()
    assert main(["import", str(folder / "forms.zip"), "--db", database.name, "--json", "--lang", "en"]) == 0
    took = time.perf_counter() - started
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["loaded"], result["unchanged"], result["refused"], result["not_read"]) == (
        True, n, 0, 0, 0)  # fmt: skip
    assert {f["status"] for f in result["files"]} == {"loaded"} and all(f["upload_id"] for f in result["files"])
    assert_stored(database, expected)
    return took


def reviewed_and_loaded(database: Database, n: int) -> None:
    """n files checked and loaded as the Upload page does (a file checked again and different waits for the
    officer, who loads it after a look), every value checked in the database."""
    files, expected = yearly_files(database, n)
    outcomes = batch.check_files(database, [("forms.zip", zipped(files))])
    assert batch.counts(outcomes)["ready"] == n
    rounds = 0
    while any(o.status in ("ready", "review") for o in outcomes):
        batch.load_passed(database, outcomes, EDITOR)
        rounds += 1
        assert rounds <= 3, batch.counts(outcomes)
        assert all(o.status in ("loaded", "review") for o in outcomes), batch.counts(outcomes)
    assert batch.counts(outcomes)["loaded"] == n and len({o.upload_id for o in outcomes}) == n
    assert_stored(database, expected)


@pytest.mark.parametrize("n", [2, 50])
def test_a_zip_of_many_files_loads_every_value_through_the_command_line(db, tmp_path, capsys, n):
    through_the_command_line(db, tmp_path, n, capsys)


@pytest.mark.parametrize("n", [2, 50])
def test_a_batch_of_many_files_loads_every_value_once_the_officer_has_reviewed_what_changed(db, n):
    reviewed_and_loaded(db, n)


@pytest.mark.slow  # about 35 s each on two cores (a check and, once the data has changed, a check again per file)
@pytest.mark.duckdb_only
def test_a_zip_of_500_files_loads_every_value_through_the_command_line(db, tmp_path, capsys):
    took = through_the_command_line(db, tmp_path, 500, capsys)
    print(f"500 files through `import`: {took:.1f} s")


def test_the_command_line_loads_a_file_checked_again_and_the_upload_page_waits_for_a_look(db):
    files = {
        "a.csv": "城市,年份,对接活动（场）\n杭州市,2024,5\n".encode(),
        "b.csv": "城市,年份,对接活动（场）\n杭州市,2025,60\n".encode(),  # checked against 2024's 31
    }
    outcomes = batch.check_files(db, list(files.items()))
    batch.load_passed(db, outcomes, EDITOR, review=False)
    assert [o.status for o in outcomes] == ["loaded", "loaded"] and outcomes[1].rechecked
    assert any("12.0 times" in i.message.en for i in outcomes[1].prepared.report.issues)


# --- unchanged means unchanged now; a check older than the data is made again --------------------------------------


@pytest.mark.parametrize(("review", "status"), [(False, "loaded"), (True, "review")])
def test_a_file_unchanged_when_checked_is_checked_again_when_someone_has_changed_its_cells_since(db, review, status):
    same = "城市,年份,对接活动（场）\n杭州市,2024,31\n".encode()  # as stored
    (outcome,) = batch.check_files(db, [("same.csv", same)])
    assert outcome.status == "unchanged"
    uploads.load(db, "城市,年份,对接活动（场）\n杭州市,2024,40\n".encode(), "other.csv", EDITOR)  # meanwhile
    batch.load_passed(db, [outcome], EDITOR, review=review)
    assert outcome.status == status and outcome.rechecked
    assert _stored(db, "330100", 2024, "activities") == (31 if status == "loaded" else 40)


def test_a_file_still_unchanged_when_loaded_is_not_loaded_again(db):
    same = "城市,年份,对接活动（场）\n杭州市,2024,31\n".encode()
    new = "城市,年份,对接活动（场）\n广州市,2024,50\n".encode()
    outcomes = batch.check_files(db, [("same.csv", same), ("new.csv", new)])
    batch.load_passed(db, outcomes, EDITOR, review=False)
    assert [o.status for o in outcomes] == ["unchanged", "loaded"]


# --- two files of one batch, one cell -----------------------------------------------------------------------------


def test_two_files_giving_one_cell_two_values_are_both_refused_naming_each_other(db, tmp_path, capsys):
    files = {
        "a.csv": "城市,年份,对接活动（场）,签订合作协议（项）\n杭州市,2025,40,9\n".encode(),
        "b.csv": "序号,城市,年份,对接活动（场）\n1,广州市,2025,12\n2,杭州市,2025,41\n".encode(),
        "c.csv": "城市,年份,签订合作协议（项）\n杭州市,2025,9\n".encode(),  # a's value: no conflict
    }
    (tmp_path / "x.zip").write_bytes(zipped(files))
    before = _stored(db, "440100", 2025, "activities")
    assert main(["import", str(tmp_path / "x.zip"), "--db", db.name, "--json", "--lang", "en"]) == 1
    result = {f["file"]: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert [result[n]["status"] for n in files] == ["refused", "refused", "loaded"]
    a, b = result["a.csv"]["errors"][0], result["b.csv"]["errors"][0]
    assert (
        a["row"] == 2
        and "杭州市（330100） 2025 Matching activities held is 40 here but 41 in b.csv (row 3)." in a["message"]
    )
    assert (
        b["row"] == 3
        and "杭州市（330100） 2025 Matching activities held is 41 here but 40 in a.csv (row 2)." in b["message"]
    )
    assert _stored(db, "330100", 2025, "activities") == 37 and _stored(db, "440100", 2025, "activities") == before


# --- a workbook whose several sheets hold tables -----------------------------------------------------------------


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "填报说明"
    book.active.append(["请每年一个工作表填写。"])
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BOOK = {
    "2024": [["城市", "年份", "对接活动（场）"], ["杭州市", 2024, 33], ["广州市", 2024, 40]],
    "2025": [["城市", "年份", "对接活动（场）"], ["杭州市", 2025, 36], ["广州市", 2025, 66]],
}


def test_a_workbook_whose_sheets_hold_tables_is_a_file_per_sheet(db):
    data = workbook(BOOK)
    outcomes = batch.check_files(db, [("book.xlsx", data)])
    assert [o.prepared.file_name for o in outcomes] == ["book.xlsx › 2024", "book.xlsx › 2025"]
    assert [o.sheet for o in outcomes] == ["2024", "2025"] and [o.status for o in outcomes] == ["ready", "ready"]
    batch.load_passed(db, outcomes, EDITOR, review=False)
    assert [o.status for o in outcomes] == ["loaded", "loaded"]
    assert _stored(db, "330100", 2024, "activities") == 33 and _stored(db, "440100", 2025, "activities") == 66
    sha256 = outcomes[0].prepared.sha256
    assert outcomes[1].prepared.sha256 == sha256  # both uploads keep the workbook itself, under its own sha256
    assert (raw_files.folder_of(db.folder) / raw_files.name_for(sha256, "xlsx")).read_bytes() == data


def test_a_refused_sheet_is_recorded_once_per_sheet_for_the_round_s_tracker(db):
    bad = {title: [*rows[:1], [rows[1][0], rows[1][1], -1]] for title, rows in BOOK.items()}
    outcomes = batch.check_files(db, [("book.xlsx", workbook(bad))])
    assert [o.status for o in outcomes] == ["refused", "refused"]
    assert len({o.prepared.attempt_key for o in outcomes}) == 2
    assert batch.record_refusals(db, outcomes, EDITOR) == 2  # each sheet a file of its own
    assert batch.record_refusals(db, outcomes, EDITOR) == 0  # dropped again: not new attempts


def test_import_takes_a_workbook_s_sheets_as_a_batch_unless_a_sheet_is_named(db, tmp_path, capsys):
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook(BOOK))
    assert main(["import", str(path), "--db", db.name, "--dry-run", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "PASSED  book.xlsx › 2024" in out and "PASSED  book.xlsx › 2025" in out and "2 files: 2 passed" in out
    assert main(["import", str(path), "--sheet", "2025", "--db", db.name, "--json", "--lang", "en"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert (one["sheet"], one["status"], one["updated"]) == ("2025", "loaded", 2)  # the one-file object
    assert "files" not in one and _stored(db, "440100", 2025, "activities") == 66
    assert main(["import", str(path), "--db", db.name, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "LOADED  book.xlsx › 2024" in out and "UNCHANGED  book.xlsx › 2025" in out, out


# --- more files than a batch takes ---------------------------------------------------------------------------------


def test_files_past_the_limit_are_counted_as_not_read_and_the_import_fails(db, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch, "MAX_FILES", 4)
    files, _ = yearly_files(db, 6)
    (tmp_path / "x.zip").write_bytes(zipped(files))
    assert main(["import", str(tmp_path / "x.zip"), "--db", db.name, "--json", "--lang", "en"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["loaded"], result["not_read"]) == (False, 4, 2)
    last = result["files"][-1]
    assert last["status"] == "unread" and last["not_read"] == 2 and "the other 2 files were not read" in (
        last["errors"][0]["message"])  # fmt: skip
    assert main(["import", str(tmp_path / "x.zip"), "--db", db.name, "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "NOT READ  x.zip: 2 files" in out and "6 files: 0 loaded, 4 unchanged, 0 refused, 2 not read." in out


@pytest.mark.duckdb_only
def test_a_zip_of_more_files_than_a_batch_takes_reads_as_many_and_says_the_rest_were_not_read(
    db, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(batch, "MAX_FILES", 50)  # as at 500 (the 500-file tests check that many load)
    files, _ = yearly_files(db, 60)
    (tmp_path / "x.zip").write_bytes(zipped(files))
    assert main(["import", str(tmp_path / "x.zip"), "--db", db.name, "--dry-run", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "At most 50 files at once; the other 10 files were not read" in out
    assert out.strip().endswith("60 files: 50 passed, 0 unchanged, 0 refused, 10 not read. (dry run: nothing written)")


# --- the Upload page ------------------------------------------------------------------------------------------------


def test_the_upload_page_shows_a_file_checked_again_for_review_and_loads_it_when_asked(app_db):
    files = {
        "a.csv": "城市,年份,对接活动（场）\n杭州市,2024,5\n".encode(),
        "b.csv": "城市,年份,对接活动（场）\n杭州市,2025,60\n".encode(),
    }
    at = open_app("upload", lang="en")
    at.get("file_uploader")[0].set_value(("x.zip", zipped(files), "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("**2 files**: 1 passed, ready to load, 1 passed with warnings, for you to decide." in m.value
               for m in at.markdown)  # fmt: skip
    next(c for c in at.checkbox if c.key.endswith("_a.csv")).check().run()  # a.csv's warnings looked at
    at.button(key="upload_batch_warned_confirm").click().run()
    at.button(key="upload_batch_confirm").click().run()  # b.csv, checked again against a.csv's 2024
    assert not at.exception, [e.value for e in at.exception]
    assert list(table_with(at, "Problems")["Status"]) == ["loaded", "checked again: review it (not loaded)"]
    assert any("**2 files**: 1 loaded, 1 checked again, different: to review (not loaded)." in m.value
               for m in at.markdown)  # fmt: skip
    assert any("1 new warnings" in w.value for w in at.warning)  # what differs, and the new check below it
    assert "12.0 times last year's 5" in table_with(at, "Message")["Message"].iloc[0]
    at.button(key="upload_batch_review_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(table_with(at, "Problems")["Status"]) == ["loaded", "loaded"]
    # The app's own database, shared with this process's app (not closed here: its threads may be reading it).
    assert _stored(open_database(app_db), "330100", 2025, "activities") == 60


def test_one_workbook_whose_sheets_hold_tables_shows_the_batch_view_on_the_upload_page(app_db):
    at = open_app("upload", lang="en")
    at.get("file_uploader")[0].set_value(("book.xlsx", workbook(BOOK), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = table_with(at, "Problems")
    assert list(shown["File"]) == ["book.xlsx › 2024", "book.xlsx › 2025"]
    at.button(key="upload_batch_confirm").click().run()
    assert list(table_with(at, "Problems")["Status"]) == ["loaded", "loaded"]


@pytest.mark.parametrize(
    ("lang", "summary", "status", "warning"),
    [
        ("en", "**2 files**: 1 passed, ready to load, 1 passed with warnings, for you to decide.",
         "warnings: see below", "times last year's"),
        ("zh", "**2 个文件**：1 个通过检查、可导入，1 个通过检查但有提醒、待您决定。",
         "有提醒，见下方", "是上年"),
    ],
)  # fmt: skip
def test_a_file_with_warnings_is_listed_apart_and_loads_only_when_ticked(app_db, lang, summary, status, warning):
    files = {
        "a.csv": "城市,年份,对接活动（场）\n杭州市,2025,40\n".encode(),
        "b.csv": "城市,年份,对接活动（场）\n广州市,2025,2500\n".encode(),  # a jump on last year: a warning
    }
    at = open_app("upload", lang=lang)
    at.get("file_uploader")[0].set_value(("x.zip", zipped(files), "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(summary in m.value for m in at.markdown)
    statuses = table_with(at, "File" if lang == "en" else "文件").iloc[:, 3].tolist()
    assert statuses[1] == status
    (whole,) = [m.value for m in at.markdown if warning in m.value]  # the warning in full, apart from the table
    assert whole.startswith("- ") and "2500" in whole
    at.button(key="upload_batch_confirm").click().run()  # the file without warnings only
    assert not at.exception, [e.value for e in at.exception]
    database = open_database(app_db)  # the app's own connection: its published-copy thread may be using it
    assert _stored(database, "330100", 2025, "activities") == 40
    assert _stored(database, "440100", 2025, "activities") != 2500
    assert at.button(key="upload_batch_warned_confirm").disabled  # nothing ticked: nothing more loads
    (tick,) = [c for c in at.checkbox if c.key.startswith("load_warned_") and c.key != "load_warned_all"]
    tick.check().run()
    assert not at.button(key="upload_batch_warned_confirm").disabled
    at.button(key="upload_batch_warned_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _stored(open_database(app_db), "440100", 2025, "activities") == 2500
    assert not [c for c in at.checkbox if c.key.startswith("load_warned_")]  # loaded: no longer waiting

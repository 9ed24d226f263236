"""Uploads: every file in tests/data read, validated, previewed, committed whole and undone exactly."""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import EDITOR, SAMPLE_END_YEAR, city, load
from test_cli import run_cli

from metrics.cli import main
from metrics.domain import registry
from metrics.domain.i18n import LANGS, Refused
from metrics.domain.programme import Scope
from metrics.ingest import uploads
from metrics.present import upload_tables
from metrics.store.database import open_database
from metrics.store.exports import table_rows
from metrics.store.figures import write_figures
from metrics.store.history import apply_history, insert_history
from metrics.store.series import series
from metrics.store.uploads import get_upload, upload_history

pytestmark = pytest.mark.both_engines

DATA = Path(__file__).resolve().parent / "data"

# (file, kind, rows new / changed / unchanged) for files that must load.
GOOD = [
    ("good-utf8.csv", "figures", (2, 0, 0)),
    ("good-utf8-bom.csv", "figures", (2, 0, 0)),
    ("good-utf16.txt", "figures", (2, 0, 0)),
    ("good-gbk-excel.csv", "figures", (2, 0, 0)),
    ("good-gb18030-semicolon.csv", "figures", (2, 0, 0)),
    ("good-english.csv", "figures", (2, 0, 0)),
    ("good-keys-fullwidth.csv", "figures", (1, 0, 0)),
    ("good.xlsx", "figures", (2, 0, 0)),
    ("good-cities.csv", "cities", (1, 0, 1)),
]

# (file, row, column, words in the English message) for files that must be refused.
BAD = [
    ("bad-empty.csv", None, None, "empty"),
    ("bad-header-only.csv", None, None, "no data rows"),
    ("bad-junk.csv", None, None, "neither a text table"),
    ("bad-truncated.xlsx", None, None, "damaged or incomplete"),
    ("bad-zip-bomb.xlsx", None, None, "expands to more than"),
    ("bad-ragged.csv", 2, None, "header has only"),
    ("bad-duplicate-rows.csv", 4, "年份", "already appears in row 2"),
    ("bad-formula.csv", 2, "对接活动（场）", "is a formula"),
    ("bad-formula.xlsx", 2, "对接活动（场）", "is a formula"),
    ("bad-script.csv", 2, "城市", "Unknown city '<script>alert(1)</script>'"),
    ("bad-huge.csv", 2, "对接活动（场）", "implausibly large"),
    ("bad-years.csv", 2, "年份", "Year '1999' is not valid"),
    ("bad-years.csv", 3, "年份", "Year '2100' is not valid"),
    ("bad-one-row-of-many.csv", 38, "对接活动（场）", "'abc' is not a number"),
    ("bad-misspelt-header.csv", 1, "签定合作协议", "did you mean '签订合作协议（项）'"),
    ("bad-negative-and-fraction.csv", 2, "对接活动（场）", "must not be negative"),
    ("bad-negative-and-fraction.csv", 2, "签订合作协议（项）", "must be a whole number"),
    ("bad-unknown-city.csv", 2, "城市", "Unknown city '杭洲'. The closest are:"),
    ("bad-no-city-column.csv", 1, None, "'city' column is missing"),
    ("bad-cities.csv", 2, "city_code", "must be 6 digits"),
    ("bad-cities.csv", 2, "region", "must be east, central, west or northeast"),
    ("bad-cities.csv", 2, "lat", "must be a number from -90 to 90"),
    ("bad-cities.csv", 3, "name_zh", "repeats row 2"),
]


def snapshot(database) -> dict[str, pd.DataFrame]:
    """Every data table, sorted, to compare before and after."""
    with database.cursor() as cur:
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY 1, 2").df() for t in ("cities", *registry.VALUE_TABLES)}


def assert_same(before: dict, after: dict) -> None:
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[table], obj=table)


@pytest.mark.parametrize(("name", "kind", "counts"), GOOD)
def test_good_files_load(db, name, kind, counts):
    data = (DATA / name).read_bytes()
    prepared = uploads.prepare(db, data, name)
    assert prepared.report.ok, [i.as_dict("en") for i in prepared.report.issues]
    assert prepared.report.kind == kind
    assert tuple(prepared.counts.values()) == counts
    uploads.commit(db, prepared, data, EDITOR)
    if kind == "figures":
        with db.cursor() as cur:
            hz = series(cur, "activities", Scope(cities=("330100",)), per_city=True, years=(2026, 2026))
        assert hz["value"].tolist() == [40]


def test_gbk_excel_file_values_land_where_they_should(db):
    data = (DATA / "good-gbk-excel.csv").read_bytes()
    uploads.commit(db, uploads.prepare(db, data, "x.csv"), data, EDITOR)
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT city_code, agreements, contract_value_10k_cny FROM agreements WHERE year = 2026 ORDER BY 1"
        ).fetchall()
        pool = cur.execute("SELECT experts_in_pool FROM experts WHERE city_code = '330100' AND year = 2026").fetchone()
    # 1,234 with a thousands separator; Wuhan's "—" and blank cell are "not reported": no agreements row at all.
    assert rows == [("330100", 1234, Decimal("5678.50"))]
    assert pool == (2000,)  # full-width digits


@pytest.mark.parametrize(("name", "row", "column", "words"), BAD)
def test_bad_files_are_refused_with_row_and_column(db, name, row, column, words):
    before = snapshot(db)
    data = (DATA / name).read_bytes()
    prepared = uploads.prepare(db, data, name)
    assert not prepared.report.ok
    matching = [
        i for i in prepared.report.issues
        if i.level == "error" and i.row == row and (column is None or i.column == column) and words in i.message.en
    ]  # fmt: skip
    assert matching, [i.as_dict("en") for i in prepared.report.issues]
    assert all(i.message.zh and i.message.en for i in prepared.report.issues)
    with pytest.raises(Refused):
        uploads.commit(db, prepared, data, EDITOR)
    assert_same(before, snapshot(db))


def test_a_refused_file_writes_no_figures_only_its_attempt(sample_path):
    path, bad = sample_path, str(DATA / "bad-one-row-of-many.csv")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    dry = run_cli("import", bad, "--db", str(path), "--json", "--dry-run")
    assert dry.returncode == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # a dry run writes nothing at all
    database = open_database(path)
    figures, history = snapshot(database), upload_history_of(database)
    database.close()
    done = run_cli("import", bad, "--db", str(path), "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["ok"] is False and result["errors"][0]["row"] == 38 and result["upload_id"] is None
    database = open_database(path)
    try:
        assert_same(figures, snapshot(database))
        pd.testing.assert_frame_equal(history, upload_history_of(database))
        with database.cursor() as cur:  # recorded for the collection round's tracker, once however often refused
            attempts = cur.execute("SELECT file_name, upload_id, problems FROM attempts").fetchall()
        assert [(name, upload) for name, upload, _ in attempts] == [("bad-one-row-of-many.csv", None)]
        assert json.loads(attempts[0][2])[0]["row"] == 38
    finally:
        database.close()
    assert run_cli("import", bad, "--db", str(path), "--json").returncode == 1
    database = open_database(path)
    with database.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM attempts").fetchone()[0] == 1
    database.close()


def upload_history_of(database) -> pd.DataFrame:
    """The uploads table."""
    with database.cursor() as cur:
        return upload_history(cur)


def test_reuploading_the_same_file_changes_nothing(db):
    data = (DATA / "good-utf8.csv").read_bytes()
    uploads.commit(db, uploads.prepare(db, data, "a.csv"), data, EDITOR)
    after_first = snapshot(db)
    again = uploads.prepare(db, data, "a.csv")
    assert again.counts == {"inserted": 0, "updated": 0, "unchanged": 2}
    uploads.commit(db, again, data, EDITOR)
    assert_same(after_first, snapshot(db))


def test_not_reported_cells_leave_stored_values_alone(db):
    with db.cursor() as cur:
        before = cur.execute("SELECT agreements FROM agreements WHERE city_code = '420100' AND year = 2025").fetchone()
    data = "城市,年份,对接活动（场）,签订合作协议（项）\n武汉,2025,99,—\n".encode()
    uploads.commit(db, uploads.prepare(db, data, "w.csv"), data, EDITOR)
    with db.cursor() as cur:
        after = cur.execute("SELECT agreements FROM agreements WHERE city_code = '420100' AND year = 2025").fetchone()
        activities = cur.execute(
            "SELECT activities FROM matching_activities WHERE city_code = '420100' AND year = 2025"
        ).fetchone()
    assert after == before and activities == (99,)


@pytest.mark.parametrize("name", ["good-utf8.csv", "good.xlsx", "good-cities.csv"])
def test_undo_restores_exactly(db, name):
    before = snapshot(db)
    data = (DATA / name).read_bytes()
    upload_id = uploads.commit(db, uploads.prepare(db, data, name), data, EDITOR)
    assert not all(frame.equals(snapshot(db)[t]) for t, frame in before.items())
    uploads.undo(db, upload_id, EDITOR)
    assert_same(before, snapshot(db))
    with db.cursor() as cur:
        assert get_upload(cur, upload_id)["status"] == "undone"


def test_undo_of_an_update_restores_old_values_and_their_upload(db):
    before = snapshot(db)
    data = "城市,年份,对接活动（场）\n杭州,2025,999\n".encode()
    first = uploads.commit(db, uploads.prepare(db, data, "u.csv"), data, EDITOR)
    second_data = "城市,年份,对接活动（场）\n杭州,2025,1000\n".encode()
    second = uploads.commit(db, uploads.prepare(db, second_data, "v.csv"), second_data, EDITOR)
    with pytest.raises(Refused) as refused:
        uploads.undo(db, first, EDITOR)  # the later upload changed the same cell
    assert str(second) in refused.value.text.en
    uploads.undo(db, second, EDITOR)
    uploads.undo(db, first, EDITOR)
    assert_same(before, snapshot(db))


def test_a_new_city_may_not_take_an_existing_name(db):
    header = "city_code,name_zh,name_en,province_zh,province_en,region,kind,batch,designated_year,lat,lon\n"
    data = (header + "330600,杭州市,Shaoxing,浙江省,Zhejiang,east,city,7,2024,30.03,120.58\n").encode()
    (issue,) = uploads.prepare(db, data, "c.csv").report.issues
    assert (issue.row, issue.column) == (2, "name_zh") and "330100" in issue.message.en


def test_an_unknown_city_suggests_the_nearest(db):
    report = uploads.prepare(db, (DATA / "bad-unknown-city.csv").read_bytes(), "x.csv").report
    assert "杭州市" in report.issues[0].message.zh


def test_an_ambiguous_english_name_lists_the_candidates(empty_db):
    load(empty_db, [city("320500", name_zh="苏州市", name_en="Suzhou"),
                    city("341300", name_zh="宿州市", name_en="Suzhou", province_zh="安徽省")], {})  # fmt: skip
    data = b"city,year,activities\nSuzhou,2020,3\n"
    report = uploads.prepare(empty_db, data, "s.csv").report
    (issue,) = report.issues
    assert (issue.row, issue.column) == (2, "city")
    assert "苏州市（320500）" in issue.message.zh and "宿州市（341300）" in issue.message.zh


def test_implausible_jumps_are_warnings_not_errors(db):
    data = "城市,年份,对接活动（场）\n杭州,2025,100000\n".encode()
    prepared = uploads.prepare(db, data, "j.csv")
    assert prepared.report.ok
    (warning,) = prepared.report.issues
    assert (warning.level, warning.row, warning.column) == ("warning", 2, "对接活动（场）")


def test_raw_file_is_kept_under_its_hash_not_its_name(db):
    data = (DATA / "good-utf8.csv").read_bytes()
    uploads.commit(db, uploads.prepare(db, data, "../../etc/passwd"), data, EDITOR)
    kept = db.folder / "uploads" / f"{hashlib.sha256(data).hexdigest()}.csv"
    assert kept.read_bytes() == data


@pytest.mark.parametrize("lang", LANGS)
def test_cli_import_history_undo(tmp_path, capsys, lang):
    path = str(tmp_path / "cli.duckdb")
    assert main(["init", "--db", path]) == 0
    capsys.readouterr()
    assert (
        main(["import", str(DATA / "good-gbk-excel.csv"), "--db", path, "--json", "--by", "王科员", "--lang", lang])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["kind"] == "figures" and result["inserted"] == 2 and result["upload_id"] == 2
    assert main(["history", "--json", "--db", path]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history[0]["upload_id"] == 2 and history[0]["created_by"] == "王科员" and history[0]["status"] == "committed"
    assert main(["undo", "2", "--db", path]) == 0
    assert main(["undo", "2", "--db", path]) == 1  # already undone
    assert main(["import", str(DATA / "good-utf8.csv"), "--db", path, "--dry-run"]) == 0
    capsys.readouterr()
    assert main(["history", "--json", "--db", path]) == 0
    assert [h["upload_id"] for h in json.loads(capsys.readouterr().out)] == [2, 1]  # the dry run wrote nothing


def test_cli_import_of_a_missing_file_exits_2(tmp_path):
    done = run_cli("import", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 2 and "Traceback" not in done.stderr


def commit_text(database, text: str) -> int:
    data = text.encode("utf-8")
    prepared = uploads.prepare(database, data, "t.csv")
    assert prepared.report.ok, [i.as_dict("en") for i in prepared.report.issues]
    return uploads.commit(database, prepared, data, EDITOR)


def test_undo_of_changes_to_stored_and_missing_cells_restores_exactly(db):
    before = snapshot(db)
    # Wuhan 2025 has a stored agreement value; Hangzhou 2025's activities are stored too: both get changed.
    upload_id = commit_text(db, "城市,年份,协议金额（万元）,对接活动（场）\n武汉,2025,5,\n杭州,2025,,40\n")
    uploads.undo(db, upload_id, EDITOR)
    assert_same(before, snapshot(db))


def test_a_row_another_upload_filled_in_later_blocks_undo(db):
    first = commit_text(db, "城市,年份,对接活动（场）\n杭州,2005,7\n")
    second = commit_text(db, "城市,年份,参与专家（人次）\n杭州,2005,300\n")  # the same row of the same table
    with pytest.raises(Refused):
        uploads.undo(db, first, EDITOR)
    uploads.undo(db, second, EDITOR)
    uploads.undo(db, first, EDITOR)


def test_undo_of_a_cities_upload_restores_who_set_each_row(db):
    before = snapshot(db)
    data = (DATA / "good-cities.csv").read_bytes().replace(b"30.2741", b"30.3")
    upload_id = uploads.commit(db, uploads.prepare(db, data, "c.csv"), data, EDITOR)
    uploads.undo(db, upload_id, EDITOR)
    assert_same(before, snapshot(db))


def test_a_new_city_with_figures_cannot_be_undone_away(db):
    cities = uploads.commit(db, uploads.prepare(db, (DATA / "good-cities.csv").read_bytes(), "c.csv"),
                            (DATA / "good-cities.csv").read_bytes(), EDITOR)  # fmt: skip
    commit_text(db, "城市,年份,对接活动（场）\n绍兴,2025,3\n")
    with pytest.raises(Refused) as refused:
        uploads.undo(db, cities, EDITOR)
    assert "330600" in refused.value.text.en


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("城市,年份,对接活动（场）\n杭州,2025,3000000000\n", "对接活动（场）", "implausibly large"),
        ('城市,年份,协议金额（万元）\n杭州,2025,"1234,56"\n', "协议金额（万元）", "use '.' for decimals"),
        ("城市,年份,协议金额（万元）\n杭州,2025,12.345\n", "协议金额（万元）", "more than two decimal places"),
        ("城市,年份,对接活动（场）\n,2025,3\n", "城市", "The city is missing"),
        ("城市,年份,对接活动（场）,activities\n杭州,2025,3,4\n", "activities", "are the same column"),
    ],
)
def test_number_and_column_mistakes(db, text, column, words):
    report = uploads.prepare(db, text.encode(), "t.csv").report
    assert [i for i in report.issues if i.column == column and words in i.message.en], [
        i.as_dict("en") for i in report.issues
    ]


def test_thousands_separators_still_read(db):
    report = uploads.prepare(db, '城市,年份,协议金额（万元）\n杭州,2025,"1,234,567.5"\n'.encode(), "t.csv").report
    assert report.ok and report.rows.iloc[0]["contract_value_10k_cny"] == Decimal("1234567.50")


def test_a_cities_file_with_two_code_columns_is_refused(db):
    header = "city_code,name_zh,name_en,province_zh,province_en,region,kind,batch,designated_year,lat,lon,code\n"
    data = (header + "P0099,新园区,New Park,湖北省,Hubei,central,park,7,2024,30.5,114.3,420100\n").encode()
    report = uploads.prepare(db, data, "c.csv").report
    assert not report.ok and any("same column" in i.message.en for i in report.issues)


def test_a_city_name_that_looks_like_a_formula_is_refused(db):
    header = "city_code,name_zh,name_en,province_zh,province_en,region,kind,batch,designated_year,lat,lon\n"
    data = (
        header + '330600,绍兴市,"=HYPERLINK(""http://x"")",浙江省,Zhejiang,east,city,7,2024,30.03,120.58\n'
    ).encode()
    report = uploads.prepare(db, data, "c.csv").report
    assert [i for i in report.issues if i.column == "name_en" and "formula" in i.message.en]


def test_header_errors_name_the_header_row(db):
    report = uploads.prepare(db, "\n\n城市,年份,签定合作协议\n杭州,2025,3\n".encode(), "t.csv").report
    assert (report.issues[0].row, report.issues[0].column) == (3, "签定合作协议")
    assert {i.row for i in report.issues} == {3}


def test_history_json_has_null_for_never_undone(tmp_path, capsys):
    path = str(tmp_path / "h.duckdb")
    assert main(["init", "--db", path]) == 0
    capsys.readouterr()
    assert main(["history", "--json", "--db", path]) == 0
    assert json.loads(capsys.readouterr().out)[0]["undone_at"] is None


def test_an_oversized_file_is_refused_before_it_is_read_whole(db, tmp_path, capsys, monkeypatch):
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(50 * 2**20)  # 50 MB of nothing, past the 20 MB limit
    read: list[int] = []  # bytes read from files by the command, each read
    original = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: (lambda got: read.append(len(got)) or got)(original(fd, n)))
    assert main(["import", str(big), "--db", db.name, "--json", "--lang", "en"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["errors"][0]["message"] == "The file is larger than 20 MB." and sum(read) == 20 * 2**20 + 1


def test_a_raw_file_that_cannot_be_kept_stops_the_upload(sample_path, capsys):
    path = sample_path
    (path.parent / "uploads").write_text("a file where the folder should be")
    assert main(["import", str(DATA / "good-utf8.csv"), "--db", str(path), "--lang", "en"]) == 2
    out = capsys.readouterr()
    assert "Cannot keep the uploaded file" in out.err and "Traceback" not in out.err
    assert main(["history", "--json", "--db", str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1  # only the sample


def test_a_big_preview_lists_changed_cells_first_and_stops_at_the_limit(db):
    # Hangzhou 2020 is stored; 2001-2003 are not, so those rows are new.
    data = "city,year,activities,agreements\n杭州市,2001,1,2\n杭州市,2002,3,4\n杭州市,2020,999,998\n杭州市,2003,5,6\n"
    prepared = uploads.prepare(db, data.encode(), "big.csv")
    assert prepared.counts == {"inserted": 3, "updated": 1, "unchanged": 0}
    shown = upload_tables.changes_table(prepared, {"330100": "杭州市"}, "en", limit=3)
    assert shown["Change"].tolist() == ["changed", "changed", "new"]
    assert shown["Row"].tolist() == [4, 4, 2] and len(upload_tables.changes_table(prepared, {}, "en")) == 8


# Figures files written from their rows (write_figures) must leave exactly what pivoting their recorded
# history back into rows (apply_history) leaves: new rows, changed cells, unchanged ones, gaps, amounts.
WRITTEN = [
    ("new rows", f"city,year,activities,agreements\n330100,{SAMPLE_END_YEAR + 1},3,4\n420100,2001,5,\n"),
    (
        "changed, unchanged and blank cells",
        "city,year,activities,experts_participating,agreements,experts_in_pool\n330100,2016,999,,,7\n",
    ),
    ("one table's columns only", "city,year,contract_value_10k_cny\n330100,2016,12.5\n420100,2002,0.25\n"),
    ("a row of gaps", "city,year,activities,agreements\n330100,2016,-,\n330100,2001,1,\n"),
]


@pytest.mark.parametrize("text", [t for _, t in WRITTEN], ids=[w for w, _ in WRITTEN])
def test_a_figures_file_is_written_as_its_history_records(db, text):
    prepared = uploads.prepare(db, text.encode(), "f.csv")
    assert prepared.report.ok, prepared.report.sorted_issues()
    written = {}
    for write in (apply_history, lambda cur, i: write_figures(cur, prepared.report.rows, i)):
        with db.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            insert_history(cur, prepared.changes, 999)
            write(cur, 999)
            written[write] = {t: table_rows(cur, t).sort_values(["city_code", "year"], ignore_index=True)
                              for t in registry.VALUE_TABLES}  # fmt: skip
            cur.execute("ROLLBACK")
    by_history, by_rows = written.values()
    for table, frame in by_history.items():
        pd.testing.assert_frame_equal(frame, by_rows[table], check_exact=True)


def test_a_file_s_every_error_is_reported_in_one_pass(db):
    # a misspelt header, a negative number and an unknown city: all three at once, not one per upload
    data = "城市,年份,对接活动（场）,签定合作协议\n杭州,2026,-3,5\n杭洲X,2026,4,6\n".encode()
    report = uploads.prepare(db, data, "three.csv").report
    errors = [(i.row, i.column) for i in report.sorted_issues() if i.level == "error"]
    assert (1, "签定合作协议") in errors and (2, "对接活动（场）") in errors and (3, "城市") in errors, errors


JUMPS = [  # a file of years no figure is stored for; each warning's (row, column), in the order the check gives them
    ("对接活动（场）,专家库人数（人）\n杭州,2001,10,500\n杭州,2002,100,400\n武汉,2001,50,30\n武汉,2002,5,30\n",
     [(3, "对接活动（场）"), (5, "对接活动（场）"), (3, "专家库人数（人）")]),
    ("专家库人数（人）,对接活动（场）\n武汉,2002,20,50\n杭州,2002,400,100\n杭州,2001,500,10\n武汉,2001,30,5\n",
     [(2, "专家库人数（人）"), (3, "专家库人数（人）"), (2, "对接活动（场）"), (3, "对接活动（场）")]),
    ("协议金额（万元）\n杭州,2001,1.50\n杭州,2002,15000\n杭州,2003,9\n",
     [(3, "协议金额（万元）"), (4, "协议金额（万元）")]),
    ("对接活动（场）\n杭州,2001,\n杭州,2002,100\n杭州,2003,0\n杭州,2004,\n", [(4, "对接活动（场）")]),
]  # fmt: skip


@pytest.mark.parametrize(("columns_and_rows", "expected"), JUMPS)
def test_jump_warnings_come_column_by_column_in_file_order(db, columns_and_rows, expected):
    data = f"城市,年份,{columns_and_rows}".encode()
    report = uploads.prepare(db, data, "j.csv").report
    assert report.ok
    assert [(i.row, i.column) for i in report.issues if i.rule is None] == expected

"""Programme events: the sample list, events files checked, previewed, committed as a whole new list, undone exactly."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import EDITOR
from test_uploads import assert_same, snapshot

from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.domain.programme import max_year
from metrics.ingest import uploads
from metrics.present import upload_tables
from metrics.store.database import open_database
from metrics.store.events import events
from metrics.store.meta import data_version
from metrics.store.uploads import get_upload, upload_history

pytestmark = pytest.mark.both_engines

DATA = Path(__file__).resolve().parent / "data"
SAMPLE_EVENTS = [
    (date(2014, 1, 1), "科协“创新驱动助力工程”启动", "CAST launches CONTRID"),
    (date(2016, 5, 30), "全国科技创新大会召开", "National S&T Innovation Conference"),
    (date(2020, 5, 1), "“科创中国”启动", "Innovation China launched"),
]

# (file, counts new / changed / unchanged / removed against the sample's three events)
GOOD = [
    ("good-events.csv", (1, 1, 1, 1)),
    ("good-events-gbk.csv", (0, 0, 3, 0)),
    ("good-events.xlsx", (1, 0, 3, 0)),
]

# (file, row, column, words in the English message)
BAD = [
    ("bad-events-header-only.csv", None, None, "no data rows"),
    ("bad-events-header-only.csv", None, None, "rather than wiping the list"),
    ("bad-events.csv", 2, "日期", "Date '2016-02-30' is not valid"),
    ("bad-events.csv", 3, "日期", "its year must be from 2000"),
    ("bad-events.csv", 4, "英文标题", "The title is missing"),
    ("bad-events.csv", 5, "中文标题", "looks like a formula"),
    ("bad-events.csv", 6, "英文标题", "at most 120"),
    ("bad-events.csv", 8, "中文标题", "repeats row 7"),
    ("bad-events.csv", 9, "日期", "Date '5/1/2020' is not valid"),
]


def stored_events(database) -> pd.DataFrame:
    with database.cursor() as cur:
        return events(cur)


def listed(database) -> list[tuple]:
    """The stored events as (date, title_zh, title_en)."""
    return [(e.event_date.date(), e.title_zh, e.title_en) for e in stored_events(database).itertuples()]


def commit_text(database, text: str) -> int:
    data = text.encode("utf-8")
    prepared = uploads.prepare(database, data, "events.csv")
    assert prepared.report.ok, [i.as_dict("en") for i in prepared.report.issues]
    return uploads.commit(database, prepared, data, EDITOR)


def test_init_loads_the_sample_events(sample_db):
    with sample_db.cursor() as cur:
        frame = events(cur)
    assert [(e.event_date.date(), e.title_zh, e.title_en) for e in frame.itertuples()] == SAMPLE_EVENTS
    assert frame["year"].tolist() == [2014, 2016, 2020]
    assert frame["upload_id"].tolist() == [1, 1, 1]  # the sample upload, which cannot be undone


def test_init_empty_loads_no_events(empty_db):
    assert stored_events(empty_db).empty
    assert list(stored_events(empty_db).columns) == ["event_date", "year", "title_zh", "title_en", "upload_id"]


@pytest.mark.parametrize(("name", "counts"), GOOD)
def test_good_events_files_replace_the_list(db, name, counts):
    before = snapshot(db)
    data = (DATA / name).read_bytes()
    prepared = uploads.prepare(db, data, name)
    assert prepared.report.ok, [i.as_dict("en") for i in prepared.report.issues]
    assert prepared.report.kind == "events"
    assert prepared.counts == dict(zip(("inserted", "updated", "unchanged", "removed"), counts, strict=True))
    upload_id = uploads.commit(db, prepared, data, EDITOR)
    file_rows = prepared.report.rows
    assert listed(db) == sorted(file_rows[["event_date", "title_zh", "title_en"]].itertuples(index=False, name=None))
    assert_same(before, snapshot(db))  # cities and figures untouched
    with db.cursor() as cur:
        assert get_upload(cur, upload_id)["kind"] == "events"
    assert (db.folder / "uploads" / f"{prepared.sha256}.{prepared.format}").read_bytes() == data


def test_commit_keeps_who_set_unchanged_events_and_advances_the_data_version(db):
    with db.cursor() as cur:
        version = data_version(cur)
    data = (DATA / "good-events.csv").read_bytes()
    upload_id = uploads.commit(db, uploads.prepare(db, data, "e.csv"), data, EDITOR)
    frame = stored_events(db).set_index("title_zh")["upload_id"].to_dict()
    assert frame == {
        "科协“创新驱动助力工程”启动": 1,
        "全国科技创新大会召开": upload_id,
        "第六批试点城市公布": upload_id,
    }
    with db.cursor() as cur:
        assert data_version(cur) == version + 1


def test_reuploading_the_same_list_changes_nothing(db):
    data = (DATA / "good-events-gbk.csv").read_bytes()
    before = stored_events(db)
    with db.cursor() as cur:
        version = data_version(cur)
    upload_id = uploads.commit(db, uploads.prepare(db, data, "e.csv"), data, EDITOR)
    pd.testing.assert_frame_equal(before, stored_events(db))
    with db.cursor() as cur:
        assert data_version(cur) == version + 1  # the events are the same; the upload history is not
        assert upload_history(cur)["upload_id"].iloc[0] == upload_id


@pytest.mark.parametrize(("name", "row", "column", "words"), BAD)
def test_bad_events_files_are_refused_with_row_and_column(db, name, row, column, words):
    before = stored_events(db)
    data = (DATA / name).read_bytes()
    prepared = uploads.prepare(db, data, name)
    assert not prepared.report.ok and prepared.report.kind == "events"
    matching = [
        i for i in prepared.report.issues
        if i.level == "error" and i.row == row and i.column == column and words in i.message.en
    ]  # fmt: skip
    assert matching, [i.as_dict("en") for i in prepared.report.issues]
    assert all(i.message.zh and i.message.en for i in prepared.report.issues)
    with pytest.raises(Refused):
        uploads.commit(db, prepared, data, EDITOR)
    pd.testing.assert_frame_equal(before, stored_events(db))


def test_a_bad_file_names_every_bad_row_and_keeps_only_the_good_one(db):
    report = uploads.prepare(db, (DATA / "bad-events.csv").read_bytes(), "e.csv").report
    assert {i.row for i in report.issues} == {2, 3, 4, 5, 6, 8, 9}
    assert report.rows["row"].tolist() == [7]


@pytest.mark.parametrize(
    "header",
    [
        "date,title_zh,title_en",
        "日期,事件,事件（英文）",
        "日期,事件（中文）,事件（英文）",
        "日期,中文标题,英文标题",
        "Date,Title (Chinese),Title (English)",
        "DATE , Title（Chinese）,TITLE_EN",
        "title_en,date,title_zh",
    ],
)
def test_events_headers_in_either_language(db, header):
    cells = {"title_en": "Conference", "date": "2016-05-30", "title_zh": "全国科技创新大会召开"}
    row = ",".join(cells.values()) if header.startswith("title_en") else "2016-05-30,全国科技创新大会召开,Conference"
    report = uploads.prepare(db, f"{header}\n{row}\n".encode(), "e.csv").report
    assert report.ok and report.kind == "events", [i.as_dict("en") for i in report.issues]
    assert report.rows[["title_zh", "title_en"]].values.tolist() == [["全国科技创新大会召开", "Conference"]]


def test_number_and_notes_columns_are_ignored(db):
    text = "序号,日期,事件,事件（英文）,备注\n1,2016-05-30,大会,Conference,见新闻\n"
    report = uploads.prepare(db, text.encode(), "e.csv").report
    assert report.ok and report.rows[["title_zh", "title_en"]].values.tolist() == [["大会", "Conference"]]


@pytest.mark.parametrize(
    "cell",
    ["2016-05-30", "2016/05/30", "2016-5-30", "2016/5/30", "2016年5月30日", "２０１６-05-30", " 2016-05-30 ",
     "2016-05-30 00:00:00", "2016/5/30 0:00"],
)  # fmt: skip
def test_dates_as_officers_write_them(db, cell):
    report = uploads.prepare(db, f"date,title_zh,title_en\n{cell},大会,Conference\n".encode(), "e.csv").report
    assert report.ok, [i.as_dict("en") for i in report.issues]
    assert report.rows["event_date"].tolist() == [date(2016, 5, 30)]


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("30/05/2016", "not valid"),
        ("2016.05.30", "not valid"),
        ("20160530", "not valid"),
        ("42520", "not valid"),  # an Excel date serial number in a cell not formatted as a date
        ("2016-05-30 13:05:00", "not valid"),
        ("2016-13-01", "not valid"),
        ("2016-5", "not valid"),
        ("", "Date '—' is not valid"),
        (f"{max_year() + 1}-01-01", "its year must be from 2000"),
    ],
)
def test_dates_that_are_refused(db, cell, words):
    report = uploads.prepare(db, f"date,title_zh,title_en\n{cell},大会,Conference\n".encode(), "e.csv").report
    (issue,) = report.issues
    assert (issue.row, issue.column, issue.level) == (2, "date", "error") and words in issue.message.en


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("date,title_zh,title_en\n2016-05-30,+86 热线,Hotline\n", 2, "title_zh", "looks like a formula"),
        ("date,title_zh,title_en\n2016-05-30,大会,-dash\n", 2, "title_en", "looks like a formula"),
        ("date,title_zh,title_en\n2016-05-30,@大会,Conference\n", 2, "title_zh", "looks like a formula"),
        (f"date,title_zh,title_en\n2016-05-30,{'长' * 121},Long\n", 2, "title_zh", "has 121 characters"),
        ("date,title_zh,title_en\n2016-05-30,  ,Conference\n", 2, "title_zh", "The title is missing"),
        ("date,title_zh,title_en\n2016-05-30,大会,Conference,extra\n", 2, None, "header has only 3 columns"),
        ("date,title_zh,title_en,city\n2016-05-30,大会,Conference,杭州\n", 1, "city", "Unknown column 'city'"),
        ("date,title_zh\n2016-05-30,大会\n", 1, None, "'title_en' column is missing"),
        ("日期,事件,title_zh,title_en\n2016-05-30,大会,大会,C\n", 1, "title_zh", "are the same column"),
    ],
)
def test_events_rows_and_headers_that_are_refused(db, text, row, column, words):
    report = uploads.prepare(db, text.encode(), "e.csv").report
    assert report.kind == "events" and not report.ok
    assert [i for i in report.issues if (i.row, i.column) == (row, column) and words in i.message.en], [
        i.as_dict("en") for i in report.issues
    ]


def test_a_title_of_120_characters_is_allowed(db):
    report = uploads.prepare(db, f"date,title_zh,title_en\n2016-05-30,{'长' * 120},Long\n".encode(), "e.csv").report
    assert report.ok


def test_the_preview_shows_removed_events(db):
    data = "date,title_zh,title_en\n2016-05-30,全国科技创新大会召开,Conference renamed\n".encode()
    prepared = uploads.prepare(db, data, "e.csv")
    changes = prepared.changes
    assert prepared.counts == {"inserted": 0, "updated": 1, "unchanged": 0, "removed": 2}
    assert changes[["row", "event_date", "title_zh", "old", "new", "status"]].values.tolist() == [
        [2, date(2016, 5, 30), "全国科技创新大会召开", "National S&T Innovation Conference", "Conference renamed",
         "changed"],
        [None, date(2014, 1, 1), "科协“创新驱动助力工程”启动", "CAST launches CONTRID", None, "removed"],
        [None, date(2020, 5, 1), "“科创中国”启动", "Innovation China launched", None, "removed"],
    ]  # fmt: skip
    assert set(changes["table"]) == {"events"} and changes["year"].tolist() == [2016, 2014, 2020]
    shown = upload_tables.changes_table(prepared, {}, "en")
    assert shown["Change"].tolist() == ["changed", "removed", "removed"]
    assert shown["Row"].tolist() == ["2", "", ""]
    assert upload_tables.changes_table(prepared, {}, "zh")["变化"].tolist() == ["修改", "删除", "删除"]
    uploads.commit(db, prepared, data, EDITOR)
    assert listed(db) == [(date(2016, 5, 30), "全国科技创新大会召开", "Conference renamed")]


@pytest.mark.parametrize("name", [name for name, _ in GOOD])
def test_undo_restores_the_list_exactly(db, name):
    before = stored_events(db)
    with db.cursor() as cur:
        version = data_version(cur)
    data = (DATA / name).read_bytes()
    upload_id = uploads.commit(db, uploads.prepare(db, data, name), data, EDITOR)
    assert uploads.undo(db, upload_id, EDITOR) == 3
    pd.testing.assert_frame_equal(before, stored_events(db))
    with db.cursor() as cur:
        assert get_upload(cur, upload_id)["status"] == "undone"
        assert data_version(cur) > version


def test_undo_is_refused_while_a_later_events_upload_stands(db):
    before = stored_events(db)
    first = commit_text(db, "date,title_zh,title_en\n2021-06-01,第六批,Sixth batch\n")
    after_first = stored_events(db)
    second = commit_text(db, "date,title_zh,title_en\n2022-01-01,第七批,Seventh batch\n")
    with pytest.raises(Refused) as refused:
        uploads.undo(db, first, EDITOR)
    assert str(second) in refused.value.text.en and str(second) in refused.value.text.zh
    assert listed(db) == [(date(2022, 1, 1), "第七批", "Seventh batch")]  # the refused undo wrote nothing
    uploads.undo(db, second, EDITOR)
    pd.testing.assert_frame_equal(after_first, stored_events(db))
    uploads.undo(db, first, EDITOR)
    pd.testing.assert_frame_equal(before, stored_events(db))


def test_events_and_figures_uploads_undo_independently(db):
    figures = (DATA / "good-utf8.csv").read_bytes()
    before = snapshot(db)
    figures_id = uploads.commit(db, uploads.prepare(db, figures, "f.csv"), figures, EDITOR)
    commit_text(db, "date,title_zh,title_en\n2021-06-01,第六批,Sixth batch\n")
    uploads.undo(db, figures_id, EDITOR)  # a later events upload does not block a figures undo
    assert_same(before, snapshot(db))
    assert listed(db) == [(date(2021, 6, 1), "第六批", "Sixth batch")]


def test_an_empty_list_before_an_upload_is_restored_as_empty(empty_db):
    upload_id = commit_text(empty_db, "date,title_zh,title_en\n2021-06-01,第六批,Sixth batch\n")
    uploads.undo(empty_db, upload_id, EDITOR)
    assert stored_events(empty_db).empty


def test_cli_import_history_and_undo_of_an_events_file(tmp_path, capsys):
    path = str(tmp_path / "cli.duckdb")
    assert main(["init", "--db", path]) == 0
    capsys.readouterr()
    assert main(["import", str(DATA / "good-events.csv"), "--db", path, "--json", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["upload_id"] is None
    assert main(["import", str(DATA / "good-events.csv"), "--db", path, "--json", "--by", "王科员"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["kind"] == "events" and result["errors"] == [] and result["upload_id"] == 2
    assert (result["inserted"], result["updated"], result["unchanged"], result["removed"]) == (1, 1, 1, 1)
    assert main(["import", str(DATA / "bad-events.csv"), "--db", path, "--json", "--lang", "zh"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert not refused["ok"] and refused["errors"][0]["row"] == 2 and refused["errors"][0]["column"] == "日期"
    assert main(["history", "--json", "--db", path]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(h["upload_id"], h["kind"]) for h in history] == [(2, "events"), (1, "sample")]
    assert main(["undo", "2", "--db", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"]
    database = open_database(path)
    try:
        assert listed(database) == SAMPLE_EVENTS
    finally:
        database.close()


def test_history_table_names_events_uploads(db):
    commit_text(db, "date,title_zh,title_en\n2021-06-01,第六批,Sixth batch\n")
    with db.cursor() as cur:
        history = upload_history(cur)
    assert upload_tables.history_table(history, "zh")["类型"].tolist() == ["事件列表", "内置示例"]
    assert upload_tables.history_table(history, "en")["Undone by"].tolist() == ["", ""]  # blank until undone

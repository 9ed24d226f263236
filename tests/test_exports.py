"""Exports: CSV with a BOM and XLSX that open cleanly in Excel, formulas neutralised, numbers kept numeric."""

import codecs
import csv
import io
import json

import openpyxl
import pandas as pd
import pytest

from metrics.cli import main
from metrics.present import exports


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("-abc", "'-abc"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("杭州市", "杭州市"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (3.25, 3.25),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


HOSTILE = pd.DataFrame(
    {
        "city": ['=HYPERLINK("http://x")', "杭州市", "-2+3", "@cmd"],
        "count": [1, 2, -3, None],
        "ratio": [1.5, float("nan"), -0.25, 2.0],
    }
)


def test_csv_has_a_bom_neutralised_text_and_plain_numbers():
    data = exports.csv_bytes(HOSTILE)
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0] == ["city", "count", "ratio"]
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://x")', "杭州市", "'-2+3", "'@cmd"]
    assert [r[1] for r in rows[1:]] == ["1", "2", "-3", ""]  # whole numbers without ".0", missing left blank
    assert [r[2] for r in rows[1:]] == ["1.5", "", "-0.25", "2"]


def test_xlsx_stores_text_as_text_and_numbers_as_numbers():
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(HOSTILE, sheet="a/b:c")))
    ws = book.active
    assert ws.title == "a b c"
    cells = list(ws.iter_rows(min_row=2, values_only=False))
    assert [c[0].value for c in cells] == ['\'=HYPERLINK("http://x")', "杭州市", "'-2+3", "'@cmd"]
    assert all(c[0].data_type == "s" for c in cells)  # never "f" (formula)
    assert [c[1].value for c in cells] == [1, 2, -3, None]
    assert [c[2].value for c in cells] == [1.5, None, -0.25, 2]
    assert all(isinstance(c[1].value, int) for c in cells[:3])


@pytest.mark.parametrize(
    ("name", "extra", "columns", "rows"),
    [
        ("cities", [], ["city_code", "name_zh", "name_en", "province_zh"], 65),
        ("agreements", [], ["city_code", "name_zh", "name_en", "year", "agreements", "contract_value_10k_cny"], None),
        ("uploads", [], ["upload_id", "file_name", "kind", "status"], 1),
        ("agreements", ["--indicator"], ["city_code", "name_zh", "year", "agreements", "cities_reporting"], None),
        ("agreements_per_activity", ["--city", "330100"], ["city_code", "year", "agreements_per_activity"], 12),
    ],
)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_command_writes_files_excel_opens(sample_db, tmp_path, name, extra, columns, rows, file_format):
    out = tmp_path / f"out.{file_format}"
    assert main(["export", name, "--out", str(out), "--db", str(sample_db.path), *extra]) == 0
    if file_format == "csv":
        assert out.read_bytes().startswith(codecs.BOM_UTF8)
        frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"city_code": str})
    else:
        frame = pd.read_excel(out, dtype={"city_code": str}, engine="openpyxl")
    assert set(columns) <= set(frame.columns)
    if rows is not None:
        assert len(frame) == rows


def test_indicator_export_equals_the_series_command(sample_db, tmp_path, capsys):
    out = tmp_path / "agreements.xlsx"
    assert main(["export", "agreements", "--indicator", "--out", str(out), "--db", str(sample_db.path)]) == 0
    capsys.readouterr()
    assert main(["series", "agreements", "--json", "--db", str(sample_db.path)]) == 0
    series = {p["year"]: p["value"] for p in json.loads(capsys.readouterr().out)["series"]}
    frame = pd.read_excel(out, dtype={"city_code": str}, engine="openpyxl")
    totals = frame[frame["city_code"].isna()].set_index("year")["agreements"]
    assert totals.to_dict() == series
    per_city = frame[frame["city_code"].notna()].groupby("year")["agreements"].sum()
    assert per_city.to_dict() == series  # the total is the sum over cities


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["export", "agrements", "--out", "x.csv"], 2, "Did you mean: agreements"),
        (["export", "cities", "--out", "x.pdf"], 2, "--format csv or xlsx"),
        (["export", "cities", "--format", "csv", "--out", "/no/such/dir/x.csv"], 2, "Cannot write"),
        (["export", "agreements", "--indicator", "--city", "999999", "--out", "x.csv"], 2, "Unknown city code"),
        (["export", "agreements", "--indicator", "--from", "1990", "--out", "x.csv"], 2, "Invalid years"),
    ],
)
def test_export_usage_errors(sample_db, tmp_path, monkeypatch, capsys, args, status, message):
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--db", str(sample_db.path), "--lang", "en"]) == status
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written

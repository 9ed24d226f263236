"""What a workbook says of its cells beyond their values, read alike in every format (.xlsx by both readers, .xls,
.xlsb, .ods): error cells refused naming their cell, hidden rows and columns and merged ranges kept in the Table,
dates formatted as a year read as that year. Every workbook is written here, by code."""

from __future__ import annotations

import datetime
import io
import re
import time
import zipfile
from collections.abc import Callable

import pytest
from workbooks import WRITERS, ErrorCell, Sheet, YearDate, ods, xlsb, xlsx

from metrics.ingest import cell_marks, layout, uploads, workbooks
from metrics.ingest.kinds import known_header
from metrics.ingest.reader import read_tables
from metrics.ingest.table import FileError

HEADER = ["城市", "年份", "签订合作协议（项）"]
ERRORS = ["#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
FORMATS = ["xlsx", "xls", "xlsb", "ods"]


def _refusals(sample_db, data: bytes, fmt: str) -> list[tuple]:
    report = uploads.prepare(sample_db, data, f"f.{fmt}").report
    assert not report.ok
    return [(i.sheet, i.row, i.column, i.message.zh, i.message.en) for i in report.issues if i.level == "error"]


# --- error cells


ERROR_CASES = [(fmt, error) for fmt in FORMATS for error in ERRORS]


@pytest.mark.parametrize(("fmt", "error"), ERROR_CASES, ids=[f"{e} · {f}" for f, e in ERROR_CASES])
def test_an_error_cell_is_refused_naming_its_cell(sample_db, fmt, error):
    data = WRITERS[fmt]([Sheet("Sheet1", [HEADER, ["杭州市", 2025, ErrorCell(error)], ["武汉市", 2025, 200]])])
    assert read_tables(data)[0].rows[0] == ("杭州市", "2025", error)
    (refusal,) = _refusals(sample_db, data, fmt)
    assert refusal[:3] == ("Sheet1", 2, "签订合作协议（项）")
    assert f"错误值“{error}”" in refusal[3] and f"the error value '{error}'" in refusal[4]


WHERE = [(fmt, column) for fmt in FORMATS for column in (0, 1)]


@pytest.mark.parametrize(("fmt", "column"), WHERE, ids=[f"{HEADER[c]} · {f}" for f, c in WHERE])
def test_an_error_in_the_city_or_year_cell_is_refused_there(sample_db, fmt, column):
    row: list = ["杭州市", 2025, 314]
    row[column] = ErrorCell("#REF!")
    refusals = _refusals(sample_db, WRITERS[fmt]([Sheet("Sheet1", [HEADER, row])]), fmt)
    assert [r[:3] for r in refusals] == [("Sheet1", 2, HEADER[column])]
    assert "#REF!" in refusals[0][3] and "#REF!" in refusals[0][4]


def test_an_xls_formula_error_is_refused(sample_db):
    """WPS's usual case: =B2/0 saved with its result, #DIV/0! (xlwt saves a formula's result as empty: set here)."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    ws = workbook.add_sheet("Sheet1")
    for c, text in enumerate(HEADER):
        ws.write(0, c, text)
    ws.write(1, 0, "杭州市")
    ws.write(1, 1, 2025)
    ws.write(1, 2, xlwt.Formula("B2/0"))
    out = io.BytesIO()
    workbook.save(out)
    empty, div0 = b"\x03\x00\x00\x00\x00\x00\xff\xff", b"\x02\x00\x07\x00\x00\x00\xff\xff"  # FORMULA's result
    assert out.getvalue().count(empty) == 1
    data = out.getvalue().replace(empty, div0)
    (refusal,) = _refusals(sample_db, data, "xls")
    assert refusal[:3] == ("Sheet1", 2, "签订合作协议（项）") and "#DIV/0!" in refusal[4]


def test_an_xlsb_formula_error_beyond_the_values_is_read():
    """calamine drops a formula's error in .xlsb (BrtFmlaError) altogether: the rows grow to hold it."""
    rows = [HEADER, ["杭州市", 2025, 314], ["武汉市", 2025, 200, ErrorCell("#DIV/0!", formula=True)]]
    data = xlsb([Sheet("Sheet1", rows)])
    assert read_tables(data)[0].rows == [("杭州市", "2025", "314", ""), ("武汉市", "2025", "200", "#DIV/0!")]


# --- hidden rows and columns, merged ranges


def _marked() -> Sheet:
    """A group header merged over two columns, a city merged over two rows, row 4 and column D hidden."""
    return Sheet(
        "Sheet1",
        [
            ["城市", "年份", "学术交流对接", "", "签订合作协议（项）"],
            ["", "", "对接活动（场）", "参与专家（人次）", ""],
            ["杭州市", 2024, 30, 100, 300],
            ["", 2025, 37, 120, 314],
            ["武汉市", 2025, 40, 130, 200],
        ],
        hidden_rows={3},
        hidden_columns={3},
        merges=[(0, 0, 2, 3), (2, 3, 0, 0)],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_hidden_rows_and_columns_and_merges_are_read_into_the_table(fmt):
    (table,) = read_tables(WRITERS[fmt]([_marked()]))
    assert (table.hidden_rows, table.hidden_columns, table.merges) == ({4}, {3}, ((1, 1, 2, 3), (3, 4, 0, 0)))
    located = layout.locate(table, known_header)  # the header found in rows 1–2 keeps what the sheet said
    assert located.layout is not None and located.layout.header_rows == (1, 2)
    assert (located.hidden_rows, located.hidden_columns, located.merges) == ({4}, {3}, ((1, 1, 2, 3), (3, 4, 0, 0)))


def test_a_text_file_has_no_marks():
    (table,) = read_tables("城市,年份\n杭州市,2025\n".encode())
    assert (table.hidden_rows, table.hidden_columns, table.merges) == (frozenset(), frozenset(), ())


def test_hidden_rows_and_columns_are_those_up_to_the_last_value():
    """A sheet may hide every row below its table (number-rows-repeated="1048000") and every column after it: read
    at once, without a set of a million rows."""
    written = ods([Sheet("Sheet1", [HEADER, ["杭州市", 2025, 314]])])
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["content.xml"] = parts["content.xml"].replace(
        b"</table:table>",
        b'<table:table-row table:visibility="collapse" table:number-rows-repeated="1048000"><table:table-cell '
        b'table:number-columns-repeated="16384"/></table:table-row></table:table>',
    ).replace(b"<table:table-row>", b'<table:table-column table:visibility="collapse" '
              b'table:number-columns-repeated="16381"/><table:table-row>', 1)  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    start = time.perf_counter()
    (table,) = read_tables(out.getvalue())
    assert time.perf_counter() - start < 5
    assert table.rows == [("杭州市", "2025", "314")]
    assert (table.hidden_rows, table.hidden_columns) == (frozenset(), frozenset())


# --- dates shown as a year

YEAR_FORMATS = {'yyyy': "2025", 'yyyy"年"': "2025年", 'e"年"': "2025年", '[$-804]yyyy"年"': "2025年",
                'yyyy"年度"': "2025年度"}  # fmt: skip
YEAR_CASES = [(fmt, number_format) for fmt in ("xlsx", "xls", "xlsb") for number_format in YEAR_FORMATS] + [
    ("ods", "yyyy"),
    ("ods", 'yyyy"年"'),
]


@pytest.mark.parametrize(("fmt", "number_format"), YEAR_CASES, ids=[f"{n} · {f}" for f, n in YEAR_CASES])
def test_a_date_formatted_as_a_year_loads_as_that_year(sample_db, fmt, number_format):
    year = YearDate(datetime.date(2025, 1, 1), number_format)
    data = WRITERS[fmt]([Sheet("Sheet1", [HEADER, ["杭州市", year, 314]])])
    assert read_tables(data)[0].rows == [("杭州市", YEAR_FORMATS[number_format], "314")]
    report = uploads.prepare(sample_db, data, f"f.{fmt}").report
    assert report.ok, [i.as_dict("en") for i in report.issues]
    assert report.parsed()[["city_code", "year", "agreements"]].values.tolist() == [["330100", 2025, 314]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_date_in_the_year_column_is_still_refused(sample_db, fmt):
    data = WRITERS[fmt]([Sheet("Sheet1", [HEADER, ["杭州市", YearDate(datetime.date(2025, 3, 1), "yyyy-mm-dd"), 314]])])
    (refusal,) = _refusals(sample_db, data, fmt)
    assert refusal[:3] == ("Sheet1", 2, "年份")
    assert "2025-03-01" in refusal[3]


NUMBER_FORMATS = [
    ("yyyy", "{0}"),
    ('yyyy"年"', "{0}年"),
    ('e"年"', "{0}年"),
    ('[$-804]yyyy"年"', "{0}年"),
    ("yyyy;@", "{0}"),
    ("[Red]yyyy", "{0}"),
    (r"yyyy\年", "{0}年"),
    ("yy", "{1}"),
    ('"{"yyyy', "{{{0}"),
    ("yyyy-mm-dd", None),
    ('yyyy"年"m"月"', None),
    ("m/d/yyyy", None),
    ("General", None),
    ("0.00", None),
    ("0.0E+00", None),
    ("@", None),
    ('[DBNum1]yyyy"年"', None),  # Chinese numerals: 二〇二五年
    ('[$-411]e"年"', None),  # Japan's era year
    ("[>100]yyyy", None),
    ("", None),
]


@pytest.mark.parametrize(("code", "template"), NUMBER_FORMATS, ids=[c or "(empty)" for c, _ in NUMBER_FORMATS])
def test_which_number_formats_show_only_the_year(code, template):
    assert cell_marks.year_template(code) == template


# --- the two .xlsx readers, and damaged parts


def _without_references(data: bytes) -> bytes:
    """The workbook with its <row> and <c> tags' r attributes left out (allowed, and written by some tools)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            part = source.read(name)
            if name.startswith("xl/worksheets/"):
                part = re.sub(rb'(<(?:row|c)\b[^>]*?) r="[A-Z]*\d+"', rb"\1", part)
            target.writestr(name, part)
    return out.getvalue()


ERRORS_AND_YEARS = Sheet(
    "Sheet1",
    [
        HEADER,
        ["杭州市", YearDate(datetime.date(2025, 1, 1), 'e"年"'), ErrorCell("#N/A")],
        [ErrorCell("#REF!"), 2025, 1],
    ],
    hidden_rows={1},
)
XLSX_CASES = {"marks": xlsx([_marked()]), "errors and years": xlsx([ERRORS_AND_YEARS])}
XLSX_CASES["without r attributes"] = _without_references(XLSX_CASES["errors and years"])


@pytest.mark.parametrize("what", list(XLSX_CASES))
def test_both_xlsx_readers_give_the_same_table(what):
    data = XLSX_CASES[what]
    fast = workbooks._read_xlsx_fast(data, zipfile.ZipFile(io.BytesIO(data)))
    assert fast is not None
    exact = workbooks._read_xlsx_exact(data)

    def seen(table):
        return (table.header, table.rows, table.row_numbers.tolist(), table.hidden_rows, table.hidden_columns,
                table.merges)  # fmt: skip

    assert [seen(t) for t in fast] == [seen(t) for t in exact]
    if what != "marks":
        assert seen(fast[0])[1:4] == (
            [("杭州市", "2025年", "#N/A"), ("#REF!", "2025", "1")],
            [2, 3],
            {2},
        )


def _replaced(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(source.read(name)) if name == part else source.read(name))
    return out.getvalue()


DAMAGED = {
    # calamine stops at the end of the sheet's cells; the merges after them are read only for the marks
    "xlsb": _replaced(xlsb([_marked()]), "xl/worksheets/sheet1.bin", lambda b: b[:-20] + b"\xb0\x01\x7f" + b"\0" * 4),
    "xlsx": _replaced(xlsx([_marked()]), "xl/worksheets/sheet1.xml", lambda b: b.replace(b'ref="A3:A4"', b'ref="3A"')),
    "ods": _replaced(ods([_marked()]), "content.xml", lambda b: b.replace(b'rows-spanned="2"', b'rows-spanned="two"')),
}


@pytest.mark.parametrize("fmt", list(DAMAGED))
def test_a_damaged_part_refuses_the_file_as_damaged(fmt):
    with pytest.raises(FileError) as raised:
        read_tables(DAMAGED[fmt])
    assert "damaged" in raised.value.text.en

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
from dataclasses import dataclass, field

import pytest
from xlsb_writer import ERROR_CODES, Error, Styled, XlsbSheet, xlsb

from metrics.ingest import cell_marks, layout, uploads, workbooks
from metrics.ingest.kinds import known_header
from metrics.ingest.reader import read_tables
from metrics.ingest.table import FileError

HEADER = ["城市", "年份", "签订合作协议（项）"]
ERRORS = ["#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
FORMATS = ["xlsx", "xls", "xlsb", "ods"]


@dataclass(frozen=True)
class YearDate:
    """A date cell shown through a number format."""

    value: datetime.date
    format: str  # Excel's number format; the .ods writer turns a year-only one into a number:date-style


@dataclass
class Sheet:
    rows: list[list]  # str, int, ErrorCell, YearDate, or "" (blank)
    hidden_rows: set[int] = field(default_factory=set)  # counted from 0
    hidden_columns: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, last row, first col, last col
    name: str = "Sheet1"


@dataclass(frozen=True)
class ErrorCell:
    text: str


# --- writers: one sheet as each format holds it


def _xlsx(sheet: Sheet) -> bytes:
    import openpyxl
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet.name
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value == "":
                continue
            cell = ws.cell(r, c)
            if isinstance(value, ErrorCell):
                cell.value = value.text
                cell.data_type = "e"
            elif isinstance(value, YearDate):
                cell.value = datetime.datetime.combine(value.value, datetime.time())
                cell.number_format = value.format
            else:
                cell.value = value
    for r in sheet.hidden_rows:
        ws.row_dimensions[r + 1].hidden = True
    for c in sheet.hidden_columns:
        ws.column_dimensions[get_column_letter(c + 1)].hidden = True
    for r1, r2, c1, c2 in sheet.merges:
        ws.merge_cells(start_row=r1 + 1, end_row=r2 + 1, start_column=c1 + 1, end_column=c2 + 1)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xls(sheet: Sheet) -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    ws = workbook.add_sheet(sheet.name)
    merged = {(r1, c1) for r1, _, c1, _ in sheet.merges}
    for r1, r2, c1, c2 in sheet.merges:
        ws.write_merge(r1, r2, c1, c2, sheet.rows[r1][c1])
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if value == "" or (r, c) in merged:
                continue
            if isinstance(value, ErrorCell):
                ws.row(r).set_cell_error(c, ERROR_CODES[value.text])  # xlwt's own names have a wrong #VALUE!
            elif isinstance(value, YearDate):
                ws.write(r, c, datetime.datetime.combine(value.value, datetime.time()),
                         xlwt.easyxf(num_format_str=value.format))  # fmt: skip
            else:
                ws.write(r, c, value)
    for r in sheet.hidden_rows:
        ws.row(r).hidden = True
    for c in sheet.hidden_columns:
        ws.col(c).hidden = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsb(sheet: Sheet) -> bytes:
    def cell(value):
        if isinstance(value, ErrorCell):
            return Error(value.text)
        if isinstance(value, YearDate):
            return Styled((value.value - datetime.date(1899, 12, 30)).days, value.format)
        return value

    rows = [[cell(v) for v in row] for row in sheet.rows]
    return xlsb([XlsbSheet(sheet.name, rows, sheet.hidden_rows, sheet.hidden_columns, sheet.merges)])


CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def _ods(sheet: Sheet) -> bytes:
    from odf.number import DateStyle, Day, Month, Text, Year
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    styles: dict[str, str] = {}

    def style_of(excel_format: str) -> str:
        """A cell style with a date style like the Excel format: the year (and 年), else year-month-day."""
        if excel_format not in styles:
            number = f"N{len(styles) + 1}"
            date = DateStyle(name=number)
            if excel_format.startswith(("yyyy", "e", "[$-804]")) and "m" not in excel_format:
                date.addElement(Year(style="long"))
                if "年" in excel_format:
                    date.addElement(Text(text="年"))
            else:
                for part in (Year(style="long"), Text(text="-"), Month(style="long"), Text(text="-"), Day()):
                    date.addElement(part)
            document.automaticstyles.addElement(date)
            styles[excel_format] = f"ce{len(styles) + 1}"
            document.automaticstyles.addElement(Style(name=styles[excel_format], family="table-cell",
                                                      datastylename=number))  # fmt: skip
        return styles[excel_format]

    table = Table(name=sheet.name)
    width = max(len(r) for r in sheet.rows)
    for c in range(width):
        table.addElement(TableColumn(visibility="collapse") if c in sheet.hidden_columns else TableColumn())
    starts = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, r2, c1, c2 in sheet.merges}
    covered = {(r, c) for r1, r2, c1, c2 in sheet.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r, row in enumerate(sheet.rows):
        line = TableRow(visibility="collapse") if r in sheet.hidden_rows else TableRow()
        for c in range(width):
            value = row[c] if c < len(row) else ""
            if (r, c) in covered and (r, c) not in starts:
                line.addElement(CoveredTableCell())
                continue
            spans = {}
            if (r, c) in starts:
                spans = {"numberrowsspanned": starts[r, c][0], "numbercolumnsspanned": starts[r, c][1]}
            if isinstance(value, ErrorCell):  # as LibreOffice writes a formula's error
                cell = TableCell(valuetype="string", stringvalue="", formula="of:=1/0", **spans)
                cell.setAttrNS(CALCEXT, "value-type", "error")
                cell.addElement(P(text=value.text))
            elif isinstance(value, YearDate):
                cell = TableCell(valuetype="date", datevalue=value.value.isoformat(),
                                 stylename=style_of(value.format), **spans)  # fmt: skip
                cell.addElement(P(text=str(value.value.year)))
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value, **spans)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string", **spans)
                if value != "":
                    cell.addElement(P(text=value))
            line.addElement(cell)
        table.addElement(line)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[Sheet], bytes]] = {"xlsx": _xlsx, "xls": _xls, "xlsb": _xlsb, "ods": _ods}


def _refusals(sample_db, data: bytes, fmt: str) -> list[tuple]:
    report = uploads.prepare(sample_db, data, f"f.{fmt}").report
    assert not report.ok
    return [(i.sheet, i.row, i.column, i.message.zh, i.message.en) for i in report.issues if i.level == "error"]


# --- error cells


ERROR_CASES = [(fmt, error) for fmt in FORMATS for error in ERRORS]


@pytest.mark.parametrize(("fmt", "error"), ERROR_CASES, ids=[f"{e} · {f}" for f, e in ERROR_CASES])
def test_an_error_cell_is_refused_naming_its_cell(sample_db, fmt, error):
    data = WRITERS[fmt](Sheet([HEADER, ["杭州市", 2025, ErrorCell(error)], ["武汉市", 2025, 200]]))
    assert read_tables(data)[0].rows[0] == ("杭州市", "2025", error)
    (refusal,) = _refusals(sample_db, data, fmt)
    assert refusal[:3] == ("Sheet1", 2, "签订合作协议（项）")
    assert f"错误值“{error}”" in refusal[3] and f"the error value '{error}'" in refusal[4]


WHERE = [(fmt, column) for fmt in FORMATS for column in (0, 1)]


@pytest.mark.parametrize(("fmt", "column"), WHERE, ids=[f"{HEADER[c]} · {f}" for f, c in WHERE])
def test_an_error_in_the_city_or_year_cell_is_refused_there(sample_db, fmt, column):
    row: list = ["杭州市", 2025, 314]
    row[column] = ErrorCell("#REF!")
    refusals = _refusals(sample_db, WRITERS[fmt](Sheet([HEADER, row])), fmt)
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
    rows = [HEADER, ["杭州市", 2025, 314], ["武汉市", 2025, 200, Error("#DIV/0!", formula=True)]]
    data = xlsb([XlsbSheet("Sheet1", rows)])
    assert read_tables(data)[0].rows == [("杭州市", "2025", "314", ""), ("武汉市", "2025", "200", "#DIV/0!")]


# --- hidden rows and columns, merged ranges


def _marked() -> Sheet:
    """A group header merged over two columns, a city merged over two rows, row 4 and column D hidden."""
    return Sheet(
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
    (table,) = read_tables(WRITERS[fmt](_marked()))
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
    ods = _ods(Sheet([HEADER, ["杭州市", 2025, 314]]))
    with zipfile.ZipFile(io.BytesIO(ods)) as archive:
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
    data = WRITERS[fmt](Sheet([HEADER, ["杭州市", YearDate(datetime.date(2025, 1, 1), number_format), 314]]))
    assert read_tables(data)[0].rows == [("杭州市", YEAR_FORMATS[number_format], "314")]
    report = uploads.prepare(sample_db, data, f"f.{fmt}").report
    assert report.ok, [i.as_dict("en") for i in report.issues]
    assert report.parsed()[["city_code", "year", "agreements"]].values.tolist() == [["330100", 2025, 314]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_date_in_the_year_column_is_still_refused(sample_db, fmt):
    data = WRITERS[fmt](Sheet([HEADER, ["杭州市", YearDate(datetime.date(2025, 3, 1), "yyyy-mm-dd"), 314]]))
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
    [
        HEADER,
        ["杭州市", YearDate(datetime.date(2025, 1, 1), 'e"年"'), ErrorCell("#N/A")],
        [ErrorCell("#REF!"), 2025, 1],
    ],
    hidden_rows={1},
)
XLSX_CASES = {"marks": _xlsx(_marked()), "errors and years": _xlsx(ERRORS_AND_YEARS)}
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
    "xlsb": _replaced(_xlsb(_marked()), "xl/worksheets/sheet1.bin", lambda b: b[:-20] + b"\xb0\x01\x7f" + b"\0" * 4),
    "xlsx": _replaced(_xlsx(_marked()), "xl/worksheets/sheet1.xml", lambda b: b.replace(b'ref="A3:A4"', b'ref="3A"')),
    "ods": _replaced(_ods(_marked()), "content.xml", lambda b: b.replace(b'rows-spanned="2"', b'rows-spanned="two"')),
}


@pytest.mark.parametrize("fmt", list(DAMAGED))
def test_a_damaged_part_refuses_the_file_as_damaged(fmt):
    with pytest.raises(FileError) as raised:
        read_tables(DAMAGED[fmt])
    assert "damaged" in raised.value.text.en

"""Reading uploaded files: the vectorised CSV reader gives exactly what the row-by-row reader gives, or declines."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest

from metrics.ingest import reader, table, text_files, workbooks

# (what, CSV text, whether the fast reader takes it). Those it declines go to the exact reader.
TEXTS = [
    ("plain", "city,year,activities\n杭州市,2020,12\n武汉市,2020,7\n", True),
    ("CRLF and a last line without end", "city,year\r\n杭州市,2020\r\n武汉市,2021", True),
    ("quoted thousands", 'city,year,activities\n杭州市,2020,"1,234"\n', True),
    ("doubled quotes", 'city,year,notes\n杭州市,2020,"say ""hi"""\n', True),
    ("blank lines keep the numbering", "\n\ncity,year\n\n杭州市,2020\n\n\n武汉市,2021\n", True),
    ("rows of empty cells are blank", "city,year,activities\n,,\n杭州市,2020,1\n , ,\n", True),
    ("cells are stripped", "city , year\n 杭州市 ,\u30002020\u3000\n", True),
    ("trailing blank headers", "city,year,,\n杭州市,2020,,\n", True),
    ("cells under blank headers", "city,year,\n杭州市,2020,oops\n", True),
    ("semicolons", "city;year;activities\n杭州市;2020;5\n", True),
    ("tabs", "city\tyear\n杭州市\t2020\n", True),
    ("a quoted line break", 'city,year,notes\n杭州市,2020,"two\nlines"\n武汉市,2021,x\n', False),
    ("a longer row", "city,year\n杭州市,2020,extra\n", False),
    ("a shorter row", "city,year,activities\n杭州市,2020\n", False),
    ("a lone CR ends a line", "city,year\r杭州市,2020\r", False),
    ("CR CR LF", "city,year\r\r\n杭州市,2020\r\r\n武汉市,2021\r\r\n", False),
]


def _exact(text: str) -> table.Table:
    delimiter = text_files._delimiter(text)
    return table.table_from_lines(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), "csv",
                        encoding="utf-8", delimiter=delimiter)  # fmt: skip


def _view(read: table.Table | list[table.Table]) -> tuple:
    """What a reader made of a file (of a workbook, every sheet), to compare readers."""
    if isinstance(read, list):
        return tuple(_view(t) for t in read)
    return (read.sheet, read.header, read.header_row, read.width, read.row_numbers.tolist(), read.rows, read.too_long)


HEAD = text_files._HEAD  # the delimiter is sniffed from the first line that is not blank, found in the file's head
DELIMITED = [
    ("a comma file", "city,year\n杭州市,2020\n", ","),
    ("a semicolon file longer than the head", "city;year\n" + "杭州市;2020\n" * HEAD, ";"),
    ("the header after a head of blank lines", "\n" * HEAD + "city\tyear\n杭州市\t2020\n", "\t"),
    ("a header cut by the head's end", "\n" * (HEAD - 5) + "city;year;x,y\n" + "杭州市;2020;1\n" * 10, ";"),
    ("no delimiter at all", "city\n杭州市\n", ","),
]


@pytest.mark.parametrize(("what", "text", "delimiter"), DELIMITED, ids=[d[0] for d in DELIMITED])
def test_the_delimiter_is_the_headers_commonest(what, text, delimiter):
    assert text_files._delimiter(text) == delimiter


@pytest.mark.parametrize(("what", "text", "fast"), TEXTS, ids=[t[0] for t in TEXTS])
def test_the_fast_reader_agrees_with_the_exact_one_or_declines(what, text, fast):
    got = text_files._read_csv_fast(text, "utf-8", text_files._delimiter(text))
    assert (got is not None) == fast, what
    if got is not None:
        assert _view(got) == _view(_exact(text))
    assert _view(reader.read_table(text.encode())) == _view(_exact(text))  # whichever reads it


def test_rows_longer_than_the_header_are_recorded():
    table = reader.read_table("city,year\n杭州市,2020,1,2\n武汉市,2021\n".encode())
    assert table.too_long == {2: 4} and table.rows[1] == ("武汉市", "2021", "", "")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("city,year\n杭州市,2020\n".encode("utf-8-sig"), "utf-8-sig"),
        ("city,year\n杭州市,2020\n".encode("gb18030"), "gb18030"),
        ("city,year\n杭州市,2020\n".encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_told_from_the_content(data, encoding):
    table = reader.read_table(data)
    assert table.encoding == encoding and table.rows == [("杭州市", "2020")]


@pytest.mark.parametrize("data", [b"city,year\n\x01,2020\n", "city,year\n\x85,2020\n".encode()])
def test_control_characters_mean_it_is_not_text(data):
    with pytest.raises(table.FileError):
        reader.read_table(data)


# Text with a control character is binary that happened to decode; tab, CR and LF are ordinary text.
CONTROL = [("\x00", True), ("\x07", True), ("\x1b", True), ("\x7f", True), ("\x85", True), ("\x9f", True),
           ("\t", False), ("\r", False), ("\n", False), ("\xa0", False), ("\u3000", False),
           ("\ufeff", False)]  # fmt: skip


@pytest.mark.parametrize(("char", "refused"), CONTROL, ids=[f"U+{ord(c):04X}" for c, _ in CONTROL])
def test_control_characters_are_refused(char, refused):
    text = f"city,year\n杭州{char}市,2020\n"
    if refused:
        with pytest.raises(table.FileError):
            text_files._checked(text)
    else:
        assert text_files._checked(text) == text


def _workbook(fill, active: int | None = None, patch=None) -> bytes:
    """A workbook filled by `fill`, as openpyxl saves it, then changed as other tools write them: `active` sets the
    active tab even where openpyxl would not (a hidden sheet); `patch(name, content)` gives each part's new name
    and content."""
    import zipfile

    import openpyxl

    workbook = openpyxl.Workbook()
    fill(workbook)
    out = io.BytesIO()
    workbook.save(out)
    if active is None and patch is None:
        return out.getvalue()
    patched = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/workbook.xml" and active is not None:
                content = re.sub(rb' activeTab="\d+"', b"", content)
                content = content.replace(b"<workbookView ", f'<workbookView activeTab="{active}" '.encode())
            if patch is not None:
                name, content = patch(name, content)
            target.writestr(name, content)
    return patched.getvalue()


def _small_dimension(name: str, content: bytes) -> tuple[str, bytes]:
    if name.startswith("xl/worksheets/"):  # declares two rows and columns of a larger sheet
        content = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:B2"/>', content)
    return name, content


def _escaped_return(name: str, content: bytes) -> tuple[str, bytes]:
    # as Excel writes a cell holding a carriage return (openpyxl keeps its strings in the sheet, Excel in
    # sharedStrings.xml: both are sought)
    return name, content.replace(b"a note", b"a_x000D_note")


def _sheet_elsewhere(name: str, content: bytes) -> tuple[str, bytes]:
    moved = b"xl/data/figures.xml"  # a valid package may keep a sheet anywhere its relationships say
    if name == "xl/worksheets/sheet1.xml":
        return moved.decode(), content
    return name, content.replace(b"/xl/worksheets/sheet1.xml", b"/" + moved).replace(
        b"worksheets/sheet1.xml", b"data/figures.xml"
    )


def _chartsheet_active(workbook) -> None:
    from openpyxl.chart import BarChart, Reference

    _figures(workbook.active)
    chart = BarChart()
    chart.add_data(Reference(workbook.active, min_col=3, min_row=1, max_row=3), titles_from_data=True)
    workbook.create_chartsheet("chart", 0).add_chart(chart)


def _figures(ws) -> None:
    ws.append(["城市", "年份", "对接活动（场）", "协议金额（万元）", "备注"])
    ws.append(["杭州市", 2020, 12, 1234.5, " a note "])
    ws.append(["Wuhan", 2021.0, None, 0.1 + 0.2, ""])
    ws.append([])
    ws.append(["420100", 2022, 12345678901234, 99.99, "12,345"])


def _dates(ws) -> None:
    ws.append(["date", "title_zh", "title_en", "when", "time", "flag"])
    ws.append([datetime.date(2016, 5, 30), "大会", "Congress", datetime.datetime(2016, 5, 30, 12, 30),
               datetime.time(9, 15), True])  # fmt: skip


def _offset(ws) -> None:
    ws["B3"], ws["C3"], ws["B4"], ws["C4"], ws["D6"] = "city", "year", "杭州市", 2020, "x"
    ws.merge_cells("B5:C5")
    ws["B5"] = "merged"


def _hidden_first(workbook) -> None:
    workbook.active.title, workbook.active.sheet_state = "old", "hidden"
    workbook.active.append(["not", "this"])
    _figures(workbook.create_sheet("data"))
    workbook.active = 1


def _active_second(workbook) -> None:
    workbook.active.append(["first", "sheet"])
    _dates(workbook.create_sheet("events"))
    workbook.active = 1


def _active_hidden(workbook) -> None:
    _figures(workbook.active)
    hidden = workbook.create_sheet("hidden")
    hidden.append(["hidden", "sheet"])
    hidden.sheet_state = "hidden"


def _formula(ws) -> None:
    _figures(ws)
    ws["C3"] = "=C2*2"


def _error(ws) -> None:
    _figures(ws)
    ws["C3"] = "#N/A"  # openpyxl stores it as an error cell


# (what, how the workbook is filled, its active tab if set by hand, whether calamine reads it). Those it does not
# go to openpyxl.
WORKBOOKS = [
    ("figures", lambda wb: _figures(wb.active), None, True),
    ("dates, times and booleans", lambda wb: _dates(wb.active), None, True),
    ("data away from A1, merged cells", lambda wb: _offset(wb.active), None, True),
    ("a hidden first sheet", _hidden_first, None, True),
    ("the second sheet active", _active_second, None, True),
    ("the active sheet hidden", _active_hidden, 1, True),
    ("an active tab beyond the sheets", lambda wb: _figures(wb.active), 5, True),
    ("a chartsheet the active tab", _chartsheet_active, 0, True),
    ("a formula", lambda wb: _formula(wb.active), None, False),
    ("an error cell", lambda wb: _error(wb.active), None, True),
]
# (what, how the workbook is filled, how its parts are changed, whether calamine reads it)
PATCHED = [
    ("a declared extent smaller than the sheet", lambda wb: _figures(wb.active), _small_dimension, True),
    ("an escaped carriage return", lambda wb: _figures(wb.active), _escaped_return, False),
    ("a formula in a sheet kept elsewhere", lambda wb: _formula(wb.active), _sheet_elsewhere, False),
]


@pytest.mark.parametrize(("what", "fill", "patch", "fast"), PATCHED, ids=[p[0] for p in PATCHED])
def test_excel_files_other_tools_write_read_alike(what, fill, patch, fast):
    import zipfile

    data = _workbook(fill, patch=patch)
    got = workbooks._read_xlsx_fast(data, zipfile.ZipFile(io.BytesIO(data)))
    assert (got is not None) == fast, what
    exact = workbooks._read_xlsx_exact(data)
    assert _view(exact) == _view(workbooks._read_xlsx_exact(_workbook(fill))) or not fast  # nothing dropped
    assert _view(reader.read_tables(data)) == _view(got if got is not None else exact)


@pytest.mark.parametrize(("what", "fill", "active", "fast"), WORKBOOKS, ids=[w[0] for w in WORKBOOKS])
def test_the_fast_excel_reader_agrees_with_openpyxl_or_declines(what, fill, active, fast):
    import zipfile

    data = _workbook(fill, active)
    got = workbooks._read_xlsx_fast(data, zipfile.ZipFile(io.BytesIO(data)))
    assert (got is not None) == fast, what
    # openpyxl refuses an active tab that is hidden or missing as damaged; the sheet meant is the first visible,
    # which it reads when the tab is not set
    exact = workbooks._read_xlsx_exact(data if active is None else _workbook(fill))
    if got is not None:
        assert _view(got) == _view(exact)
    assert _view(reader.read_tables(data)) == _view(exact)  # whichever reads it


def test_an_excel_file_that_expands_a_hundred_times_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:  # under the cap in all, but a bomb's ratio
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 2**20))
    with pytest.raises(table.FileError, match="expands to more than"):
        reader.read_table(out.getvalue())

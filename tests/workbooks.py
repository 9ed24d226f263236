"""The workbooks the upload tests send, written by code: sheets with merges, hidden rows and columns, error cells and
dates shown as a year, as .xlsx, .xls, .xlsb, .ods and .csv files."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D, "#NUM!": 0x24,
               "#N/A": 0x2A}  # fmt: skip


@dataclass(frozen=True)
class ErrorCell:
    """An error cell such as #DIV/0!; with formula set, .xlsb writes it as a formula's result (BrtFmlaError)."""

    text: str
    formula: bool = False


@dataclass(frozen=True)
class YearDate:
    """A date cell shown through a number format."""

    value: datetime.date
    format: str  # Excel's number format; the .ods writer turns a year-only one into a number:date-style


@dataclass
class Sheet:
    """A worksheet: its name, its rows and, by keyword, its merged ranges and hidden rows and columns."""

    name: str
    rows: list[list]  # str, int, float, ErrorCell, YearDate, or "" (blank)
    _: KW_ONLY
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, last row, first col, last col
    hidden_rows: set[int] = field(default_factory=set)  # counted from 0
    hidden_columns: set[int] = field(default_factory=set)


def _midnight(value: YearDate) -> datetime.datetime:
    return datetime.datetime.combine(value.value, datetime.time())


# --- .xlsx


def xlsx(sheets: list[Sheet], active: int = 0) -> bytes:
    """The sheets as an .xlsx workbook (openpyxl), the sheet at `active` the active one."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.name)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value == "":
                    continue
                cell = ws.cell(r, c)
                if isinstance(value, ErrorCell):
                    cell.value = value.text
                    cell.data_type = "e"
                elif isinstance(value, YearDate):
                    cell.value = _midnight(value)
                    cell.number_format = value.format
                else:
                    cell.value = value
        for r1, r2, c1, c2 in sheet.merges:
            ws.merge_cells(start_row=r1 + 1, end_row=r2 + 1, start_column=c1 + 1, end_column=c2 + 1)
        for r in sheet.hidden_rows:
            ws.row_dimensions[r + 1].hidden = True
        for c in sheet.hidden_columns:
            ws.column_dimensions[get_column_letter(c + 1)].hidden = True
    workbook.active = active
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- .xls


def xls(sheets: list[Sheet], active: int = 0) -> bytes:
    """The sheets as an .xls workbook (xlwt), the sheet at `active` the active one."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    for sheet in sheets:
        ws = workbook.add_sheet(sheet.name)
        covered = {(r, c) for r1, r2, c1, c2 in sheet.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r1, r2, c1, c2 in sheet.merges:  # the first cell's value (blank if none), blanks over the rest
            first = sheet.rows[r1]
            _xls_cell(ws, r1, c1, first[c1] if c1 < len(first) else "")
            ws.merge(r1, r2, c1, c2)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value != "" and (r, c) not in covered:
                    _xls_cell(ws, r, c, value)
        for r in sheet.hidden_rows:
            ws.row(r).hidden = True
        for c in sheet.hidden_columns:
            ws.col(c).hidden = True
    workbook.active_sheet = active
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xls_cell(ws, r: int, c: int, value) -> None:
    import xlwt

    if isinstance(value, ErrorCell):
        ws.row(r).set_cell_error(c, ERROR_CODES[value.text])  # xlwt's own names have a wrong #VALUE!
    elif isinstance(value, YearDate):
        ws.write(r, c, _midnight(value), xlwt.easyxf(num_format_str=value.format))
    else:
        ws.write(r, c, value)


# --- .xlsb: nothing in Python writes it, so its records are written here. Enough of MS-XLSB for calamine to read
# the values and for the reader's own record scan to find the rest: the package parts, a workbook.bin naming the
# sheets, a styles.bin with number formats, and each sheet's records (row headers with their hidden flag, column
# infos, text, number and error cells, a formula's error, merged ranges).


def xlsb(sheets: list[Sheet], active: int = 0) -> bytes:
    """The sheets as an .xlsb workbook; `active` is not written (nor read by the app): the first sheet is active."""
    formats = sorted({v.format for s in sheets for row in s.rows for v in row if isinstance(v, YearDate)})
    styles = {code: i + 1 for i, code in enumerate(formats)}
    workbook = [_record(0x83), _record(0x99, struct.pack("<I", 0) + struct.pack("<I", 0) + _wide("")), _record(0x8F)]
    for i, sheet in enumerate(sheets, start=1):
        workbook.append(_record(0x9C, struct.pack("<II", 0, i) + _wide(f"rId{i}") + _wide(sheet.name)))
    workbook += [_record(0x90), _record(0x9D, bytes(26)), _record(0x84)]
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        '<Override PartName="/xl/styles.bin" ContentType="application/vnd.ms-excel.styles"/>'
        f"{sheet_types}</Types>"
    )
    relationships = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet{i}.bin"/>'
        for i in range(1, len(sheets) + 1)
    )
    styles_rel = (
        f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.bin"/>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        archive.writestr(
            "xl/_rels/workbook.bin.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{relationships}{styles_rel}</Relationships>",
        )
        archive.writestr("xl/workbook.bin", b"".join(workbook))
        archive.writestr("xl/styles.bin", _xlsb_styles(formats))
        for i, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.bin", _xlsb_sheet(sheet, styles))
    return out.getvalue()


def _record(kind: int, body: bytes = b"") -> bytes:
    """One record: its type and size as 7-bit varints, then its body."""
    out = bytearray()
    for value, most in ((kind, 2), (len(body), 4)):
        for _ in range(most):
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
    return bytes(out) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _xlsb_cell(column: int, style: int = 0) -> bytes:
    return struct.pack("<II", column, style)


def _xlsb_sheet(sheet: Sheet, styles: dict[str, int]) -> bytes:
    width = max((len(r) for r in sheet.rows), default=1)
    out = [_record(0x81), _record(0x94, struct.pack("<IIII", 0, max(len(sheet.rows) - 1, 0), 0, width - 1))]
    if sheet.hidden_columns:
        out.append(_record(0x186))  # BrtBeginColInfos
        for c in sorted(sheet.hidden_columns):
            out.append(_record(0x3C, struct.pack("<IIII", c, c, 2304, 0) + bytes([0x01, 0x00])))  # fHidden
        out.append(_record(0x187))
    out.append(_record(0x91))  # BrtBeginSheetData
    for r, row in enumerate(sheet.rows):
        flags = 0x10 if r in sheet.hidden_rows else 0x00  # fDyZero
        out.append(_record(0x00, struct.pack("<IIH", r, 0, 300) + bytes([0, flags, 0]) + struct.pack("<I", 0)))
        for c, value in enumerate(row):
            if value == "":
                continue
            if isinstance(value, ErrorCell) and value.formula:
                formula = bytes([0x1E, 1, 0, 0x1E, 0, 0, 0x06])  # =1/0: PtgInt 1, PtgInt 0, PtgDiv
                body = _xlsb_cell(c) + bytes([ERROR_CODES[value.text]]) + struct.pack("<H", 0)
                out.append(_record(0x0B, body + struct.pack("<I", len(formula)) + formula + struct.pack("<I", 0)))
            elif isinstance(value, ErrorCell):
                out.append(_record(0x03, _xlsb_cell(c) + bytes([ERROR_CODES[value.text]])))
            elif isinstance(value, YearDate):  # a date is its serial number: 45658 is 2025-01-01
                serial = (value.value - datetime.date(1899, 12, 30)).days
                out.append(_record(0x05, _xlsb_cell(c, styles[value.format]) + struct.pack("<d", serial)))
            elif isinstance(value, int | float):
                out.append(_record(0x05, _xlsb_cell(c) + struct.pack("<d", value)))
            else:
                out.append(_record(0x06, _xlsb_cell(c) + _wide(str(value))))
    out.append(_record(0x92))  # BrtEndSheetData
    if sheet.merges:
        out.append(_record(0xB1, struct.pack("<I", len(sheet.merges))))
        out += [_record(0xB0, struct.pack("<IIII", *merge)) for merge in sheet.merges]
        out.append(_record(0xB2))
    out.append(_record(0x82))
    return b"".join(out)


def _xlsb_styles(formats: list[str]) -> bytes:
    """styles.bin: the custom formats (ids from 164) and one cell style for each, after the default one."""
    out = [_record(0x116), _record(0x267, struct.pack("<I", len(formats)))]
    out += [_record(0x2C, struct.pack("<H", 164 + i) + _wide(code)) for i, code in enumerate(formats)]
    out += [_record(0x268), _record(0x269, struct.pack("<I", len(formats) + 1))]
    for number_format in [0, *range(164, 164 + len(formats))]:
        out.append(_record(0x2F, struct.pack("<HHHHHBBHBB", 0, number_format, 0, 0, 0, 0, 0, 0, 0, 0)))
    out += [_record(0x26A), _record(0x117)]
    return b"".join(out)


# --- .ods

CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def ods(sheets: list[Sheet], active: int = 0) -> bytes:
    """The sheets as an .ods workbook (odfpy); `active` is not written (nor read by the app): the first is active."""
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

    for sheet in sheets:
        table = Table(name=sheet.name)
        width = max(map(len, sheet.rows), default=0)
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
                        cell.addElement(P(text=str(value)))
                line.addElement(cell)
            table.addElement(line)
        document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- .csv


def csv(sheets: list[Sheet], active: int = 0, delimiter: str = ",") -> bytes:
    """The one sheet as UTF-8 text with a BOM, every row as wide as the widest."""
    import csv as csv_module

    (sheet,) = sheets
    width = max(len(r) for r in sheet.rows)
    out = io.StringIO()
    csv_module.writer(out, delimiter=delimiter).writerows([*row, *[""] * (width - len(row))] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


WRITERS: dict[str, Callable[..., bytes]] = {"xlsx": xlsx, "xls": xls, "xlsb": xlsb, "ods": ods, "csv": csv}


def values_of(rows) -> dict:
    """{(city_code, year): {column: value}} of a report's parsed rows (values not reported left out)."""
    out: dict = {}
    for row in rows.to_dict("records"):
        cells = {k: v for k, v in row.items() if k not in ("row", "city_code", "year") and v is not None and v == v}
        out[(row["city_code"], int(row["year"]))] = cells
    return out

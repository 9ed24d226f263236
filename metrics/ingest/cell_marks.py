"""What a workbook says of its cells beyond the values calamine reads: error cells (calamine gives them as blank),
hidden rows and columns, merged ranges, and dates whose number format shows only the year ("2025", "2025年").

One function per format finds them (cheaply: a 100,000-row sheet that has none costs a few scans of its bytes), each
giving a CellMarks per sheet name; `apply` writes the marks into the rows a reader read and `table_fields` gives
what the Table keeps. Rows and columns are counted from 0 here (row 0 is the sheet's first row, column 0 is A).
"""

from __future__ import annotations

import datetime
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .table import MAX_COLUMNS, MAX_ROWS

Span = tuple[int, int]  # first, last (inclusive)
Block = tuple[int, int, int, int]  # first row, last row, first column, last column (inclusive)

# The error a cell shows, by the code .xls and .xlsb store (MS-XLS 2.5.13 BErr; MS-XLSB 2.5.97.2).
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}  # fmt: skip
UNKNOWN_ERROR = "#N/A"  # an error cell whose error is not said (no code we know, no text)


@dataclass(frozen=True)
class CellMarks:
    """One sheet's marks (rows and columns counted from 0)."""

    errors: tuple[tuple[Block, str], ...] = ()  # error cells and the error they show ("#DIV/0!")
    years: tuple[tuple[Block, str], ...] = ()  # date cells whose format shows only the year, and year_template's
    hidden_rows: tuple[Span, ...] = ()
    hidden_columns: tuple[Span, ...] = ()
    merges: tuple[Block, ...] = ()
    date1904: bool = False  # the workbook counts serial dates from 1904 (old Mac Excel)


NO_MARKS = CellMarks()


# --- applying marks to what a reader read


def apply(rows: list[list], marks: CellMarks) -> list[list]:
    """The rows as read (changed in place): blank error cells given their error, year-formatted dates their year."""
    for (r1, r2, c1, c2), text in marks.errors:
        # An error cell may lie past what the value reader kept (calamine drops an .xlsb formula's error): the rows
        # grow to hold it, though never far past the limits, where the sheet is refused as too large.
        for r in range(r1, min(r2, MAX_ROWS + 1) + 1):
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            for c in range(c1, min(c2, MAX_COLUMNS) + 1):
                if len(row) <= c:
                    row.extend([""] * (c + 1 - len(row)))
                if row[c] is None or row[c] == "":
                    row[c] = text
    for (r1, r2, c1, c2), template in marks.years:
        for row in rows[r1 : r2 + 1]:
            for c in range(c1, min(c2 + 1, len(row))):
                year = _year_of(row[c], marks.date1904)
                if year is not None:
                    row[c] = template.format(f"{year:04d}", f"{year % 100:02d}")
    return rows


def table_fields(marks: CellMarks, rows: list[list]) -> dict:
    """Table's hidden_rows, hidden_columns and merges (its rows numbered from 1) for the sheet of these rows."""
    # Hidden rows and columns up to the last that holds a value: a sheet may hide the million rows below its table,
    # and so each reader's rows (openpyxl's run on over blank trailing rows, calamine's do not) give the same.
    height = next((r + 1 for r in range(len(rows) - 1, -1, -1) if _end(rows[r])), 0) if marks.hidden_rows else 0
    width = max(map(_end, rows), default=0) if marks.hidden_columns else 0
    return {
        "hidden_rows": frozenset(r + 1 for a, b in marks.hidden_rows for r in range(a, min(b, height - 1) + 1)),
        "hidden_columns": frozenset(c for a, b in marks.hidden_columns for c in range(a, min(b, width - 1) + 1)),
        "merges": tuple(sorted({(r1 + 1, r2 + 1, c1, c2) for r1, r2, c1, c2 in marks.merges})),
    }


def _end(row: list) -> int:
    """One past the row's last cell that holds a value (0 for a blank row)."""
    return next((c + 1 for c in range(len(row) - 1, -1, -1) if row[c] is not None and row[c] != ""), 0)


def _year_of(value, date1904: bool) -> int | None:
    """The year a date cell shows: calamine and openpyxl give a date, or the serial number where they do not take
    the format for a date's (e"年")."""
    if isinstance(value, datetime.date):
        return value.year
    if type(value) not in (int, float) or not 0 <= value < 2958466:  # beyond 9999-12-31 Excel shows ####
        return None
    if date1904:
        return (datetime.date(1904, 1, 1) + datetime.timedelta(days=int(value))).year
    if value < 61:  # Excel's 1900 counts a 29 February that never was
        return 1900
    return (datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))).year


# --- number formats


# Locales where `e` is the year of a local era (Taiwan's Minguo, Japan's, Korea's, Thailand's Buddhist), not 2025.
_ERA_LOCALES = {0x0404, 0x0411, 0x0412, 0x041E}
_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}


def year_template(code: str) -> str | None:
    """A number format that shows a date as its year alone as a template ('yyyy"年"' -> "{0}年"; {1}: yy), else None."""
    parts: list[str] = []
    years = 0
    era_locale = False
    section = _first_section(code)
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            if end < 0:
                return None
            parts.append(_literal(section[i + 1 : end]))
            i = end + 1
        elif ch in "\\_*":  # an escaped character; a space as wide as one; a character repeated to fill the cell
            parts.append(_literal(section[i + 1 : i + 2]) if ch == "\\" else " " if ch == "_" else "")
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            tag = section[i + 1 : end] if end > 0 else ""
            locale = re.fullmatch(r"\$([^-]*)-([0-9A-Fa-f]{1,8})", tag)
            if locale:
                number = int(locale.group(2), 16)
                if (number >> 16) & 0xFF not in (0, 1):  # a calendar other than the Gregorian one
                    return None
                era_locale = number & 0xFFFF in _ERA_LOCALES
                parts.append(_literal(locale.group(1)))
            elif tag.lower() not in _COLOURS and not re.fullmatch(r"(?i)color\d{1,2}", tag):
                return None  # a condition, elapsed time, [DBNum1] (Chinese numerals) …
            i = end + 1
        elif ch in "yYeE":
            run = len(section[i:]) - len(section[i:].lstrip(ch.lower() + ch.upper()))
            if ch in "eE" and section[i + run : i + run + 1] in ("+", "-"):
                return None  # scientific notation
            if ch in "eE" and era_locale:
                return None
            parts.append("{0}" if ch in "eE" or run >= 3 else "{1}")
            years += 1
            i += run
        elif (ch.isascii() and ch.isalnum()) or ch in "#?@%":
            return None  # a month, day, time, era name, digit placeholder, text …
        else:
            parts.append(_literal(ch))
            i += 1
    return "".join(parts) if years else None


def _first_section(code: str) -> str:
    """The part of a number format for positive numbers (dates): up to the first ; outside quotes."""
    quoted = False
    for i, ch in enumerate(code):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return code[:i]
    return code


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _spans(numbers: Iterable[int]) -> tuple[Span, ...]:
    """Numbers as runs of consecutive ones."""
    spans: list[Span] = []
    for n in sorted(set(numbers)):
        if spans and spans[-1][1] == n - 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return tuple(spans)


# --- .xlsx: the worksheet XML scanned as bytes (a 100,000-row sheet is 40 MB of XML; parsing it is seconds)


@dataclass(frozen=True)
class XlsxBook:
    """What every sheet's scan needs from the workbook's other parts."""

    sheets: dict[str, str]  # worksheet part (as the zip names it) -> sheet name
    year_styles: dict[int, str]  # cell style (the s attribute) -> year_template
    date1904: bool


def xlsx_marks(archive: zipfile.ZipFile) -> dict[str, CellMarks]:
    """Each worksheet's marks in an .xlsx workbook, by sheet name."""
    book = xlsx_book(archive)
    return {name: xlsx_sheet_marks(archive.read(part), book) for part, name in book.sheets.items()}


def xlsx_book(archive: zipfile.ZipFile) -> XlsxBook:
    """The workbook's worksheet parts, year-formatted cell styles and date system."""
    from defusedxml import ElementTree

    names = {n.lower(): n for n in archive.namelist()}
    workbook = ElementTree.fromstring(archive.read(names["xl/workbook.xml"]))
    targets = _targets(archive, names, "xl/_rels/workbook.xml.rels")
    sheets: dict[str, str] = {}
    date1904 = False
    for element in workbook.iter():
        if _local(element.tag) == "sheet":
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if rel_id in targets:
                sheets[targets[rel_id]] = element.get("name", "")
        elif _local(element.tag) == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
    year_styles: dict[int, str] = {}
    if "xl/styles.xml" in names:
        styles = ElementTree.fromstring(archive.read(names["xl/styles.xml"]))
        formats = {e.get("numFmtId"): e.get("formatCode", "") for e in styles.iter() if _local(e.tag) == "numFmt"}
        # Excel's built-in formats (ids below 164) show no date as the year alone; only a custom one can.
        cell_xfs = [xf for e in styles if _local(e.tag) == "cellXfs" for xf in e if _local(xf.tag) == "xf"]
        for index, xf in enumerate(cell_xfs):
            template = year_template(formats.get(xf.get("numFmtId"), ""))
            if template:
                year_styles[index] = template
    return XlsxBook(sheets, year_styles, date1904)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _targets(archive: zipfile.ZipFile, names: dict[str, str], relationships: str) -> dict[str, str]:
    """The parts a workbook's relationships part points to, by relationship id (as the zip names each part, which
    may differ in case)."""
    from defusedxml import ElementTree

    if relationships not in names:
        return {}
    targets = {}
    for relationship in ElementTree.fromstring(archive.read(names[relationships])):
        target = relationship.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        if path.lower() in names:
            targets[relationship.get("Id", "")] = names[path.lower()]
    return targets


_TAG_NAME = re.compile(rb"<(?:[\w.-]+:)?([\w.-]+)")
_ATTRIBUTE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Written as Excel writes them (no spaces around =): a pattern that starts with its letters is searched quickly.
_ERROR_TYPE = re.compile(rb"""t=["']e["']""")
_HIDDEN = re.compile(rb"hidden")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c\s*>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v\s*>([^<]*)<")
_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_COL = re.compile(rb"<(?:[\w.-]+:)?col\b[^>]*>")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b[^>]*>")
_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)\b([^>]*)>")


def xlsx_sheet_marks(xml: bytes, book: XlsxBook) -> CellMarks:
    """One worksheet part's marks."""
    # <cols> come before <sheetData> and <mergeCells> after it: only the searches for hidden rows, error cells and
    # year-styled cells go through the cells, each a search of the bytes and a look at the tag around each hit.
    start, end = xml.find(b"sheetData"), xml.rfind(b"sheetData")
    if start < 0:
        return CellMarks(date1904=book.date1904)
    where = _Positions(xml, start, end)
    hidden_rows = [where.row(tag) for tag, attrs in _tags_with(xml, start, end, _HIDDEN, b"row")
                   if _true(attrs.get("hidden"))]  # fmt: skip
    errors = []
    for tag, _ in _tags_with(xml, start, end, _ERROR_TYPE, b"c"):
        close = xml.find(b">", tag)
        if xml[close - 1 : close] == b"/":
            continue  # no value: a blank cell
        cell_end = _CELL_END.search(xml, close, end)
        value = _VALUE.search(xml, close, cell_end.start() if cell_end else end)
        text = value.group(1).decode("utf-8").strip() if value else ""
        r, c = where.cell(tag)
        errors.append(((r, r, c, c), text or UNKNOWN_ERROR))
    years = []
    if book.year_styles:
        styled = re.compile(rb"""s=["'](%s)["']""" % b"|".join(b"%d" % s for s in book.year_styles))
        for tag, attrs in _tags_with(xml, start, end, styled, b"c"):
            if (style := int(attrs.get("s", "-1"))) in book.year_styles:
                r, c = where.cell(tag)
                years.append(((r, r, c, c), book.year_styles[style]))
    hidden_columns = []
    for match in _COL.finditer(xml, 0, start):
        attrs = _attributes(match.group())
        if _true(attrs.get("hidden")):
            hidden_columns.append((int(attrs.get("min", "1")) - 1, int(attrs.get("max", attrs.get("min", "1"))) - 1))
    merges = []
    for match in _MERGE.finditer(xml, end):
        first, _, last = _attributes(match.group()).get("ref", "").partition(":")
        (r1, c1), (r2, c2) = _cell_position(first), _cell_position(last or first)
        merges.append((min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)))
    return CellMarks(tuple(errors), tuple(years), _spans(hidden_rows), tuple(hidden_columns), tuple(merges),
                     book.date1904)  # fmt: skip


def _tags_with(xml: bytes, start: int, end: int, pattern: re.Pattern, name: bytes) -> Iterator[tuple[int, dict]]:
    """The start tags named `name` in xml[start:end] in which `pattern` is found (a byte search, then the tag
    around each hit): each tag's offset and attributes."""
    pos = start
    while match := pattern.search(xml, pos, end):
        tag = xml.rfind(b"<", start, match.start())
        close = xml.find(b">", match.start(), end)
        pos = max(close, match.end())
        if tag < 0 or close < 0:
            continue
        named = _TAG_NAME.match(xml, tag)
        if named and named.group(1) == name and xml.find(b">", tag, match.start()) < 0:
            yield tag, _attributes(xml[tag : close + 1])


def _attributes(tag: bytes) -> dict[str, str]:
    """A start tag's attributes by local name."""
    return {k.decode().rsplit(":", 1)[-1]: (a or b).decode("utf-8") for k, a, b in _ATTRIBUTE.findall(tag)}


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true")


def _cell_position(reference: str) -> tuple[int, int]:
    """'C2' -> (1, 2)."""
    match = _REFERENCE.fullmatch(reference.replace("$", ""))
    if not match:
        raise ValueError(f"not a cell reference: {reference!r}")
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


class _Positions:
    """Where a <row> or <c> tag is on the sheet: from its r attribute, else (it may be left out) counted from the
    tags before it, which is read once, only for a sheet that needs it."""

    def __init__(self, xml: bytes, start: int, end: int) -> None:
        self._xml, self._start, self._end = xml, start, end
        self._counted: dict[int, tuple[int, int]] | None = None

    def row(self, tag: int) -> int:
        reference = _attributes(self._xml[tag : self._xml.find(b">", tag) + 1]).get("r")
        return int(reference) - 1 if reference else self._count()[tag][0]

    def cell(self, tag: int) -> tuple[int, int]:
        reference = _attributes(self._xml[tag : self._xml.find(b">", tag) + 1]).get("r")
        return _cell_position(reference) if reference else self._count()[tag]

    def _count(self) -> dict[int, tuple[int, int]]:
        if self._counted is None:
            self._counted, row, column = {}, -1, -1
            for match in _ROW_OR_CELL.finditer(self._xml, self._start, self._end):
                reference = _attributes(match.group()).get("r")
                if match.group(1) == b"row":
                    row, column = int(reference) - 1 if reference else row + 1, -1
                else:
                    row, column = _cell_position(reference) if reference else (row, column + 1)
                self._counted[match.start()] = (row, column)
        return self._counted


# --- .xls: xlrd, which reads what Excel 97–2003 records of each cell


def xls_marks(data: bytes) -> dict[str, CellMarks]:
    """Each worksheet's marks in an .xls workbook, by sheet name."""
    import xlrd  # imported here: only uploads need it

    # Tolerant of a compound file's inconsistencies that calamine, which read the values, tolerated too.
    book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=io.StringIO(),
                              ignore_workbook_corruption=True)  # fmt: skip
    styles = {}
    for index, xf in enumerate(book.xf_list):
        found = book.format_map.get(xf.format_key)
        template = year_template(found.format_str) if found else None
        if template:
            styles[index] = template
    marks = {}
    for sheet in book.sheets():
        errors, years = [], []
        for r in range(sheet.nrows):
            types = sheet.row_types(r)
            if xlrd.XL_CELL_ERROR in types:  # a test of the whole row at once: most rows have none
                for c in (c for c, t in enumerate(types) if t == xlrd.XL_CELL_ERROR):
                    errors.append(((r, r, c, c), ERROR_CODES.get(sheet.cell_value(r, c), UNKNOWN_ERROR)))
            if styles and (xlrd.XL_CELL_DATE in types or xlrd.XL_CELL_NUMBER in types):
                for c in (c for c, t in enumerate(types) if t in (xlrd.XL_CELL_DATE, xlrd.XL_CELL_NUMBER)):
                    if (style := sheet.cell_xf_index(r, c)) in styles:
                        years.append(((r, r, c, c), styles[style]))
        marks[sheet.name] = CellMarks(
            errors=tuple(errors),
            years=tuple(years),
            hidden_rows=_spans(r for r, info in sheet.rowinfo_map.items() if info.hidden),
            hidden_columns=_spans(c for c, info in sheet.colinfo_map.items() if info.hidden),
            merges=tuple((r1, r2 - 1, c1, c2 - 1) for r1, r2, c1, c2 in sheet.merged_cells),
            date1904=book.datemode == 1,
        )
    return marks


# --- .xlsb: its BIFF12 records read directly (no maintained library gives error cells or hidden rows)

# Record types (MS-XLSB 2.3.2), as calamine reads them too.
_ROW_HEADER, _CELL_RK, _CELL_ERROR, _CELL_REAL, _FORMULA_NUMBER, _FORMULA_ERROR = 0x00, 0x02, 0x03, 0x05, 0x09, 0x0B
_COL_INFO, _MERGE_CELL, _WORKBOOK_PROPERTIES, _BUNDLE_SHEET = 0x3C, 0xB0, 0x99, 0x9C
_FORMAT, _XF, _BEGIN_CELL_XFS, _END_CELL_XFS = 0x2C, 0x2F, 0x0269, 0x026A


def xlsb_marks(archive: zipfile.ZipFile) -> dict[str, CellMarks]:
    """Each worksheet's marks in an .xlsb workbook, by sheet name."""
    names = {n.lower(): n for n in archive.namelist()}
    targets = _targets(archive, names, "xl/_rels/workbook.bin.rels")
    date1904, sheets = False, []
    workbook = archive.read(names["xl/workbook.bin"])
    for kind, start, end in _records(workbook):
        if kind == _WORKBOOK_PROPERTIES:
            date1904 = bool(workbook[start] & 1)
        elif kind == _BUNDLE_SHEET:
            rel_id, at = _wide_string(workbook, start + 8, end)
            name, _ = _wide_string(workbook, at, end)
            if (rel_id or "") in targets:
                sheets.append((name or "", targets[rel_id or ""]))
    styles = _xlsb_year_styles(archive.read(names["xl/styles.bin"])) if "xl/styles.bin" in names else {}
    return {name: _xlsb_sheet(archive.read(part), styles, date1904) for name, part in sheets}


def _xlsb_sheet(data: bytes, styles: dict[int, str], date1904: bool) -> CellMarks:
    """One sheet part's marks. Every record is stepped over (a cell, a row header …): the loop is written out
    rather than through _records, and looks no further into a record than its type, as it runs once per cell."""
    errors, years, hidden_rows, hidden_columns, merges = [], [], [], [], []
    dated = {_CELL_RK, _CELL_REAL, _FORMULA_NUMBER} if styles else set()
    wanted = {_ROW_HEADER, _CELL_ERROR, _FORMULA_ERROR, _COL_INFO, _MERGE_CELL, *dated}
    row, pos, size = 0, 0, len(data)
    while pos < size:
        kind = data[pos]
        pos += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | (data[pos] & 0x7F) << 7
            pos += 1
        length = data[pos]
        pos += 1
        if length & 0x80:
            length, pos = _varint(data, pos - 1, 4)
        if kind in wanted:
            if pos + length > size:
                raise ValueError("a record runs past the end of its part")
            if kind == _ROW_HEADER:
                _require(length, 12)
                row = int.from_bytes(data[pos : pos + 4], "little")
                if data[pos + 11] & 0x10:  # fDyZero: the row is hidden
                    hidden_rows.append(row)
            elif kind in (_CELL_ERROR, _FORMULA_ERROR):
                _require(length, 9)
                column = int.from_bytes(data[pos : pos + 4], "little")
                errors.append(((row, row, column, column), ERROR_CODES.get(data[pos + 8], UNKNOWN_ERROR)))
            elif kind in dated:
                _require(length, 8)
                if (style := int.from_bytes(data[pos + 4 : pos + 7], "little")) in styles:
                    column = int.from_bytes(data[pos : pos + 4], "little")
                    years.append(((row, row, column, column), styles[style]))
            elif kind == _COL_INFO:
                _require(length, 17)
                first, last = struct.unpack_from("<II", data, pos)
                if data[pos + 16] & 0x01:  # fHidden
                    hidden_columns.append((first, last))
            else:
                _require(length, 16)
                r1, r2, c1, c2 = struct.unpack_from("<IIII", data, pos)
                merges.append((r1, r2, c1, c2))
        pos += length
    if pos > size:
        raise ValueError("a record runs past the end of its part")
    return CellMarks(tuple(errors), tuple(years), _spans(hidden_rows), tuple(hidden_columns), tuple(merges), date1904)


def _require(length: int, size: int) -> None:
    if length < size:
        raise ValueError("a record shorter than its fields")


def _xlsb_year_styles(data: bytes) -> dict[int, str]:
    """The cell styles (BrtXF records after BrtBeginCellXFs, counted from 0) whose format shows only the year."""
    formats, styles, index = {}, {}, None
    for kind, start, end in _records(data):
        if kind == _FORMAT:
            formats[int.from_bytes(data[start : start + 2], "little")], _ = _wide_string(data, start + 2, end)
        elif kind == _BEGIN_CELL_XFS:
            index = 0
        elif kind == _END_CELL_XFS:
            index = None
        elif kind == _XF and index is not None:
            template = year_template(formats.get(int.from_bytes(data[start + 2 : start + 4], "little")) or "")
            if template:
                styles[index] = template
            index += 1
    return styles


def _records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Each BIFF12 record's type and where its body starts and ends (type and size are 7-bit varints)."""
    pos, size = 0, len(data)
    while pos < size:
        kind, pos = _varint(data, pos, 2)
        length, pos = _varint(data, pos, 4)
        if pos + length > size:
            raise ValueError("a record runs past the end of its part")
        yield kind, pos, pos + length
        pos += length


def _varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = 0
    for i in range(most):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            break
    return value, pos


def _wide_string(data: bytes, pos: int, end: int) -> tuple[str | None, int]:
    """An XLWideString (a 4-byte count of UTF-16 units, then the units; 0xFFFFFFFF: none) and where it ends."""
    (count,) = struct.unpack_from("<I", data, pos)
    if count == 0xFFFFFFFF:
        return None, pos + 4
    if pos + 4 + 2 * count > end:
        raise ValueError("a string runs past the end of its record")
    return data[pos + 4 : pos + 4 + 2 * count].decode("utf-16-le"), pos + 4 + 2 * count


# --- .ods: content.xml, parsed only when it holds something to find

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
# What content.xml holds only where a table has marks, each searched alone by a pattern that starts with its letters
# (one alternation of them searches several times slower).
_ODS_HINTS = tuple(re.compile(p) for p in (rb'value-type="error"', rb"value-type='error'",
                                           rb"""visibility=["'](?:collapse|filter)""", rb"-spanned="))  # fmt: skip
_MAX_REPEATED_MERGES = 10_000  # a merged cell repeated (LibreOffice never writes one) is taken this many times at most


def ods_marks(archive: zipfile.ZipFile) -> dict[str, CellMarks]:
    """Each table's marks in an .ods workbook, by table name."""
    # LibreOffice writes an error cell as an empty string marked calcext:value-type="error", with the error's text
    # as its paragraph (calamine reads the empty string). content.xml is parsed only when it has marks to find.
    content = archive.read("content.xml")
    common = archive.read("styles.xml") if "styles.xml" in archive.namelist() else b""
    styles = _ods_year_styles(content, common) if b"date-style" in content or b"date-style" in common else {}
    if not styles and not any(hint.search(content) for hint in _ODS_HINTS):
        return {}
    return _ods_tables(content, styles)


def _ods_year_styles(content: bytes, common: bytes) -> dict[str, str]:
    """Cell styles (by name) whose data style shows a date as the year alone, with its template: from the common
    styles and content.xml's own (above its body, where the reading stops)."""
    from defusedxml.ElementTree import iterparse

    dates, cells = {}, {}
    for part in (common, content):
        for event, element in iterparse(io.BytesIO(part), events=("start", "end")) if part else ():
            if event == "start":
                if element.tag == f"{_OFFICE}body":
                    break
            elif element.tag == f"{_NUMBER}date-style":
                dates[element.get(f"{_STYLE}name")] = _ods_date_template(element)
            elif element.tag == f"{_STYLE}style" and element.get(f"{_STYLE}family") == "table-cell":
                cells[element.get(f"{_STYLE}name")] = element.get(f"{_STYLE}data-style-name")
    return {cell: template for cell, data in cells.items() if (template := dates.get(data))}


def _ods_date_template(style) -> str | None:
    """A number:date-style as year_template gives a format, when it shows nothing but the (Gregorian) year."""
    parts = []
    for child in style:
        if child.tag == f"{_NUMBER}year" and child.get(f"{_NUMBER}calendar") in (None, "gregorian"):
            parts.append("{0}" if child.get(f"{_NUMBER}style") == "long" else "{1}")
        elif child.tag == f"{_NUMBER}text":
            parts.append(_literal(child.text or ""))
        else:
            return None
    return "".join(parts) if "{0}" in parts or "{1}" in parts else None


class _OdsTable:
    """What one table's reading has found so far, and where it is: a row or a cell repeated N times counts N."""

    def __init__(self, styles: dict[str, str]) -> None:
        self.styles = styles
        self.errors: list[tuple[Block, str]] = []
        self.years: list[tuple[Block, str]] = []
        self.hidden_rows: list[Span] = []
        self.hidden_columns: list[Span] = []
        self.merges: list[Block] = []
        self.column_styles: list[tuple[int, int, str]] = []  # a column's default cell style: first, last, style
        self.row = self.rows_repeated = self.column = self.columns = 0

    def add_column(self, element) -> None:
        count = _count(element.get(f"{_TABLE}number-columns-repeated"))
        span = (self.columns, self.columns + count - 1)
        if element.get(f"{_TABLE}visibility") in ("collapse", "filter"):
            self.hidden_columns.append(span)
        if (style := element.get(f"{_TABLE}default-cell-style-name")) in self.styles:
            self.column_styles.append((*span, style))
        self.columns += count

    def start_row(self, element) -> None:
        self.rows_repeated, self.column = _count(element.get(f"{_TABLE}number-rows-repeated")), 0
        if element.get(f"{_TABLE}visibility") in ("collapse", "filter"):
            self.hidden_rows.append((self.row, self.row + self.rows_repeated - 1))

    def add_cell(self, element, covered: bool) -> None:
        count = _count(element.get(f"{_TABLE}number-columns-repeated"))
        r, c = self.row, self.column
        block = (r, r + self.rows_repeated - 1, c, c + count - 1)
        if element.get(f"{_CALCEXT}value-type") == "error":
            text = "\n".join("".join(p.itertext()) for p in element.iter(f"{_TEXT}p")).strip()
            self.errors.append((block, text or UNKNOWN_ERROR))
        elif element.get(f"{_OFFICE}value-type") == "date":
            style = element.get(f"{_TABLE}style-name") or next(
                (s for first, last, s in self.column_styles if first <= c <= last), None
            )
            if style in self.styles:
                self.years.append((block, self.styles[style]))
        rows = _count(element.get(f"{_TABLE}number-rows-spanned"))
        columns = _count(element.get(f"{_TABLE}number-columns-spanned"))
        if not covered and (rows > 1 or columns > 1):
            for at_row in range(r, r + min(self.rows_repeated, _MAX_REPEATED_MERGES)):
                for at in range(c, c + min(count, _MAX_REPEATED_MERGES - len(self.merges))):
                    self.merges.append((at_row, at_row + rows - 1, at, at + columns - 1))
        self.column += count

    def end_row(self) -> None:
        self.row += self.rows_repeated

    def marks(self) -> CellMarks:
        return CellMarks(tuple(self.errors), tuple(self.years), tuple(self.hidden_rows), tuple(self.hidden_columns),
                         tuple(self.merges))  # fmt: skip


def _ods_tables(content: bytes, styles: dict[str, str]) -> dict[str, CellMarks]:
    """The marks of every table in content.xml, read as a stream (each row let go once read)."""
    from defusedxml.ElementTree import iterparse

    marks: dict[str, CellMarks] = {}
    found = _OdsTable(styles)
    for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == f"{_TABLE}table":
                found = _OdsTable(styles)
            elif tag == f"{_TABLE}table-column":
                found.add_column(element)
            elif tag == f"{_TABLE}table-row":
                found.start_row(element)
        elif tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            found.add_cell(element, covered=tag != f"{_TABLE}table-cell")
            element.clear()
        elif tag == f"{_TABLE}table-row":
            found.end_row()
            element.clear()
        elif tag == f"{_TABLE}table":
            marks[element.get(f"{_TABLE}name", "")] = found.marks()
            element.clear()
    return marks


def _count(value: str | None) -> int:
    """A repeat or span count (1 when not said)."""
    return max(int(value), 1) if value else 1

"""The marks of an .ods workbook's cells (cell_marks.py): its content.xml, parsed only when it holds something to
find."""

from __future__ import annotations

import io
import re
import zipfile

from .cell_marks import UNKNOWN_ERROR, Block, CellMarks, Span, format_literal

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
            parts.append(format_literal(child.text or ""))
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

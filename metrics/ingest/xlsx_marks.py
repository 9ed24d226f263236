"""The marks of an .xlsx workbook's cells (cell_marks.py): its worksheet XML scanned as bytes, since a 100,000-row
sheet is 40 MB of XML and parsing it takes seconds."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from .cell_marks import UNKNOWN_ERROR, CellMarks, part_targets, spans, year_template


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
    targets = part_targets(archive, names, "xl/_rels/workbook.xml.rels")
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
    return CellMarks(tuple(errors), tuple(years), spans(hidden_rows), tuple(hidden_columns), tuple(merges),
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

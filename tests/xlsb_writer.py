"""A minimal .xlsb (Excel binary workbook) writer for the tests: nothing in Python writes the format.

Enough of MS-XLSB for calamine to read the values and for the reader's own record scan to find the rest: the
package parts, a workbook.bin naming the sheets, a styles.bin with number formats, and each sheet's records (row
headers with their hidden flag, column infos, text, number and error cells, a formula's error, merged ranges).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass, field

ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D, "#NUM!": 0x24,
               "#N/A": 0x2A}  # fmt: skip


@dataclass(frozen=True)
class Error:
    """An error cell: its error, and whether a formula gave it (BrtFmlaError) rather than a value (BrtCellError)."""

    text: str
    formula: bool = False


@dataclass(frozen=True)
class Styled:
    """A number shown through a number format (a date is its serial number: 45658 is 2025-01-01)."""

    value: float
    format: str


@dataclass
class XlsbSheet:
    name: str
    rows: list[list] = field(default_factory=list)  # str, int, float, Error, Styled or None / "" (blank)
    hidden_rows: set[int] = field(default_factory=set)  # counted from 0
    hidden_columns: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, last row, first col, last col


def record(kind: int, body: bytes = b"") -> bytes:
    """One record: its type and size as 7-bit varints, then its body."""
    out = bytearray()
    for value, most in ((kind, 2), (len(body), 4)):
        for _ in range(most):
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
    return bytes(out) + body


def wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _cell(column: int, style: int = 0) -> bytes:
    return struct.pack("<II", column, style)


def _sheet_part(sheet: XlsbSheet, styles: dict[str, int]) -> bytes:
    width = max((len(r) for r in sheet.rows), default=1)
    out = [record(0x81), record(0x94, struct.pack("<IIII", 0, max(len(sheet.rows) - 1, 0), 0, width - 1))]
    if sheet.hidden_columns:
        out.append(record(0x186))  # BrtBeginColInfos
        for c in sorted(sheet.hidden_columns):
            out.append(record(0x3C, struct.pack("<IIII", c, c, 2304, 0) + bytes([0x01, 0x00])))  # fHidden
        out.append(record(0x187))
    out.append(record(0x91))  # BrtBeginSheetData
    for r, row in enumerate(sheet.rows):
        flags = 0x10 if r in sheet.hidden_rows else 0x00  # fDyZero
        out.append(record(0x00, struct.pack("<IIH", r, 0, 300) + bytes([0, flags, 0]) + struct.pack("<I", 0)))
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, Error) and value.formula:
                # =1/0: PtgInt 1, PtgInt 0, PtgDiv
                formula = bytes([0x1E, 1, 0, 0x1E, 0, 0, 0x06])
                body = _cell(c) + bytes([ERROR_CODES[value.text]]) + struct.pack("<H", 0)
                out.append(record(0x0B, body + struct.pack("<I", len(formula)) + formula + struct.pack("<I", 0)))
            elif isinstance(value, Error):
                out.append(record(0x03, _cell(c) + bytes([ERROR_CODES[value.text]])))
            elif isinstance(value, Styled):
                out.append(record(0x05, _cell(c, styles[value.format]) + struct.pack("<d", value.value)))
            elif isinstance(value, int | float):
                out.append(record(0x05, _cell(c) + struct.pack("<d", value)))
            else:
                out.append(record(0x06, _cell(c) + wide(str(value))))
    out.append(record(0x92))  # BrtEndSheetData
    if sheet.merges:
        out.append(record(0xB1, struct.pack("<I", len(sheet.merges))))
        out += [record(0xB0, struct.pack("<IIII", *merge)) for merge in sheet.merges]
        out.append(record(0xB2))
    out.append(record(0x82))
    return b"".join(out)


def _styles_part(formats: list[str]) -> bytes:
    """styles.bin: the custom formats (ids from 164) and one cell style for each, after the default one."""
    out = [record(0x116), record(0x267, struct.pack("<I", len(formats)))]
    out += [record(0x2C, struct.pack("<H", 164 + i) + wide(code)) for i, code in enumerate(formats)]
    out += [record(0x268), record(0x269, struct.pack("<I", len(formats) + 1))]
    for number_format in [0, *range(164, 164 + len(formats))]:
        out.append(record(0x2F, struct.pack("<HHHHHBBHBB", 0, number_format, 0, 0, 0, 0, 0, 0, 0, 0)))
    out += [record(0x26A), record(0x117)]
    return b"".join(out)


def xlsb(sheets: list[XlsbSheet]) -> bytes:
    """The workbook's bytes."""
    formats = sorted({v.format for s in sheets for row in s.rows for v in row if isinstance(v, Styled)})
    styles = {code: i + 1 for i, code in enumerate(formats)}
    workbook = [record(0x83), record(0x99, struct.pack("<I", 0) + struct.pack("<I", 0) + wide("")), record(0x8F)]
    for i, sheet in enumerate(sheets, start=1):
        workbook.append(record(0x9C, struct.pack("<II", 0, i) + wide(f"rId{i}") + wide(sheet.name)))
    workbook += [record(0x90), record(0x9D, bytes(26)), record(0x84)]
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
        archive.writestr("xl/styles.bin", _styles_part(formats))
        for i, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.bin", _sheet_part(sheet, styles))
    return out.getvalue()

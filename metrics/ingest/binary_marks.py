"""The marks of the binary workbooks' cells (cell_marks.py): .xls through xlrd, which reads what Excel 97–2003
records of each cell, and .xlsb by reading its BIFF12 records directly (no maintained library gives error cells or
hidden rows)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator

from .cell_marks import ERROR_CODES, UNKNOWN_ERROR, CellMarks, part_targets, spans, year_template

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
            hidden_rows=spans(r for r, info in sheet.rowinfo_map.items() if info.hidden),
            hidden_columns=spans(c for c, info in sheet.colinfo_map.items() if info.hidden),
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
    targets = part_targets(archive, names, "xl/_rels/workbook.bin.rels")
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
    return CellMarks(tuple(errors), tuple(years), spans(hidden_rows), tuple(hidden_columns), tuple(merges), date1904)


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

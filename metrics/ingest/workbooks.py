"""Workbooks: .xlsx read by calamine where it can be, else by openpyxl, a zip bomb refused first; .xls, .xlsb and
.ods by calamine. Every worksheet with content is read, the active one first. What calamine does not give (error
cells, hidden rows and columns, merges, dates shown as a year) cell_marks reads beside it, in every format."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import io
import itertools
import re
import zipfile
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from ..domain.i18n import Text
from . import binary_marks, cell_marks, ods_marks, xlsx_marks
from .cell_marks import CellMarks
from .table import MAX_COLUMNS, MAX_ROWS, FileError, Table, columnar_table, no_content, table_from_lines

# A zip bomb is refused before it is expanded: more than this in all, or a large entry that expands more than
# MAX_XLSX_RATIO times (a 500,000-row sheet expands to about 220 MB, at 8 times; a bomb, a thousand times).
MAX_XLSX_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_XLSX_RATIO = 100


def read_xlsx(data: bytes) -> list[Table]:
    """Every worksheet of an .xlsx workbook that has content, the active one (else the first visible) first."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):  # what a damaged zip raises
        raise _broken("xlsx") from None
    check_expansion(archive)
    return _read_xlsx_fast(data, archive) or _read_xlsx_exact(data)


def check_expansion(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb before anything is expanded."""
    entries = archive.infolist()
    if sum(e.file_size for e in entries) > MAX_XLSX_EXPANDED_BYTES or any(
        e.file_size > 2**20 and e.file_size > MAX_XLSX_RATIO * max(e.compress_size, 1) for e in entries
    ):
        raise FileError(
            Text(
                "Excel 文件解压后过大，拒绝读取（可能是恶意文件）。",
                "The Excel file expands to more than is allowed; it was not opened (it may be malicious).",
            )
        )


def read_other_workbook(data: bytes, format_: str) -> list[Table]:
    """Every worksheet of an .xls, .xlsb or .ods workbook (calamine reads these; cells as their values), the
    active one first where the format says which it is."""
    import python_calamine  # imported here: only uploads need it

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        tables = []
        for index in _usable_sheets(workbook):
            sheet = workbook.get_sheet_by_index(index)
            last_row, last_column = sheet.end or (0, 0)
            if last_row + 1 > MAX_ROWS + 1 or last_column + 1 > MAX_COLUMNS:
                raise _too_large(workbook.sheet_names[index], last_row + 1, last_column + 1)
            tables.append((workbook.sheet_names[index], sheet.to_python(skip_empty_area=False)))
    except FileError:
        raise
    except Exception as exc:  # calamine raises its own errors for damaged files
        if any(word in str(exc).lower() for word in ("password", "encrypt")):
            raise password_protected() from None
        raise _broken(format_) from None
    marks = _marks(functools.partial(_OTHER_MARKS[format_], data), format_)
    return _sheet_tables(tables, format_, list(workbook.sheet_names), marks)


_OTHER_MARKS: dict[str, Callable[[bytes], dict[str, CellMarks]]] = {
    "xls": binary_marks.xls_marks,
    "xlsb": lambda data: binary_marks.xlsb_marks(zipfile.ZipFile(io.BytesIO(data))),
    "ods": lambda data: ods_marks.ods_marks(zipfile.ZipFile(io.BytesIO(data))),
}


def _marks(read: Callable[[], dict[str, CellMarks]], format_: str) -> dict[str, CellMarks]:
    """The workbook's marks by sheet name; a part damaged past reading refuses the file, as calamine's errors do."""
    try:
        return read()
    except Exception:
        raise _broken(format_) from None


def _sheet_tables(
    sheets: list[tuple[str, list[list]]], format_: str, names: list[str], marks: dict[str, CellMarks]
) -> list[Table]:
    """The sheets calamine read, as tables, with their marks."""

    def table(name: str, rows: list[list]) -> Table:
        sheet_marks = marks.get(name, cell_marks.NO_MARKS)
        rows = cell_marks.apply(rows, sheet_marks)
        width = max(map(len, rows))
        if len(rows) > MAX_ROWS + 1 or width > MAX_COLUMNS:
            raise _too_large(name, len(rows), width)
        columns = [pa.array(_texts(column), pa.string()) for column in
                   zip(*(list(row) + [""] * (width - len(row)) for row in rows), strict=True)]  # fmt: skip
        numbers = np.arange(1, len(rows) + 1, dtype=np.int64)
        return columnar_table(columns, numbers, format_, **cell_marks.table_fields(sheet_marks, rows))

    return _with_content([(name, functools.partial(table, name, rows)) for name, rows in sheets if rows], names)


def _with_content(sheets: list[tuple[str, Callable[[], Table]]], names: list[str]) -> list[Table]:
    """The sheets that have content (each table knowing its sheet and its workbook's sheets); none: FileError."""
    tables = []
    for name, build in sheets:
        try:
            tables.append(dataclasses.replace(build(), sheet=name, sheets=tuple(names)))
        except FileError as exc:
            if exc.text != no_content().text:
                raise
    if not tables:
        raise no_content()
    return tables


def _usable_sheets(workbook) -> list[int]:
    """The visible worksheets' positions (no chartsheets), the active one first where the workbook says."""
    import python_calamine

    listed = workbook.sheets_metadata
    return [i for i, m in enumerate(listed) if m.visible == python_calamine.SheetVisibleEnum.Visible
            and m.typ == python_calamine.SheetTypeEnum.WorkSheet]  # fmt: skip


def _read_xlsx_exact(data: bytes) -> list[Table]:
    """The visible worksheets read by openpyxl, formulas as their text; the active one (else the first visible)
    first."""
    import openpyxl  # imported here: only uploads need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise _broken("xlsx") from None
    marks = _marks(lambda: xlsx_marks.xlsx_marks(zipfile.ZipFile(io.BytesIO(data))), "xlsx")
    try:
        visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
        active = workbook.active
        if active in visible:  # else a hidden sheet, or a chartsheet
            visible.remove(active)
            visible.insert(0, active)
        sheets = []
        for sheet in visible:
            # The cells as they are, not as the sheet's declared extent says: read-only openpyxl drops every row
            # and column outside it, and some tools write it wrong.
            sheet.reset_dimensions()
            sheet_marks = marks.get(sheet.title, cell_marks.NO_MARKS)
            values = [list(row) for row in itertools.islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2)]
            lines = [[_cell_text(v) for v in row] for row in cell_marks.apply(values, sheet_marks)]
            columns = max(map(len, lines), default=0)
            if len(lines) > MAX_ROWS + 1 or columns > MAX_COLUMNS:
                raise _too_large(sheet.title, f"{len(lines):,}+" if len(lines) > MAX_ROWS + 1 else len(lines),
                                 columns)  # fmt: skip
            fields = cell_marks.table_fields(sheet_marks, values)
            sheets.append((sheet.title, [line + [""] * (columns - len(line)) for line in lines], fields))
        names = [s.title for s in workbook.worksheets]
    except FileError:
        raise
    except Exception:
        raise _broken("xlsx") from None
    finally:
        workbook.close()
    return _with_content([(name, functools.partial(table_from_lines, lines, "xlsx", **fields))
                          for name, lines, fields in sheets], names)  # fmt: skip


def password_protected() -> FileError:
    return FileError(
        Text(
            "工作簿设有打开密码，无法读取；请在 Excel 或 WPS 中取消密码（文件 › 信息 › 保护工作簿）后另存再上传。",
            "The workbook is password-protected and cannot be read; remove the password in Excel or WPS "
            "(File › Info › Protect Workbook), save it and upload it again.",
        )
    )


def _too_large(sheet: str, rows: object, columns: object) -> FileError:
    return FileError(
        Text(
            "工作表“{s}”延伸到第 {r} 行、第 {c} 列，超出上限；请删除多余的行和列后再上传。",
            "The sheet '{s}' reaches row {r} and column {c}, beyond the limit; delete the unused rows and "
            "columns and upload it again.",
        ).format(s=sheet, r=rows, c=columns)
    )


# What only openpyxl reads as we need it: a formula (shown as its text, so that validation refuses it), an escaped
# character such as _x000D_ (kept as written; calamine decodes it) and a reference to a control character (which
# XML forbids: openpyxl calls the file damaged). Namespaced tags ("x:f") are sought too. (An error cell, which
# calamine gives as blank, is given its error text from cell_marks, as in every format.)
_CONTROL_REFERENCE = rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"
_OPENPYXL_ONLY = tuple(re.compile(p) for p in (rb"<f[\s>/]", rb":f[\s>/]", rb"_x[0-9A-Fa-f]{4}_", _CONTROL_REFERENCE))
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ACTIVE_TAB = re.compile(rb"""<(?:\w+:)?workbookView\b[^>]*\sactiveTab=["'](\d+)["']""")


def _read_xlsx_fast(data: bytes, archive: zipfile.ZipFile) -> list[Table] | None:
    """The sheets read by calamine (Rust, many times quicker than openpyxl on a large sheet), exactly as the
    openpyxl reader reads them, or None when the workbook needs that reader (_OPENPYXL_ONLY found in a part that
    holds cells, or anything calamine cannot read). The same sheets, in the same order: the active one, else the
    first visible worksheet, first.
    """
    try:
        book, marks = xlsx_marks.xlsx_book(archive), {}
        for name in _cell_parts(archive):
            xml = archive.read(name)
            if any(pattern.search(xml) for pattern in _OPENPYXL_ONLY):
                return None
            if name in book.sheets:  # read once for both (a large sheet is tens of MB of XML)
                marks[book.sheets[name]] = xlsx_marks.xlsx_sheet_marks(xml, book)
        for part, sheet_name in book.sheets.items():  # a worksheet its content types do not list
            if sheet_name not in marks:
                marks[sheet_name] = xlsx_marks.xlsx_sheet_marks(archive.read(part), book)
        found = _ACTIVE_TAB.search(archive.read("xl/workbook.xml"))
        import python_calamine  # imported here: only uploads need it

        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        usable = _usable_sheets(workbook)
        active = int(found.group(1)) if found else 0
        if active in usable:
            usable.remove(active)
            usable.insert(0, active)
        sheets = []
        for index in usable:
            sheet = workbook.get_sheet_by_index(index)
            last_row, last_column = sheet.end or (0, 0)  # counted from 0
            if last_row + 1 > MAX_ROWS + 1 or last_column + 1 > MAX_COLUMNS:
                return None  # the exact reader words the refusal
            sheets.append((workbook.sheet_names[index], sheet.to_python(skip_empty_area=False)))
    except Exception:  # damaged, encrypted, or a form calamine does not read: the exact reader decides
        return None
    return _sheet_tables(sheets, "xlsx", list(workbook.sheet_names), marks)


def _texts(values) -> list[str]:
    """Cells as _cell_text gives them; strings and whole numbers (most cells) inline, as a call per cell was most
    of the time."""
    return [v if (t := type(v)) is str else str(int(v)) if t is float and v.is_integer() else _calamine_text(v)
            for v in values]  # fmt: skip


def _cell_parts(archive: zipfile.ZipFile) -> list[str]:
    """The parts that hold cells or their text (worksheets, shared strings), as [Content_Types].xml types them."""
    from defusedxml import ElementTree  # imported here: only uploads need it

    types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    wanted = ("worksheet", "sharedStrings")
    parts = [o.get("PartName", "").lstrip("/") for o in types.iter(f"{_CONTENT_TYPES}Override")
             if any(w in o.get("ContentType", "") for w in wanted)]  # fmt: skip
    typed = {d.get("Extension", "").lower() for d in types.iter(f"{_CONTENT_TYPES}Default")
             if any(w in d.get("ContentType", "") for w in wanted)}  # fmt: skip
    return parts + [n for n in archive.namelist() if n.rsplit(".", 1)[-1].lower() in typed]


def _calamine_text(value) -> str:
    """A cell as _cell_text gives openpyxl's: a date cell is a datetime at midnight there, a date here."""
    if type(value) is datetime.date:
        value = datetime.datetime.combine(value, datetime.time())
    return _cell_text(value)


def _broken(format_: str) -> FileError:
    return FileError(
        Text(
            "{f} 文件已损坏或不完整，无法打开。", "The {f} file is damaged or incomplete and cannot be opened."
        ).format(f=FORMAT_NAMES.get(format_, format_))
    )


FORMAT_NAMES = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97–2003 (.xls)", "xlsb": "Excel (.xlsb)",
                "ods": "OpenDocument (.ods)"}  # fmt: skip


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

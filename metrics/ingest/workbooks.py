"""Excel workbooks (.xlsx): the sheet read by calamine where it can be, else by openpyxl, a zip bomb refused first."""

from __future__ import annotations

import datetime
import io
import itertools
import re
import zipfile

import numpy as np
import pyarrow as pa

from ..domain.i18n import Text
from .table import MAX_COLUMNS, MAX_ROWS, FileError, Table, columnar_table, no_content, table_from_lines

# A zip bomb is refused before it is expanded: more than this in all, or a large entry that expands more than
# MAX_XLSX_RATIO times (a 500,000-row sheet expands to about 220 MB, at 8 times; a bomb, a thousand times).
MAX_XLSX_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_XLSX_RATIO = 100


def read_xlsx(data: bytes) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _broken_xlsx() from None
    if sum(e.file_size for e in entries) > MAX_XLSX_EXPANDED_BYTES or any(
        e.file_size > 2**20 and e.file_size > MAX_XLSX_RATIO * max(e.compress_size, 1) for e in entries
    ):
        raise FileError(
            Text(
                "Excel 文件解压后过大，拒绝读取（可能是恶意文件）。",
                "The Excel file expands to more than is allowed; it was not opened (it may be malicious).",
            )
        )
    return _read_xlsx_fast(data, archive) or _read_xlsx_exact(data)


def _read_xlsx_exact(data: bytes) -> Table:
    """The active sheet (else the first visible one) read by openpyxl, formulas as their text."""
    import openpyxl  # imported here: only uploads need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise _broken_xlsx() from None
    try:
        sheet = workbook.active
        if sheet is None or sheet.sheet_state != "visible" or sheet not in workbook.worksheets:  # or a chartsheet
            sheet = next(s for s in workbook.worksheets if s.sheet_state == "visible")
        # The cells as they are, not as the sheet's declared extent says: read-only openpyxl drops every row and
        # column outside it, and some tools write it wrong.
        sheet.reset_dimensions()
        lines = [[_cell_text(v) for v in row] for row in itertools.islice(sheet.iter_rows(values_only=True),
                                                                          MAX_ROWS + 2)]  # fmt: skip
    except Exception:
        raise _broken_xlsx() from None
    finally:
        workbook.close()
    columns = max(map(len, lines), default=0)
    if len(lines) > MAX_ROWS + 1 or columns > MAX_COLUMNS:
        raise FileError(
            Text(
                "工作表“{s}”延伸到第 {r} 行、第 {c} 列，超出上限；请删除多余的行和列后再上传。",
                "The sheet '{s}' reaches row {r} and column {c}, beyond the limit; delete the unused rows and "
                "columns and upload it again.",
            ).format(s=sheet.title, r=f"{len(lines):,}+" if len(lines) > MAX_ROWS + 1 else len(lines), c=columns)
        )
    return table_from_lines(
        [line + [""] * (columns - len(line)) for line in lines], "xlsx"
    )  # a rectangle, as a sheet is


# What only openpyxl reads as we need it: a formula (shown as its text, so that validation refuses it), an error
# cell (shown as "#N/A"; calamine gives an empty cell), an escaped character such as _x000D_ (kept as written;
# calamine decodes it) and a reference to a control character (which XML forbids: openpyxl calls the file damaged).
# Namespaced tags ("x:f") are sought too.
_CONTROL_REFERENCE = rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"
_OPENPYXL_ONLY = tuple(
    re.compile(p) for p in (rb"<f[\s>/]", rb":f[\s>/]", rb"""t=["']e["']""", rb"_x[0-9A-Fa-f]{4}_", _CONTROL_REFERENCE)
)
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ACTIVE_TAB = re.compile(rb"""<(?:\w+:)?workbookView\b[^>]*\sactiveTab=["'](\d+)["']""")


def _read_xlsx_fast(data: bytes, archive: zipfile.ZipFile) -> Table | None:
    """The sheet read by calamine (Rust, many times quicker than openpyxl on a large sheet), exactly as the
    openpyxl reader reads it, or None when the workbook needs that reader (_OPENPYXL_ONLY found in a part that
    holds cells, or anything calamine cannot read). The same sheet is chosen: the active one, else the first
    visible worksheet.
    """
    try:
        for name in _cell_parts(archive):
            xml = archive.read(name)
            if any(pattern.search(xml) for pattern in _OPENPYXL_ONLY):
                return None
        found = _ACTIVE_TAB.search(archive.read("xl/workbook.xml"))
        import python_calamine  # imported here: only uploads need it

        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        listed = workbook.sheets_metadata
        usable = [i for i, m in enumerate(listed) if m.visible == python_calamine.SheetVisibleEnum.Visible
                  and m.typ == python_calamine.SheetTypeEnum.WorkSheet]  # fmt: skip
        active = int(found.group(1)) if found else 0
        sheet = workbook.get_sheet_by_index(active if active in usable else usable[0])
        last_row, last_column = sheet.end or (0, 0)  # counted from 0
        if last_row + 1 > MAX_ROWS + 1 or last_column + 1 > MAX_COLUMNS:
            return None  # the exact reader words the refusal
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # damaged, encrypted, or a form calamine does not read: the exact reader decides
        return None
    if not rows:
        raise no_content()
    columns = [pa.array(_texts(column), pa.string()) for column in zip(*rows, strict=True)]
    return columnar_table(columns, np.arange(1, len(rows) + 1, dtype=np.int64), "xlsx")


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


def _broken_xlsx() -> FileError:
    return FileError(
        Text("Excel 文件已损坏或不完整，无法打开。", "The Excel file is damaged or incomplete and cannot be opened.")
    )


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

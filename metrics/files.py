"""Reading an uploaded file into rows of text: CSV/TXT in the encodings officers' tools write, and XLSX.

The file type comes from the content, not the name. Nothing here interprets values; validation does.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass

import charset_normalizer

from .i18n import Problem, Text

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_XLSX_EXPANDED_BYTES = 50 * 1024 * 1024  # a zip bomb is refused before it is expanded
MAX_COLUMNS = 200
MAX_ROWS = 500_000
DELIMITERS = (",", ";", "\t")


class FileError(Problem):
    """The file cannot be read as a table at all (the whole file is refused)."""


@dataclass(frozen=True)
class Table:
    """The cells of a file as text: a header and data rows, each with its spreadsheet row number."""

    header: tuple[str, ...]  # without trailing blank header cells
    header_row: int  # the header's row in the file (1 unless blank lines come first)
    width: int  # cells in the header line as written, blank ones included
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]  # the header is row 1
    format: str  # 'csv' or 'xlsx'
    encoding: str | None = None
    delimiter: str | None = None


def read_table(data: bytes) -> Table:
    """The table in an uploaded file (CSV/TXT or XLSX, told apart by content); FileError if unreadable."""
    if not data.strip():
        raise FileError(Text("文件是空的。", "The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileError(
            Text(f"文件超过 {MAX_FILE_BYTES // 2**20} MB。", f"The file is larger than {MAX_FILE_BYTES // 2**20} MB.")
        )
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    text, encoding = decode(data)
    return _read_csv(text, encoding)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: BOMs first, then strict UTF-8, then GB18030 (GBK), then a detector's guess."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding)), encoding
            except UnicodeDecodeError:
                raise _not_text() from None
    if b"\x00" in data:
        raise _not_text()
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(encoding)), encoding
        except UnicodeDecodeError:
            continue
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None:
        raise _not_text()
    return _checked(str(guess)), guess.encoding


def _not_text() -> FileError:
    return FileError(
        Text(
            "无法识别文件内容：它既不是文本表格（CSV/TXT），也不是 Excel（.xlsx）文件。",
            "The file is neither a text table (CSV/TXT) nor an Excel (.xlsx) workbook.",
        )
    )


def _checked(text: str) -> str:
    """Refuse text with control characters (binary data that happened to decode)."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
        raise _not_text()
    return text


def _delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(text: str, encoding: str) -> Table:
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error:
        raise FileError(
            Text(
                "无法解析 CSV：引号不配对或单元格过长。",
                "The CSV cannot be parsed: unbalanced quotes or a cell too long.",
            )
        ) from None
    return _table(lines, "csv", encoding=encoding, delimiter=delimiter)


def _read_xlsx(data: bytes) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise _broken_xlsx() from None
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise FileError(
            Text(
                "Excel 文件解压后过大，拒绝读取（可能是恶意文件）。",
                "The Excel file expands to more than is allowed; it was not opened (it may be malicious).",
            )
        )
    import openpyxl  # imported here: only uploads need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.active
        if sheet is None or sheet.sheet_state != "visible":
            sheet = next(s for s in workbook.worksheets if s.sheet_state == "visible")
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise _broken_xlsx() from None
    if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS:
        raise FileError(
            Text(
                "工作表“{s}”延伸到第 {r} 行、第 {c} 列，超出上限；请删除多余的行和列后再上传。",
                "The sheet '{s}' reaches row {r} and column {c}, beyond the limit; delete the unused rows and "
                "columns and upload it again.",
            ).format(s=sheet.title, r=rows, c=columns)
        )
    try:
        lines = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception:
        raise _broken_xlsx() from None
    finally:
        workbook.close()
    return _table(lines, "xlsx")


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


def _table(lines: list[list[str]], format_: str, **how) -> Table:
    numbered = [(n, [c.strip() for c in line]) for n, line in enumerate(lines, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]  # blank lines are skipped, numbering kept
    if not numbered:
        raise FileError(Text("文件里没有内容。", "The file has no content."))
    if len(numbered) > MAX_ROWS + 1:
        raise FileError(Text(f"文件超过 {MAX_ROWS:,} 行。", f"The file has more than {MAX_ROWS:,} rows."))
    (header_row, header), *body = numbered
    width = len(header)
    while header and not header[-1]:
        header.pop()
    return Table(
        header=tuple(header),
        header_row=header_row,
        width=width,
        rows=tuple(tuple(cells) for _, cells in body),
        row_numbers=tuple(n for n, _ in body),
        format=format_,
        **how,
    )

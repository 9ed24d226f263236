"""Reading an uploaded file into rows of text: CSV/TXT in the encodings officers' tools write, and XLSX.

The file type comes from the content, not the name. Nothing here interprets values; validation does.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field

import charset_normalizer
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .i18n import Problem, Text

MAX_FILE_BYTES = 20 * 1024 * 1024
# A zip bomb is refused before it is expanded: more than this in all, or a large entry that expands more than
# MAX_XLSX_RATIO times (a 500,000-row sheet expands to about 220 MB, at 8 times; a bomb, a thousand times).
MAX_XLSX_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_COLUMNS = 200
MAX_ROWS = 500_000
DELIMITERS = (",", ";", "\t")


class FileError(Problem):
    """The file cannot be read as a table at all (the whole file is refused)."""


@dataclass(frozen=True)
class Table:
    """The cells of a file as text (stripped): a header and data rows, each with its spreadsheet row number.

    The body is held by column, as Arrow string arrays, so that a 100,000-row file is checked with vectorised
    operations; `rows` gives the row-by-row view that small files (cities, events) are checked with.
    """

    header: tuple[str, ...]  # without trailing blank header cells
    header_row: int  # the header's row in the file (1 unless blank lines come first)
    width: int  # cells in the header line as written, blank ones included
    columns: tuple[pa.Array, ...]  # at least `width` of them, one per cell position, "" where a row is shorter
    row_numbers: np.ndarray  # of each body row; the header is row 1
    format: str  # 'csv' or 'xlsx'
    encoding: str | None = None
    delimiter: str | None = None
    too_long: dict[int, int] = field(default_factory=dict)  # rows with more cells than the header line: row -> cells

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def rows(self) -> list[tuple[str, ...]]:
        """The body row by row, each as many cells as there are columns."""
        return list(zip(*(c.to_pylist() for c in self.columns), strict=True)) if self.columns else []

    def column(self, index: int) -> pa.Array:
        """The cells of one column ("" for every row when the file has no such column)."""
        if index < len(self.columns):
            return self.columns[index]
        return pa.array([""] * len(self), type=pa.string())


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode category Cc, but for tab, CR and LF


def _checked(text: str) -> str:
    """Refuse text with control characters (binary data that happened to decode)."""
    # Arrow's regex engine scans a large file in half the time Python's takes.
    if pc.any(pc.match_substring_regex(pa.array([text], pa.large_string()), _CONTROL.pattern)).as_py():
        raise _not_text()
    return text


_HEAD = 65_536


def _delimiter(text: str) -> str:
    # The first line that is not blank, found in the file's head (splitting a whole 100,000-row file took 12 ms).
    lines = text[:_HEAD].splitlines()[: -1 if len(text) > _HEAD else None]  # the head's last line may be cut
    header = next((line for line in lines if line.strip()), None)
    if header is None:
        header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(text: str, encoding: str) -> Table:
    delimiter = _delimiter(text)
    fast = _read_csv_fast(text, encoding, delimiter)
    if fast is not None:
        return fast
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


_LONE_CR = re.compile(r"\r(?!\n)")


def _read_csv_fast(text: str, encoding: str, delimiter: str) -> Table | None:
    """The table read by Arrow's CSV reader (vectorised), or None when the file needs the exact row-by-row reader.

    Arrow's reader does not count spreadsheet rows, so it is used only where each record is one line: no quoted
    cell spans lines, and every line has as many cells as the first. Empty lines are skipped by both readers; the
    numbering comes from the lines themselves.
    """
    if _LONE_CR.search(text):
        return None  # a CR not before a LF ends a line of its own ("\r\r\n" is two lines to a spreadsheet)
    lines = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()  # as text.split, in Arrow
    if '"' in text and pc.any(pc.not_equal(pc.bit_wise_and(pc.count_substring(lines, '"'), 1), 0)).as_py():
        return None  # a line with an odd number of quotes: a quoted cell holds a line break
    empty = pc.or_(pc.equal(lines, ""), pc.equal(lines, "\r"))  # skipped by Arrow's reader, counted as rows here
    numbers = pc.indices_nonzero(pc.invert(empty)).to_numpy().astype(np.int64) + 1
    try:
        arrow = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(MAX_COLUMNS + 1)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # ragged rows, a lone CR, …: the exact reader reports them
    if arrow.num_rows != len(numbers) or arrow.num_columns > MAX_COLUMNS:
        return None
    columns = [c.combine_chunks() for c in arrow.columns]
    return _columnar_table(columns, numbers, "csv", encoding=encoding, delimiter=delimiter)


def _columnar_table(columns: list[pa.Array], numbers: np.ndarray, format_: str, **how) -> Table:
    """What _table makes of the same records, from their columns (each record a line of the same width): cells
    stripped, rows of empty cells skipped, numbering kept (`numbers`: each record's line)."""
    columns = [pc.utf8_trim_whitespace(c) for c in columns]  # as str.strip (a test checks every code point)
    blank = functools.reduce(pc.and_, (pc.equal(c, "") for c in columns))  # every cell empty: skipped, as a line
    kept = pc.indices_nonzero(pc.invert(blank)).to_numpy()
    if not len(kept):
        raise _no_content()
    if len(kept) > MAX_ROWS + 1:
        raise _too_many_rows()
    header, width = _header([c[int(kept[0])].as_py() for c in columns])
    if kept[0] == 0 and len(kept) == len(numbers):  # no blank rows: the body is the rest, without copying
        body = tuple(c.slice(1) for c in columns)
    else:
        body = tuple(c.take(pa.array(kept[1:])) for c in columns)
    return Table(
        header=header,
        header_row=int(numbers[kept[0]]),
        width=width,
        columns=body,
        row_numbers=numbers[kept[1:]],
        format=format_,
        **how,
    )


def _header(cells: list[str]) -> tuple[tuple[str, ...], int]:
    """The header without its trailing blank cells, and how many cells the line had."""
    width = len(cells)
    while cells and not cells[-1]:
        cells = cells[:-1]
    return tuple(cells), width


def _no_content() -> FileError:
    return FileError(Text("文件里没有内容。", "The file has no content."))


def _too_many_rows() -> FileError:
    return FileError(Text(f"文件超过 {MAX_ROWS:,} 行。", f"The file has more than {MAX_ROWS:,} rows."))


def _read_xlsx(data: bytes) -> Table:
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
    return _table([line + [""] * (columns - len(line)) for line in lines], "xlsx")  # a rectangle, as a sheet is


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
    """The sheet read by calamine (Rust; openpyxl took 6.7 s for 100,000 rows, this 0.5 s), exactly as the
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
        raise _no_content()
    columns = [pa.array(_texts(column), pa.string()) for column in zip(*rows, strict=True)]
    return _columnar_table(columns, np.arange(1, len(rows) + 1, dtype=np.int64), "xlsx")


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


def _table(lines: list[list[str]], format_: str, **how) -> Table:
    """The table from records read one by one (the exact reader: XLSX, and CSV that the fast reader declines)."""
    numbered = [(n, [c.strip() for c in line]) for n, line in enumerate(lines, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]  # blank lines are skipped, numbering kept
    if not numbered:
        raise _no_content()
    if len(numbered) > MAX_ROWS + 1:
        raise _too_many_rows()
    (header_row, cells), *body = numbered
    header, width = _header(cells)
    count = max([width, *(len(cells) for _, cells in body)])
    padded = [cells + [""] * (count - len(cells)) for _, cells in body]
    columns = [pa.array(column, type=pa.string()) for column in zip(*padded, strict=True)] if body else []
    return Table(
        header=header,
        header_row=header_row,
        width=width,
        columns=tuple(columns) or tuple(pa.array([], type=pa.string()) for _ in range(width)),
        row_numbers=np.array([n for n, _ in body], dtype=np.int64),
        format=format_,
        too_long={n: len(cells) for n, cells in body if len(cells) > width},
        **how,
    )

"""A file read as a table of text: a header and data rows, each with its spreadsheet row number, held by column.

Built by the readers (text_files, workbooks); nothing here interprets values, the upload kinds do.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..domain.i18n import Problem, Text
from .units import Stated

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 200
MAX_ROWS = 500_000


def column_letter(index: int) -> str:
    """A column's letter as a spreadsheet shows it (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Layout:
    """Which rows of a sheet were read as the header and which were set aside (titles, units, footer lines)."""

    header_rows: tuple[int, ...]  # one, or two for a two-row header
    above: tuple[int, ...] = ()  # title and 填报单位 lines above the header
    units: int | None = None  # a unit row under the header
    footer: tuple[int, ...] = ()  # 填表人, 联系电话, 备注 lines after the data
    numbering: int | None = None  # a 栏次 row (甲 乙 丙 1 2 3) under the header
    lines: tuple[tuple[int, tuple[str, ...]], ...] = ()  # the lines above the header and after the data: (row, cells)
    header_cells: tuple[tuple[str, ...], ...] = ()  # each header row's cells as written (merged cells filled across)
    unit_cells: tuple[str, ...] = ()  # the unit row's cells, by column


@dataclass(frozen=True)
class Places:
    """Where the cells of a table reshaped from its sheet stood (a form with the indicators down its rows, years
    across the columns): each (row, header) of the reshaped table as (the sheet's row, the column as the officer
    sees it); a row alone as the sheet row it came from."""

    cells: dict[tuple[int, str], tuple[int | None, str | None]]
    rows: dict[int, int]
    hidden: frozenset[str] = frozenset()  # the columns, as shown, that are hidden in the workbook
    columns: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)  # where a whole column is stated

    def of(self, row: int | None, column: str | None) -> tuple[int | None, str | None]:
        """The sheet's row and column for a reshaped table's row and header (row 0: its header)."""
        if row is None:
            return None, column
        if row == 0:
            return self.columns.get(column or "", (None, column))
        if column is not None and (row, column) in self.cells:
            return self.cells[(row, column)]
        return self.rows.get(row, row), column


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
    sheet: str | None = None  # the workbook sheet it was read from
    sheets: tuple[str, ...] = ()  # every worksheet of its workbook, in order
    layout: Layout | None = None  # where layout.locate found the table on its sheet, when not simply at the top
    # What a workbook says of its cells beyond their values (workbooks.py reads them; a text file has none):
    hidden_rows: frozenset[int] = frozenset()  # sheet rows (numbered as row_numbers: 1 is the first) hidden
    hidden_columns: frozenset[int] = frozenset()  # column positions (0 is column A) hidden
    merges: tuple[tuple[int, int, int, int], ...] = ()  # merged ranges: first row, last row (as row_numbers), first
    # column, last column (positions); the merged value is in the first cell only, the others read as blank
    places: Places | None = None  # for a table reshaped from its sheet (shapes.py): where its cells stood
    shape: str | None = None  # how shapes.py read it, when not as a plain table: "vertical", "across", …
    stated_units: dict[int, tuple[Stated, ...]] = field(default_factory=dict)  # units a reshaped table's columns
    # were written in, and where (a form's 计量单位 column, a title): by column position

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def rows(self) -> list[tuple[str, ...]]:
        """The body row by row, each as many cells as there are columns."""
        return list(zip(*(c.to_pylist() for c in self.columns), strict=True)) if self.columns else []

    def only(self, keep: np.ndarray) -> Table:
        """The table with only the body rows where `keep` (a boolean mask) is true."""
        taken = pa.array(np.flatnonzero(keep))
        numbers = self.row_numbers[keep]
        kept = set(numbers.tolist()) if self.too_long else set()
        return dataclasses.replace(
            self,
            columns=tuple(c.take(taken) for c in self.columns),
            row_numbers=numbers,
            too_long={n: c for n, c in self.too_long.items() if n in kept},
        )

    def column(self, index: int) -> pa.Array:
        """The cells of one column ("" for every row when the file has no such column)."""
        if index < len(self.columns):
            return self.columns[index]
        return pa.array([""] * len(self), type=pa.string())


def columnar_table(columns: list[pa.Array], numbers: np.ndarray, format_: str, **how) -> Table:
    """What table_from_lines makes of the same records, from their columns (each record a line of the same width): cells
    stripped, rows of empty cells skipped, numbering kept (`numbers`: each record's line)."""
    columns = [pc.utf8_trim_whitespace(c) for c in columns]  # as str.strip (a test checks every code point)
    blank = functools.reduce(pc.and_, (pc.equal(c, "") for c in columns))  # every cell empty: skipped, as a line
    kept = pc.indices_nonzero(pc.invert(blank)).to_numpy()
    if not len(kept):
        raise no_content()
    if len(kept) > MAX_ROWS + 1:
        raise too_many_rows()
    header, width = header_of([c[int(kept[0])].as_py() for c in columns])
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


def table_from_lines(lines: list[list[str]], format_: str, **how) -> Table:
    """The table from records read one by one (the exact reader: XLSX, and CSV that the fast reader declines)."""
    numbered = [(n, [c.strip() for c in line]) for n, line in enumerate(lines, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]  # blank lines are skipped, numbering kept
    if not numbered:
        raise no_content()
    if len(numbered) > MAX_ROWS + 1:
        raise too_many_rows()
    (header_row, cells), *body = numbered
    header, width = header_of(cells)
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


def header_of(cells: list[str]) -> tuple[tuple[str, ...], int]:
    """The header without its trailing blank cells, and how many cells the line had."""
    width = len(cells)
    while cells and not cells[-1]:
        cells = cells[:-1]
    return tuple(cells), width


def no_content() -> FileError:
    return FileError(Text("文件里没有内容。", "The file has no content."))


def too_many_rows() -> FileError:
    return FileError(Text(f"文件超过 {MAX_ROWS:,} 行。", f"The file has more than {MAX_ROWS:,} rows."))

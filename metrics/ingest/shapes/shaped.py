"""What every shape builds: a table of a row per pilot and year whose cells know where they stood on the sheet, and
the checks every reshaping shares (columns it does not read, merged cells over several values).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...domain import registry
from ...domain.i18n import Text
from ..checks import (
    IGNORED_HEADERS,
    VALUES_WITHOUT_HEADER,
    clipped,
    is_reference,
    is_total,
    normalise,
)
from ..report import Issue
from ..table import Places, Table, column_letter

CITY, YEAR = "城市", "年份"  # the headers of a reshaped table's city and year columns
Place = tuple[int | None, str | None]  # a sheet's row and column, as a message names them


@dataclass(frozen=True)
class Source:
    """A pilot, year or indicator stated above a table or by a sheet's name, and where (for the notes and errors)."""

    value: object
    row: int | None
    text: str

    def where(self) -> Text:
        """Where it is stated, as a message says it."""
        if self.row is None:
            return Text("工作表名“{s}”", "the sheet's name '{s}'").format(s=self.text)
        return Text("第 {r} 行“{s}”", "row {r} '{s}'").format(r=self.row, s=clipped(self.text))


@dataclass
class Shaped:
    """A sheet read into a row per pilot and year (None when its shape leaves the pilot or year unknown), how it was
    read, and the problems of its shape, placed on the sheet."""

    table: Table | None
    notes: list[Text] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # What the sheet states above a table that has its own column for it (a title's year, a 填报单位 line or the
    # sheet's name): the check warns of rows that say otherwise.
    stated: dict[str, Source] = field(default_factory=dict)
    tables: int = 1  # tables read together from one sheet, each under its own title

    def error(self, row: int | None, column: str | None, message: Text) -> None:
        """Record a problem of the sheet's shape."""
        self.issues.append(Issue(row, column, "error", message))


def column_label(key: str) -> str:
    """A value column's header in a reshaped table: its Chinese label, without a unit (the units are stated apart)."""
    return registry.base(key).label_zh


def sheet_rows(places: Places, rows: Iterable[int], columns: Iterable[str]) -> list[int]:
    """The sheet's row of each (row, value column key) of a reshaped table (an upload's changes, for its preview)."""
    return [places.of(int(r), column_label(c) if c in registry.BASE_KEYS else c)[0] or int(r)
            for r, c in zip(rows, columns, strict=True)]  # fmt: skip


def reshaped(source: Table, header: list[str], body: list[list[str]], places: Places, shape: str,
              stated_units: dict) -> Table:  # fmt: skip
    """A table of `body` under `header`, its rows numbered 1, 2 …, each cell placed where it stood on `source`
    (its header's row is 0: a message about a whole column is placed as `places.columns` says)."""
    columns = [pa.array([r[i] for r in body], pa.string()) for i in range(len(header))]
    return dataclasses.replace(
        source,
        header=tuple(header),
        header_row=0,
        width=len(header),
        columns=tuple(columns),
        row_numbers=np.arange(1, len(body) + 1, dtype=np.int64),
        too_long={},
        merges=(),
        places=places,
        shape=shape,
        stated_units=stated_units,
    )


def unread_columns(table: Table, read: set[int]) -> list[Issue]:
    """Errors for a reshaped sheet's columns that it does not read but that hold something: an unknown header, or
    values under none (序号, 备注, a total column and a reference column are passed over)."""
    issues = []
    for i in range(max(len(table.header), len(table.columns))):
        header = table.header[i] if i < len(table.header) else ""
        if i in read or is_reference(header) or normalise(header) in IGNORED_HEADERS or (header and is_total(header)):
            continue
        if header.strip():
            issues.append(Issue(table.header_row, header, "error", Text(
                "“{c}”列在这种表中无法读取（年份横排或并排的表只读城市和各年的数）；"
                "为免数据被悄悄丢弃，请删除该列或改用模板的格式。",
                "The column '{c}' cannot be read in a table of this shape (with years across, only the city and "
                "each year's figures are read); delete it or use the template's layout, so that no data is lost "
                "silently.").format(c=header)))  # fmt: skip
        elif pc.any(pc.not_equal(table.column(i), "")).as_py():
            letter = column_letter(i)
            issues.append(Issue(table.header_row, letter, "error", VALUES_WITHOUT_HEADER.format(c=letter)))
    return issues


def merged_values(table: Table, columns: set[int]) -> list[Issue]:
    """Errors for merged cells over more than one value of a reshaped sheet (which year or indicator each part
    belongs to would be a guess)."""
    rows = set(table.row_numbers.tolist())
    issues = []
    for r1, r2, c1, c2 in table.merges:
        over = [c for c in range(c1, c2 + 1) if c in columns]
        if over and any(r in rows for r in range(r1, r2 + 1)) and (r2 > r1 or c2 > c1):
            where = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
            issues.append(Issue(r1, table.header[over[0]] if over[0] < len(table.header) else None, "error", Text(
                "单元格 {w} 是合并单元格，跨了多行或多列的数值，无法确定每个数属于哪一年、哪一项；"
                "请取消合并，在每个单元格分别填写。",
                "The cells {w} are merged across several values, so which year or indicator each belongs to is "
                "unclear; unmerge them and write the value in each cell.").format(w=where)))  # fmt: skip
    return issues

"""Tables that keep the template's columns but not its place: two on one sheet, each under its title, and a table
whose pilot or year is stated only above it or by its sheet's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...domain.i18n import Text
from ..checks import (
    as_written,
    normalise,
)
from ..city_matching import CityMatcher
from ..headers import (
    CITY_HEADERS,
    FIGURE_HEADERS,
)
from ..table import Places, Table
from ..units import unit_lines
from .shaped import CITY, YEAR, Place, Shaped, Source
from .stated import one_of, pilot_of_sheet, pilots_above, year_of_sheet, years_above, years_stated


def blocks(table: Table, meanings: list[object], matcher: CityMatcher) -> Shaped:
    """A sheet holding the same table twice or more, each under its own title (2024年…, 2025年…): read as one, each
    block's rows with its own year where the table has no year column; the repeated headers and titles set aside.
    A second header with other columns is an error: each table on its own sheet."""
    if "city" not in meanings or not len(table):
        return Shaped(table)
    city = meanings.index("city")
    column = table.column(city)
    headers = [c for c in pc.unique(column).to_pylist() if c and normalise(c) in CITY_HEADERS]
    if not headers:  # no second header: the usual case, told without a look at each row
        return Shaped(table)
    cells = column.to_pylist()
    starts = [k for k, c in enumerate(cells) if c in headers]
    shaped = Shaped(table)
    header = [as_written(h) for h in table.header]  # units and all: （元） under a header of （万元） is another table
    numbers = table.row_numbers.tolist()
    rows = table.rows
    for k in starts:
        written = [as_written(c) for c in rows[k][: len(header)]]
        if written != header:
            shaped.error(numbers[k], None, Text(
                "第 {r} 行又是一个表头，但列与第 {h} 行的表头不同：一个工作表只能有一种表，"
                "请把第二个表放到另一个工作表。",
                "Row {r} is another header, with other columns than the header in row {h}: put the second table on "
                "a sheet of its own.").format(r=numbers[k], h=table.header_row))  # fmt: skip
            return shaped
    keep = np.ones(len(table), dtype=bool)
    year_of_row: list[Source | None] = [None] * len(table)
    titles: list[tuple[int, list[Source]]] = [(0, years_above(table))]
    for k in starts:
        keep[k] = False
        above = []
        j = k - 1
        while j >= 0 and keep[j] and _is_title(rows[j], matcher) and numbers[j] < numbers[k]:
            keep[j] = False
            above.append(Source(None, numbers[j], next(c for c in rows[j] if c)))
            j -= 1
        lines = [(a.row or 0, (a.text,)) for a in above]
        if unit_lines(lines):  # a unit for the next table only: read apart, or it would apply to both
            row, cell, _ = unit_lines(lines)[0]
            shaped.error(row, None, Text(
                "第 {r} 行“{c}”是第二个表的单位说明；两个表单位不同时无法合在一起读取，请把第二个表放到另一个工作表。",
                "Row {r} '{c}' states the second table's unit; the two tables cannot be read together: put the "
                "second table on a sheet of its own.").format(r=row, c=cell))  # fmt: skip
            return shaped
        years = [Source(y, s.row, s.text) for s in reversed(above) for y in years_stated(s.text)]
        titles.append((k + 1, years))
    blocks = []
    for b, (start, years) in enumerate(titles):
        end = titles[b + 1][0] - 1 if b + 1 < len(titles) else len(table)
        part = [k for k in range(start, end) if keep[k]]
        if part:
            blocks.append((part, years))
    notes = []
    if "year" not in meanings:
        for part, years in blocks:
            year = one_of(years, Text("年份", "year"), shaped)
            if year is None and not any(i.level == "error" for i in shaped.issues):
                shaped.error(numbers[part[0]], None, Text(
                    "{r}的表没有年份列，标题也没写明年份；请加一列年份。",
                    "The table in {r} has no year column and its title states no year; add a year column.")
                    .format(r=_rows(numbers[part[0]], numbers[part[-1]])))  # fmt: skip
            elif year is not None:
                for k in part:
                    year_of_row[k] = year
    for part, _ in blocks:
        year = year_of_row[part[0]]
        said = (Text("{v} 年，取自{w}", "{v}, from {w}").format(v=year.value, w=year.where())
                if year is not None else Text("年份见年份列", "years in the year column"))  # fmt: skip
        notes.append(Text("{r}（{y}）", "{r} ({y})").format(r=_rows(numbers[part[0]], numbers[part[-1]]), y=said))
    shaped.tables = len(blocks)
    together = Text("一个工作表上有 {n} 个表，合在一起读取：", "{n} tables on one sheet, read together: ")
    shaped.notes.append(together.format(n=len(blocks)).then(notes[0].then(*notes[1:], zh="；", en="; ")))
    if shaped.issues:
        return shaped
    kept = table.only(keep)
    if "year" not in meanings:
        years_kept = [y for k in np.flatnonzero(keep) if (y := year_of_row[k]) is not None]
        width = max(len(kept.header), len(kept.columns))
        columns = [*kept.columns, *[pa.array([""] * len(kept), pa.string())] * (width - len(kept.columns))]
        columns.append(pa.array([str(y.value) for y in years_kept], pa.string()))
        numbers_kept = kept.row_numbers.tolist()
        cells_at: dict[tuple[int, str], Place] = {(n, YEAR): (y.row, None)
                                                   for n, y in zip(numbers_kept, years_kept, strict=True)}  # fmt: skip
        extended = (*kept.header, *[""] * (width - len(kept.header)), YEAR)
        kept = dataclasses.replace(kept, header=extended, width=len(extended), columns=tuple(columns),
                                   places=Places(cells_at, {}))  # fmt: skip
    shaped.table = kept
    return shaped


def _rows(first: int, last: int) -> Text:
    """Rows first to last as a message says them: 第 3–8 行, rows 3–8; 第 3 行, row 3."""
    if first == last:
        return Text(f"第 {first} 行", f"row {first}")
    return Text(f"第 {first}–{last} 行", f"rows {first}–{last}")


def _is_title(cells: Sequence[str], matcher: CityMatcher) -> bool:
    """Whether a row between two tables is a title line: at most two cells filled, none a number, none a pilot (a
    short data row, 武汉市 | 40场, is data)."""
    filled = [c for c in cells if c.strip()]
    return (0 < len(filled) <= 2 and not any(c.replace(",", "").replace(".", "").isdigit() for c in filled)
            and not any(matcher.find(c) for c in filled))  # fmt: skip


def stated_above(shaped: Shaped, meanings: list[object], matcher: CityMatcher) -> None:
    """A table without a city or a year column takes its pilot or year from where the sheet states it: a line above
    it or the sheet's name (the year: a title such as 2025年…汇总表). Several places stating different ones: an
    error with both."""
    table = shaped.table
    assert table is not None
    added: dict[str, tuple[Source, str]] = {}
    if "city" not in meanings and any(m in FIGURE_HEADERS.values() for m in meanings):
        pilot = one_of(pilots_above(table, matcher) + pilot_of_sheet(table, matcher), Text("试点", "pilot"), shaped,
                     matcher.name_of)  # fmt: skip
        if pilot is not None:
            added["city"] = (pilot, str(pilot.value))
            said = Text("没有城市列：试点按{w}读取（{n}）。", "No city column: the pilot is {n}, from {w}.")
            shaped.notes.append(said.format(w=pilot.where(), n=matcher.name_of(str(pilot.value))))
    if "year" not in meanings and YEAR not in table.header:  # (a year column added for tables under titles)
        year = one_of(years_above(table) + year_of_sheet(table), Text("年份", "year"), shaped)
        if year is not None:
            added["year"] = (year, str(year.value))
            said = Text("没有年份列：年份按{w}读取（{y} 年）。", "No year column: the year is {y}, from {w}.")
            shaped.notes.append(said.format(w=year.where(), y=year.value))
    for column, sources in (("city", pilots_above(table, matcher) + pilot_of_sheet(table, matcher)),
                            ("year", years_above(table) + year_of_sheet(table))):  # fmt: skip
        several = column == "year" and shaped.tables > 1  # each table's title states its own
        if column not in added and not several and len({s.value for s in sources}) == 1:
            shaped.stated[column] = sources[0]
    if added:
        shaped.table = _with_columns(table, {CITY if k == "city" else YEAR: v for k, (_, v) in added.items()},
                                     {CITY if k == "city" else YEAR: s for k, (s, _) in added.items()})  # fmt: skip


def _with_columns(table: Table, values: dict[str, str], stated: dict[str, Source]) -> Table:
    """The table with a column added for each value (the same on every row), placed where it is stated."""
    width = max(len(table.header), len(table.columns))  # after every column the sheet has, ragged ones too
    columns = [*table.columns, *[pa.array([""] * len(table), pa.string())] * (width - len(table.columns))]
    columns += [pa.array([v] * len(table), pa.string()) for v in values.values()]
    header = (*table.header, *[""] * (width - len(table.header)), *values)
    numbers = table.row_numbers.tolist()
    cells = {(n, name): (s.row, None) for name, s in stated.items() for n in numbers}
    places = table.places or Places({}, {})
    return dataclasses.replace(
        table,
        header=header,
        width=len(header),
        columns=tuple(columns),
        places=Places({**places.cells, **cells}, places.rows, places.hidden),
    )

"""The shapes yearly figures arrive in, read into one: a row per pilot and year, a column per indicator.

Officers receive, besides that table: the one-pilot statistical return (统计报表: indicators down the rows, 本年 and
上年 across), yearbook tables (one indicator, cities down, years across), the same indicators under year headers
side by side (2024年 | 2025年), two tables on one sheet each under its own title, and tables whose pilot or year is
stated only above them (填报单位：…, a title 2025年…, the sheet's name). Each is read exactly as it states itself: a
pilot, a year or an indicator taken from a title, a line or a sheet name is said to be so, and where two places
state different things the file is refused saying both, never guessed. A reshaped table keeps where each of its
cells stood (Table.places), so that every message names the sheet's own row and column.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..domain import registry
from ..domain.i18n import Text
from ..domain.programme import MIN_YEAR, max_year
from .checks import IGNORED_HEADERS, NOT_REPORTED, clipped, is_reference, is_total, normalise
from .city_matching import CityMatcher
from .headers import (
    CITY_HEADERS,
    COMPUTED_NAMES,
    FIGURE_HEADERS,
    INDICATOR_HEADERS,
    UNIT_HEADERS,
    YEAR_HEADERS,
    figure_key,
    strip_numbering,
    year_role,
)
from .report import Issue
from .table import Places, Table
from .units import Stated as UnitStated
from .units import header_unit, is_unit

CITY, YEAR = "城市", "年份"  # the headers of a reshaped table's city and year columns
Place = tuple[int | None, str | None]  # a sheet's row and column, as a message names them


@dataclass
class Shaped:
    """A sheet read into a row per pilot and year (None when its shape leaves the pilot or year unknown), how it was
    read, and the problems of its shape, placed on the sheet."""

    table: Table | None
    notes: list[Text] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def error(self, row: int | None, column: str | None, message: Text) -> None:
        """Record a problem of the sheet's shape."""
        self.issues.append(Issue(row, column, "error", message))


def read(table: Table, matcher: CityMatcher) -> Shaped:
    """The sheet as a row per pilot and year: as it is, or reshaped from the shape it came in."""
    meanings = [_meaning(h) for h in table.header]
    if "indicator" in meanings and not any(m in FIGURE_HEADERS.values() or m == "city" for m in meanings):
        return _vertical(table, meanings, matcher)
    groups = _year_groups(table, meanings)
    if groups is not None:
        return _side_by_side(table, meanings, groups)
    years = [i for i, m in enumerate(meanings) if isinstance(m, tuple) and m[0] == "year"]
    values = any(m in FIGURE_HEADERS.values() for m in meanings)
    if "city" in meanings and len(years) >= 2 and "year" not in meanings and not values:
        return _across(table, meanings, years)
    shaped = _blocks(table, meanings)
    if shaped.table is not None and not any(i.level == "error" for i in shaped.issues):
        _stated_above(shaped, meanings, matcher)
    return shaped


def _meaning(header: str) -> object:
    """What a header names: 'city', 'year', a value column's key, 'indicator' or 'unit' (a form's columns), a
    year role (('current', 2025), ('year', 2025) …), or None."""
    key = normalise(header)
    if is_reference(header):
        return None
    if key in CITY_HEADERS:
        return "city"
    if key in YEAR_HEADERS:
        return "year"
    if key in FIGURE_HEADERS:
        return FIGURE_HEADERS[key]
    if key in INDICATOR_HEADERS:
        return "indicator"
    if key in UNIT_HEADERS:
        return "unit"
    return year_role(header)


# --- what the lines above a table state ---------------------------------------------------------------------


def _above(table: Table) -> list[tuple[int, tuple[str, ...]]]:
    """The lines above the header (titles, 填报单位), as (row, cells)."""
    if table.layout is None:
        return []
    return [(row, cells) for row, cells in table.layout.lines if row < table.layout.header_rows[0]]


_DATE_LABEL = re.compile(r"^(填报日期|填表日期|报送日期|制表日期|日期|时间|截至|截止|date|as of)", re.IGNORECASE)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)\s*(年度|年)?(?!\s*\d{1,2}\s*[月\-/.])")
_DATE = re.compile(r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]")


def years_stated(text: str) -> list[int]:
    """The years a title or line states (2025年度…汇总表 -> [2025]); dates (填报日期：2026-01-15, 截至2025年12月31日)
    state none."""
    text = unicodedata.normalize("NFKC", text).strip()
    if _DATE_LABEL.match(text):
        return []
    text = _DATE.sub(" ", text)
    return [int(y) for y, _ in _YEAR_IN_TEXT.findall(text) if MIN_YEAR <= int(y) <= max_year() + 1]


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


def _year_above(table: Table) -> list[Source]:
    """The years the lines above the table state, each with where."""
    return [Source(y, row, cell) for row, cells in _above(table) for cell in cells if cell for y in years_stated(cell)]


def _year_of_sheet(table: Table) -> list[Source]:
    """The year a sheet's name states ("2025", "2025年")."""
    if not table.sheet:
        return []
    role = year_role(table.sheet)
    return [Source(role[1], None, table.sheet)] if role is not None and role[0] == "year" and role[1] else []


_UNIT_LABEL = re.compile(
    r"^(填报单位|报送单位|填表单位|单位名称|试点单位|试点城市|试点名称|城市|reporting unit|reported by|city)"
    r"\s*[:：]\s*(.*)$",
    re.IGNORECASE,
)


def _pilots_above(table: Table, matcher: CityMatcher) -> list[Source]:
    """The pilots the lines above a table name: a 填报单位 line, else a title that starts with a pilot's name."""
    found = []
    for row, cells in _above(table):
        filled = [c for c in cells if c.strip()]
        for k, cell in enumerate(filled):
            labelled = _UNIT_LABEL.match(unicodedata.normalize("NFKC", cell).strip())
            if labelled:
                name = labelled.group(2).strip() or (filled[k + 1] if k + 1 < len(filled) else "")
                codes = matcher.find(name) if name else set()
                if len(codes) == 1:
                    found.append(Source(next(iter(codes)), row, cell if labelled.group(2).strip() else f"{cell}{name}"))
    if found:
        return found
    for row, cells in _above(table):
        title = next((c for c in cells if c.strip()), "")
        code = _pilot_starting(title, matcher)
        if code is not None:
            found.append(Source(code, row, title))
    return found[:1]


def _pilot_starting(title: str, matcher: CityMatcher) -> str | None:
    """The pilot a title starts with (杭州市科协创新驱动助力工程2025年度统计报表 -> 330100), the longest name that
    names exactly one; None when it starts with none."""
    text = unicodedata.normalize("NFKC", title).strip()
    for end in range(min(len(text), 30), 1, -1):
        codes = matcher.find(text[:end])
        if len(codes) == 1:
            return next(iter(codes))
        if len(codes) > 1:
            return None
    return None


def _pilot_of_sheet(table: Table, matcher: CityMatcher) -> list[Source]:
    """The pilot a sheet's name names (a province's workbook with a sheet per city)."""
    codes = matcher.find(table.sheet) if table.sheet else set()
    return [Source(next(iter(codes)), None, table.sheet or "")] if len(codes) == 1 else []


def _one(stated: list[Source], what: Text, shaped: Shaped, shown: Callable[[Any], object] | None = None
         ) -> Source | None:  # fmt: skip
    """The one thing several places state, or None with an error saying both readings when they differ."""
    values = list(dict.fromkeys(s.value for s in stated))
    if len(values) > 1:
        first = stated[0]
        other = next(s for s in stated if s.value != first.value)
        show = shown or (lambda v: v)
        shaped.error(first.row, None, Text(
            "{w}读法不一：{a}写的是 {x}，{b}写的是 {y}。无法确定，请改为一致。",
            "The {w} could be read two ways: {a} says {x}, {b} says {y}. Make them agree.",
        ).format(w=what, a=first.where(), x=show(first.value), b=other.where(), y=show(other.value)))  # fmt: skip
        return None
    return stated[0] if stated else None


# --- a table whose pilot or year is stated above it ---------------------------------------------------------


def _stated_above(shaped: Shaped, meanings: list[object], matcher: CityMatcher) -> None:
    """A table without a city or a year column takes its pilot or year from where the sheet states it: a line above
    it or the sheet's name (the year: a title such as 2025年…汇总表). Several places stating different ones: an
    error with both."""
    table = shaped.table
    assert table is not None
    added: dict[str, tuple[Source, str]] = {}
    if "city" not in meanings and any(m in FIGURE_HEADERS.values() for m in meanings):
        pilot = _one(_pilots_above(table, matcher) + _pilot_of_sheet(table, matcher), Text("试点", "pilot"), shaped,
                     matcher.name_of)  # fmt: skip
        if pilot is not None:
            added["city"] = (pilot, str(pilot.value))
            said = Text("没有城市列：试点按{w}读取（{n}）。", "No city column: the pilot is {n}, from {w}.")
            shaped.notes.append(said.format(w=pilot.where(), n=matcher.name_of(str(pilot.value))))
    if "year" not in meanings and "year" not in _block_years(shaped):
        year = _one(_year_above(table) + _year_of_sheet(table), Text("年份", "year"), shaped)
        if year is not None:
            added["year"] = (year, str(year.value))
            said = Text("没有年份列：年份按{w}读取（{y} 年）。", "No year column: the year is {y}, from {w}.")
            shaped.notes.append(said.format(w=year.where(), y=year.value))
    if added:
        shaped.table = _with_columns(table, {CITY if k == "city" else YEAR: v for k, (_, v) in added.items()},
                                     {CITY if k == "city" else YEAR: s for k, (s, _) in added.items()})  # fmt: skip


def _block_years(shaped: Shaped) -> set[str]:
    return {"year"} if shaped.table is not None and YEAR in shaped.table.header else set()


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


# --- two tables on one sheet --------------------------------------------------------------------------------


def _blocks(table: Table, meanings: list[object]) -> Shaped:
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
    header = [normalise(h) for h in table.header]
    numbers = table.row_numbers.tolist()
    rows = table.rows
    for k in starts:
        written = [normalise(c) for c in rows[k][: len(header)]]
        if written != header:
            shaped.error(numbers[k], None, Text(
                "第 {r} 行又是一个表头，但列与第 {h} 行的表头不同：一个工作表只能有一种表，"
                "请把第二个表放到另一个工作表。",
                "Row {r} is another header, with other columns than the header in row {h}: put the second table on "
                "a sheet of its own.").format(r=numbers[k], h=table.header_row))  # fmt: skip
            return shaped
    keep = np.ones(len(table), dtype=bool)
    year_of_row: list[Source | None] = [None] * len(table)
    titles: list[tuple[int, list[Source]]] = [(0, _year_above(table))]
    for k in starts:
        keep[k] = False
        above = []
        j = k - 1
        while j >= 0 and keep[j] and _is_title(rows[j], city, cells[j]) and numbers[j] < numbers[k]:
            keep[j] = False
            above.append(Source(None, numbers[j], next(c for c in rows[j] if c)))
            j -= 1
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
            year = _one(years, Text("年份", "year"), shaped)
            if year is None and not any(i.level == "error" for i in shaped.issues):
                shaped.error(numbers[part[0]], None, Text(
                    "第 {a}–{b} 行的表没有年份列，标题也没写明年份；请加一列年份。",
                    "The table in rows {a}–{b} has no year column and its title states no year; add a year column.")
                    .format(a=numbers[part[0]], b=numbers[part[-1]]))  # fmt: skip
            elif year is not None:
                for k in part:
                    year_of_row[k] = year
    for part, _ in blocks:
        year = year_of_row[part[0]]
        said = (Text("{v} 年，取自{w}", "{v}, from {w}").format(v=year.value, w=year.where())
                if year is not None else Text("年份见年份列", "years in the year column"))  # fmt: skip
        rows_said = Text("第 {a}–{b} 行（{y}）", "rows {a}–{b} ({y})")
        notes.append(rows_said.format(a=numbers[part[0]], b=numbers[part[-1]], y=said))
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


def _is_title(cells: Sequence[str], city: int, city_cell: str) -> bool:
    """Whether a row between two tables is a title line: at most two cells filled, none a number."""
    filled = [c for c in cells if c.strip()]
    return 0 < len(filled) <= 2 and not any(c.replace(",", "").replace(".", "").isdigit() for c in filled)


# --- a one-pilot form with the indicators down its rows (统计报表) --------------------------------------------


def _vertical(table: Table, meanings: list[object], matcher: CityMatcher) -> Shaped:
    """A statistical return: 指标名称 | 计量单位 | 本年（2025年）| 上年, an indicator a row, one pilot (its 填报单位
    line, a title that starts with its name, or the sheet's name). The current year's column is read; 上年 and the
    other columns are not, and the notes say so."""
    shaped = Shaped(None)
    label_at = meanings.index("indicator")
    unit_at = meanings.index("unit") if "unit" in meanings else None
    roles = {i: m for i, m in enumerate(meanings) if isinstance(m, tuple)}
    title_years = _year_above(table) + _year_of_sheet(table)
    current = [i for i, m in roles.items() if m[0] == "current"]
    years = [i for i, m in roles.items() if m[0] == "year"]
    title_year = _one(title_years, Text("年份", "year"), shaped)
    if shaped.issues:
        return shaped
    read_at: list[tuple[int, Source]] = []  # the columns read, each with its year and where that is stated
    if len(current) == 1:
        i = current[0]
        stated = [Source(roles[i][1], table.header_row, table.header[i])] if roles[i][1] else []
        year = _one(stated + ([title_year] if title_year else []), Text("年份", "year"), shaped)
        if shaped.issues:
            return shaped
        if year is None:
            shaped.error(table.header_row, table.header[i], Text(
                "“{h}”列没有写明年份，标题也没有；请写成“本年（2025年）”或在标题中写明年度。",
                "The column '{h}' states no year, nor does the title; write it as '本年（2025年）' or state the "
                "year in the title.").format(h=table.header[i]))  # fmt: skip
            return shaped
        read_at.append((i, year))
    elif len(current) > 1:
        several = Text("有多个本年列（{c}），无法确定读取哪一列。", "Several columns are this year's ({c}); which to "
                       "read is unclear.")  # fmt: skip
        shaped.error(table.header_row, None, several.format(c="、".join(table.header[i] for i in current)))
        return shaped
    elif title_year is not None and any(roles[i][1] == title_year.value for i in years):
        read_at.append((next(i for i in years if roles[i][1] == title_year.value), title_year))
    elif years:
        read_at += [(i, Source(roles[i][1], table.header_row, table.header[i])) for i in years]
    else:
        shaped.error(table.header_row, None, Text(
            "竖排报表没有本年或某一年份的数值列（如“本年（2025年）”）。",
            "The form has no column of this year's values (such as '本年（2025年）').").format())  # fmt: skip
        return shaped
    pilot = _one(_pilots_above(table, matcher) + _pilot_of_sheet(table, matcher), Text("试点", "pilot"), shaped,
                 matcher.name_of)  # fmt: skip
    if shaped.issues:
        return shaped
    if pilot is None:
        shaped.error(table.header_row, None, Text(
            "竖排报表没有写明是哪个试点：请在表上方写“填报单位：XX市科学技术协会”，或在标题开头写明城市。",
            "The form does not say which pilot it is: write '填报单位：…' above the table, or start the title with "
            "the city's name."))  # fmt: skip
        return shaped
    rows = table.rows
    numbers = table.row_numbers.tolist()
    keys: dict[str, int] = {}  # indicator -> the row it is on
    stated_units: dict[str, list[UnitStated]] = {}
    skipped: list[int] = []
    for k, cells in enumerate(rows):
        label = cells[label_at] if label_at < len(cells) else ""
        values = [cells[i] if i < len(cells) else "" for i, _ in read_at]
        has_value = any(unicodedata.normalize("NFKC", v).strip().lower() not in NOT_REPORTED for v in values)
        key = figure_key(label)
        if key is None:
            computed = COMPUTED_NAMES.get(normalise(strip_numbering(label)))
            if computed is not None and has_value:
                shaped.issues.append(Issue(numbers[k], table.header[label_at], "warning", Text(
                    "“{l}”由系统根据年度数据计算，不导入。", "'{l}' is computed from the yearly figures; it is not "
                    "loaded.").format(l=label)))  # fmt: skip
            elif has_value and not is_total(label):
                shaped.error(numbers[k], table.header[label_at], _unknown_indicator(label))
            elif label.strip():
                skipped.append(numbers[k])
            continue
        if key in keys:
            shaped.error(numbers[k], table.header[label_at], Text(
                "指标“{l}”在第 {r} 行已出现。", "The indicator '{l}' already appears in row {r}.")
                .format(l=label, r=keys[key]))  # fmt: skip
            continue
        keys[key] = numbers[k]
        units = stated_units.setdefault(key, [])
        unit = header_unit(label)
        if unit is not None:
            units.append(UnitStated(unit, Text("第 {r} 行“{l}”", "row {r} '{l}'").format(r=numbers[k], l=label)))
        if unit_at is not None and unit_at < len(cells) and cells[unit_at].strip():
            written = cells[unit_at].strip(" ()（）")
            if is_unit(written) or not written:
                units.append(UnitStated(written, Text("第 {r} 行“{h}”列", "row {r}, column '{h}'")
                                    .format(r=numbers[k], h=table.header[unit_at])))  # fmt: skip
            else:
                shaped.error(
                    numbers[k],
                    table.header[unit_at],
                    Text("“{u}”不是可识别的计量单位。", "'{u}' is not a unit this form's indicators take.").format(
                        u=written
                    ),
                )
    if not keys:
        shaped.error(
            table.header_row,
            table.header[label_at],
            Text(
                "竖排报表中没有可识别的指标行（如“对接活动”）。",
                "The form has no row naming an indicator (such as '对接活动').",
            ),
        )
    if any(i.level == "error" for i in shaped.issues):
        return shaped
    header = [CITY, YEAR, *(column_label(k) for k in keys)]
    body: list[list[str]] = []
    cells_at: dict[tuple[int, str], Place] = {}
    rows_at: dict[int, int] = {}
    columns_at: dict[str, Place] = {CITY: (pilot.row, None), YEAR: (read_at[0][1].row, None),
                  **{column_label(k): (keys[k], table.header[label_at]) for k in keys}}  # fmt: skip
    for n, (i, year) in enumerate(read_at, start=1):
        by_row = {numbers[k]: rows[k] for k in range(len(rows))}
        body.append([str(pilot.value), str(year.value), *(by_row[keys[key]][i] if i < len(by_row[keys[key]]) else ""
                                                         for key in keys)])  # fmt: skip
        cells_at[(n, CITY)] = (pilot.row, None)
        cells_at[(n, YEAR)] = (year.row, table.header[i] if year.row == table.header_row else None)
        for key in keys:
            cells_at[(n, column_label(key))] = (keys[key], table.header[i])
        rows_at[n] = keys[next(iter(keys))]
    read_columns = {i for i, _ in read_at} | {label_at, unit_at}
    others = [h for i, h in enumerate(table.header) if i not in read_columns and h.strip()
              and normalise(h) not in IGNORED_HEADERS]  # fmt: skip
    hidden = {table.header[i] for i, _ in read_at if i in table.hidden_columns}
    places = Places(cells_at, rows_at, frozenset(hidden), columns_at)
    by_column = {header.index(column_label(k)): tuple(u) for k, u in stated_units.items() if u}
    shaped.table = _reshaped(table, header, body, places, "vertical", by_column)
    note = Text(
        "竖排报表：试点按{p}（{n}），年份按{y}；读取{c}列",
        "Vertical form: the pilot from {p} ({n}), the year from {y}; read the column {c}",
    ).format(p=pilot.where(), n=matcher.name_of(str(pilot.value)), y=read_at[0][1].where(),
             c=_quoted([table.header[i] for i, _ in read_at]))  # fmt: skip
    if others:
        note = note.then(Text("，{o}列未读取", "; the columns {o} not read").format(o=_quoted(others)))
    if skipped:
        headings = Text("；没有数值的标题行（第 {r} 行）未读取", "; heading rows without values (rows {r}) not read")
        note = note.then(headings.format(r=", ".join(map(str, skipped))))
    shaped.notes.append(note.then(Text("。", ".")))
    return shaped


def _quoted(names: Sequence[str]) -> Text:
    """Names quoted as each language quotes them: “本年”“上年” and '本年', '上年'."""
    return Text("".join(f"“{n}”" for n in names), ", ".join(f"'{n}'" for n in names))


def column_label(key: str) -> str:
    """A value column's header in a reshaped table: its Chinese label, without a unit (the units are stated apart)."""
    return registry.base(key).label_zh


def sheet_rows(places: Places, rows: Iterable[int], columns: Iterable[str]) -> list[int]:
    """The sheet's row of each (row, value column key) of a reshaped table (an upload's changes, for its preview)."""
    return [places.of(int(r), column_label(c) if c in registry.BASE_KEYS else c)[0] or int(r)
            for r, c in zip(rows, columns, strict=True)]  # fmt: skip


def _unknown_indicator(label: str) -> Text:
    import difflib

    close = difflib.get_close_matches(normalise(strip_numbering(label)), list(FIGURE_HEADERS), n=1, cutoff=0.6)
    hint = ""
    if close:
        ind = registry.base(FIGURE_HEADERS[close[0]])
        hint = ind.header_zh
    return Text(
        "无法识别的指标“{l}”{h}。为免数据被悄悄丢弃，请改正指标名称或删除该行。",
        "Unknown indicator '{l}'{h}. Correct its name or remove the row, so that no data is lost silently.",
    ).format(l=clipped(label), h=Text(f"（是否应为“{hint}”？）", f" (did you mean '{hint}'?)") if hint else "")


# --- years across the columns (a yearbook table: one indicator, cities down) -----------------------------------


def indicators_named(text: str) -> tuple[list[str], list[str]]:
    """The value columns and the computed indicators a title or sheet name names (各试点签订合作协议数 ->
    agreements; 累计签订合作协议 names a computed one, never agreements)."""
    key = normalise(text) if "(" not in text else "".join(unicodedata.normalize("NFKC", text).lower().split())
    found: list[tuple[str, str]] = []  # (the name found, what it names)
    for name, column in FIGURE_HEADERS.items():
        if len(name) >= 2 and name in key:
            found.append((name, column))
    for name, computed in COMPUTED_NAMES.items():
        if len(name) >= 2 and name in key:
            found.append((name, "=" + computed))
    longest = [(n, c) for n, c in found if not any(n != m and n in m for m, _ in found)]
    named = list(dict.fromkeys(c for _, c in longest if not c.startswith("=")))
    derived = list(dict.fromkeys(c[1:] for _, c in longest if c.startswith("=")))
    return named, derived


def _across(table: Table, meanings: list[object], years: list[int]) -> Shaped:
    """A yearbook table: cities down, years across, one indicator named by the sheet's name or the title."""
    shaped = Shaped(None)
    sources: list[tuple[int | None, str]] = [(None, table.sheet)] if table.sheet else []
    sources += [(row, cell) for row, cells in _above(table) for cell in cells if cell.strip()]
    stated, computed = [], []
    for row, text in sources:
        named, derived = indicators_named(text)
        computed += [(row, text, d) for d in derived]
        stated += [Source(c, row, text) for c in named]
    if computed and not stated:
        row, text, key = computed[0]
        shaped.error(row, None, Text(
            "{w}表明这是“{i}”，由系统根据年度数据计算，不能导入；请上传各年的年度数据。",
            "{w} says this is '{i}', which is computed from the yearly figures and cannot be loaded; upload the "
            "yearly figures instead.").format(w=Source(key, row, text).where(),
                                              i=registry.get(key).label_zh))  # fmt: skip
        return shaped
    indicator = _one(stated, Text("指标", "indicator"), shaped, lambda k: registry.base(str(k)).label_zh)
    if shaped.issues:
        return shaped
    if indicator is None:
        shaped.error(table.header_row, None, Text(
            "年份横排在列上（{y}），但工作表名和标题都没有写明是哪个指标。请在标题或工作表名中写明指标（如“签订合作协议”），"
            "或改为每行一个城市一个年份：列为城市、年份，再每个指标一列（见模板）。",
            "The years run across the columns ({y}), but neither the sheet's name nor the title says which "
            "indicator they hold. Name the indicator in the title or the sheet's name (such as 'Cooperation "
            "agreements signed'), or give one row per city and year: columns city, year, then one column per "
            "indicator (see the template).").format(y="、".join(table.header[i] for i in years)))  # fmt: skip
        return shaped
    key = str(indicator.value)
    unknown = [i for i, m in enumerate(meanings) if m is None and table.header[i].strip()
               and normalise(table.header[i]) not in IGNORED_HEADERS and not is_total(table.header[i])
               and not is_reference(table.header[i])]  # fmt: skip
    for i in unknown:
        shaped.error(table.header_row, table.header[i], Text(
            "无法识别的列“{c}”。为免数据被悄悄丢弃，请改正列名或删除该列。",
            "Unknown column '{c}'. Correct the header or remove the column, so that no data is lost silently.")
            .format(c=table.header[i]))  # fmt: skip
    if shaped.issues:
        return shaped
    city = meanings.index("city")
    body: list[list[str]] = []
    cells_at: dict[tuple[int, str], Place] = {}
    rows_at: dict[int, int] = {}
    for number, cells in zip(table.row_numbers.tolist(), table.rows, strict=True):
        for i in years:
            n = len(body) + 1
            year = meanings[i][1]  # type: ignore[index]
            body.append([cells[city], str(year), cells[i] if i < len(cells) else ""])
            cells_at[(n, CITY)] = (number, table.header[city])
            cells_at[(n, YEAR)] = (table.header_row, table.header[i])
            cells_at[(n, column_label(key))] = (number, table.header[i])
            rows_at[n] = number
    units = [UnitStated(u, indicator.where()) for u in _units_in(indicator.text)]
    hidden = {table.header[i] for i in [city, *years] if i in table.hidden_columns}
    columns_at: dict[str, Place] = {CITY: (table.header_row, table.header[city]), YEAR: (table.header_row, None),
                  column_label(key): (indicator.row, None)}  # fmt: skip
    places = Places(cells_at, rows_at, frozenset(hidden), columns_at)
    shaped.table = _reshaped(
        table, [CITY, YEAR, column_label(key)], body, places, "across", {2: tuple(units)} if units else {}
    )
    shaped.notes.append(
        Text(
            "年份横排在列上：每列一年（{y}），指标“{i}”按{w}读取。",
            "Years across the columns, a year a column ({y}); the indicator '{i}' from {w}.",
        ).format(y="、".join(table.header[i] for i in years), i=registry.base(key).label_zh, w=indicator.where())
    )
    return shaped


def _units_in(text: str) -> list[str]:
    """The units in a title's brackets (协议金额（亿元）（2021—2025年） -> 亿元)."""
    return [u.strip() for u in re.findall(r"\(([^()]*)\)", unicodedata.normalize("NFKC", text)) if is_unit(u)]


# --- the same indicators under year headers side by side ----------------------------------------------------


def _year_groups(table: Table, meanings: list[object]) -> dict[int, tuple[int, str, int]] | None:
    """For a header whose indicators repeat under year headers above it (2024年 | 2025年 over 对接活动 …), each
    value column's (year, the year's header, its row); None when the table is not so. A year header stands over
    the columns its merged cell spans, or (with no merged cells on its row: a CSV) over those up to the next."""
    keys = [m for m in meanings if m in FIGURE_HEADERS.values()]
    if len(keys) == len(set(keys)) or table.layout is None:
        return None
    if len(table.layout.header_rows) == 2:  # read as a two-row header: the years are its upper row
        row, line = table.layout.header_rows[0], table.layout.header_cells[0]
    else:
        row = table.layout.header_rows[0] - 1
        line = next((cells for n, cells in table.layout.lines if n == row), ())
    if not line:
        return None
    merged = {c1: c2 for r1, r2, c1, c2 in table.merges if r1 <= row <= r2}
    filled = [i for i, cell in enumerate(line) if cell.strip()]
    groups: dict[int, tuple[int, str, int]] = {}
    for k, i in enumerate(filled):
        role = year_role(line[i])
        if role is None or role[0] != "year" or role[1] is None:
            continue
        last = merged.get(i, i) if merged else (filled[k + 1] - 1 if k + 1 < len(filled) else len(meanings) - 1)
        for j in range(i, last + 1):
            if j < len(meanings) and meanings[j] in FIGURE_HEADERS.values():
                groups[j] = (role[1], line[i], row)
    years = {g[0] for g in groups.values()}
    if len(years) < 2 or any(m in FIGURE_HEADERS.values() and i not in groups for i, m in enumerate(meanings)):
        return None
    return groups


def _side_by_side(table: Table, meanings: list[object], groups: dict[int, tuple[int, str, int]]) -> Shaped:
    """Each row read once per year group: the year from the group's header, the values from its columns."""
    shaped = Shaped(None)
    if "city" not in meanings:
        return Shaped(table)
    by_year: dict[int, dict[str, int]] = {}
    for i, (year, _, _) in groups.items():
        column = str(meanings[i])
        if column in by_year.setdefault(year, {}):
            shaped.error(
                table.header_row,
                table.header[i],
                Text("{y} 年下“{h}”出现两次。", "'{h}' appears twice under {y}.").format(y=year, h=table.header[i]),
            )
        by_year[year][column] = i
    if shaped.issues:
        return shaped
    keys = list(dict.fromkeys(str(meanings[i]) for i in groups))
    city = meanings.index("city")
    header = [CITY, YEAR, *(column_label(k) for k in keys)]
    body: list[list[str]] = []
    cells_at: dict[tuple[int, str], Place] = {}
    rows_at: dict[int, int] = {}
    year_header = {year: (label, row) for year, label, row in groups.values()}
    for number, cells in zip(table.row_numbers.tolist(), table.rows, strict=True):
        for year, columns in by_year.items():
            n = len(body) + 1
            body.append([cells[city], str(year), *(cells[columns[k]] if k in columns else "" for k in keys)])
            cells_at[(n, CITY)] = (number, table.header[city])
            cells_at[(n, YEAR)] = (year_header[year][1], year_header[year][0])
            for k, i in columns.items():
                cells_at[(n, column_label(k))] = (number, f"{year_header[year][0]} {table.header[i]}")
            rows_at[n] = number
    units = {}
    for position, k in enumerate(keys, start=2):
        stated = [UnitStated(u, Text("表头“{h}”", "the header '{h}'").format(h=table.header[i]))
                  for i in groups if meanings[i] == k for u in [header_unit(table.header[i])] if u]  # fmt: skip
        if stated:
            units[position] = tuple(stated)
    hidden = {f"{groups[i][1]} {table.header[i]}" for i in groups if i in table.hidden_columns}
    hidden |= {table.header[city]} if city in table.hidden_columns else set()
    columns_at: dict[str, Place] = {CITY: (table.header_row, table.header[city]), YEAR: (table.header_row - 1, None),
                  **{column_label(k): (table.header_row, None) for k in keys}}  # fmt: skip
    places = Places(cells_at, rows_at, frozenset(hidden), columns_at)
    shaped.table = _reshaped(table, header, body, places, "side_by_side", units)
    side = Text(
        "各年的指标并排：{y}，每行按年份分别读取。", "Indicators side by side under {y}; each row read once a year."
    )
    shaped.notes.append(side.format(y="、".join(label for label, _ in year_header.values())))
    return shaped


# --- building a reshaped table ------------------------------------------------------------------------------


def _reshaped(source: Table, header: list[str], body: list[list[str]], places: Places, shape: str,
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

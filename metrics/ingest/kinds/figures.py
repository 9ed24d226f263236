"""Yearly figures: one row per city and year, then any of the data contract's value columns (the default kind).

Checked column by column, as a file may have 100,000 rows; written straight from its rows into the yearly tables,
each changed cell kept with its old value in the change history.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...domain import registry
from ...domain.i18n import Text
from ...domain.programme import max_year
from ...store.cities import list_cities
from ...store.figures import figure_changes, jumps, write_figures
from ...store.transactions import Cursor
from .. import shapes
from ..checks import (
    IGNORED_HEADERS,
    check_columns,
    each_distinct,
    header_columns,
    normalise,
    numbers,
    ragged_rows,
    shown,
    year_value,
)
from ..city_matching import CityMatcher, matcher_for
from ..headers import CITY_HEADERS, FIGURE_HEADERS, SHOWN_HEADERS, YEAR_HEADERS, is_known
from ..kind import CellKind
from ..report import Issue, Report
from ..table import Table, column_letter
from ..units import (
    HEADER_WHERE,
    NOT_A_UNIT,
    UNIT_ROW_WHERE,
    ColumnUnit,
    Stated,
    as_unit,
    bracketed,
    column_unit,
    unit_lines,
)
from .rule_checks import broken_rules
from .total_rows import by_sheet_row, set_aside_totals, warn_total

JUMP = 3  # a value three times last year's (or a third of it) earns a warning; a stock, any fall
TEN_THOUSAND_NEAR = (Decimal(10) ** Decimal("3.5"), Decimal(10) ** Decimal("4.5"))  # a ratio this near 10⁴: a unit


def check_figures(cur: Cursor, table: Table) -> Report:
    """Check a yearly-figures table: one row per city and year, the value columns of the data contract.

    A sheet shaped otherwise (a form with the indicators down its rows, years across the columns, the pilot or the
    year stated above the table) is first read into that shape (shapes.read), its issues placed where its cells
    stand on the sheet. Then column by column rather than row by row (a file may have 100,000 rows): each distinct
    city and year is looked up once, numbers in the plain forms are parsed by Arrow, and only the other cells go
    through `parse_number`, which says what is wrong with them.
    """
    matcher = matcher_for(list_cities(cur))
    shaped = shapes.read(table, matcher)
    report = Report.of(FiguresKind.name, shaped.table or table)
    report.read.extend(shaped.notes)
    for issue in shaped.issues:
        report.place(issue)
    _hidden_but_read(table, report)
    if shaped.table is None:
        return report
    table = shaped.table
    columns = _figure_columns(table, report)
    if columns is None:
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    table = _read_merges(table, columns, report)
    table, totals = set_aside_totals(table, columns, matcher, report)
    last_year = max_year()
    bad = ragged_rows(report, table)  # rows with an error, so far
    city, year = columns.index("city"), columns.index("year")
    codes = each_distinct(table, city, matcher.resolve, report, bad)
    years = each_distinct(table, year, lambda raw: (*year_value(raw, last_year), None), report, bad)
    # On a reshaped sheet a year is a header, not a cell of the row: the row's city cell is where it is said.
    _duplicate_rows(table, codes, years, matcher, report, table.header[city if table.shape else year], bad)
    values: dict[str, pa.Array] = {}
    units: dict[str, ColumnUnit | None] = {}
    lines = unit_lines(table.layout.lines if table.layout is not None else ())
    for i, column in enumerate(columns):
        if column is not None and column in registry.BASE_KEYS:
            ind = registry.base(column)
            stated = _stated_units(table, i)
            unit = column_unit(ind, stated, lines) if not isinstance(stated, Text) else stated
            if isinstance(unit, Text):
                report.add(table.header_row, table.header[i], "error", unit)
                unit = None
            units[column] = unit
            values[column] = numbers(table, i, ind, report, bad, unit)
    parsed = pa.table(
        {"row": table.row_numbers, "city_code": pa.array(codes, pa.string()), "year": pa.array(years, pa.int32()),
         **values}
    ).filter(pa.array(~bad))  # fmt: skip
    report.rows = parsed.to_pandas(types_mapper=pd.ArrowDtype)
    _said_otherwise(report, shaped.stated, matcher)
    for same_row in by_sheet_row(totals, report):
        warn_total(same_row, columns, table.header, report, last_year, units, matcher)
    broken_rules(cur, report, matcher.name_of)
    if report.ok:
        headers = {c: table.header[i] for i, c in enumerate(columns) if c in values}
        _warn_jumps(cur, report, headers)
        if all(parsed[c].null_count == len(parsed) for c in values):
            report.add(
                None,
                None,
                "warning",
                Text("文件里没有任何数值，不会有改动。", "The file holds no values; nothing would change."),
            )
    return report


def _said_otherwise(report: Report, stated: dict[str, shapes.Source], matcher: CityMatcher) -> None:
    """A warning for rows whose pilot or year differs from the one the sheet states above the table (a title's
    2025, a 填报单位 line, the sheet's name): one of them is wrong, and only the officer knows which."""
    rows = report.rows
    if rows is None or rows.empty:
        return
    for column, key, said in (("city", "city_code", STATED_PILOT), ("year", "year", STATED_YEAR)):
        if column not in stated:
            continue
        source = stated[column]
        other = rows[rows[key].astype(str) != str(source.value)]
        if len(other):
            numbers = sorted({report.sheet_row(int(r)) for r in other["row"]})
            shown = matcher.name_of(str(source.value)) if column == "city" else source.value
            report.place(
                Issue(
                    numbers[0],
                    None,
                    "warning",
                    said.format(
                        w=source.where(),
                        v=shown,
                        r="、".join(map(str, numbers[:10])) + ("…" if len(numbers) > 10 else ""),
                    ),
                )
            )


STATED_YEAR = Text(
    "{w}写的是 {v} 年，但第 {r} 行的年份不是 {v}；请核对标题和年份，以免数据记错年份。",
    "{w} says {v}, but the year in row(s) {r} is not {v}; check the title and the years, so that no figure goes to "
    "the wrong year.",
)
STATED_PILOT = Text(
    "{w}写的是{v}，但第 {r} 行是别的试点；请核对，以免数据记到别的试点名下。",
    "{w} says {v}, but row(s) {r} are of other pilots; check them, so that no figure goes to the wrong pilot.",
)


def _hidden_but_read(table: Table, report: Report) -> None:
    """A warning for the hidden rows and columns that hold values: they are read like any other (an officer may
    have hidden an old draft, which must not load unseen)."""
    rows = sorted(set(table.row_numbers.tolist()) & table.hidden_rows)
    filled = [n for k, n in enumerate(table.row_numbers.tolist()) if n in table.hidden_rows
              and any(c[k].as_py() for c in table.columns)]  # fmt: skip
    if rows and filled:
        report.place(Issue(filled[0], None, "warning", Text(
            "第 {r} 行在表格中是隐藏的，其数据同样被读取；如不应导入，请删除这些行。",
            "Row(s) {r} are hidden in the workbook, and read like the others: delete them if they must not "
            "be loaded.").format(r="、".join(map(str, filled)))))  # fmt: skip
    headers = [normalise(h) for h in table.header]
    for i in sorted(table.hidden_columns):
        if i >= len(headers) or not headers[i] or headers.count(headers[i]) > 1:  # a blank or doubled header: an error
            continue
        if pc.any(pc.not_equal(table.column(i), "")).as_py():
            report.place(Issue(table.header_row, table.header[i], "warning", Text(
                "第 {c} 列“{h}”在表格中是隐藏的，其数据同样被读取；如不应导入，请删除该列。",
                "Column {c} '{h}' is hidden in the workbook, and it is read like the others: delete it if it must not "
                "be loaded.").format(c=column_letter(i), h=table.header[i])))  # fmt: skip


def _stated_units(table: Table, index: int) -> list[Stated] | Text:
    """The units written for a column: in its header's brackets, in the unit row under it, or (for a reshaped
    table) where its shape says; the error when its header's brackets hold something else (对接活动（累计）: the
    column would be read as what it is not)."""
    stated = list(table.stated_units.get(index, ()))
    header = table.header[index]
    inside = bracketed(header)
    if inside is not None:
        unit = as_unit(inside)
        if unit is None:
            return NOT_A_UNIT.format(h=header, b=inside)
        stated.append(Stated(unit, HEADER_WHERE.format(h=header)))
    found = table.layout
    if found is not None and found.units is not None and index < len(found.unit_cells):
        cell = found.unit_cells[index]
        unit = as_unit(cell) if cell.strip() else None
        if unit is not None:
            stated.append(Stated(unit, UNIT_ROW_WHERE.format(r=found.units, c=cell)))
    return stated


def _read_merges(table: Table, columns: list[str | None], report: Report) -> Table:
    """The table with a city (or 序号) cell merged down over several rows read on each of them, as the sheet shows
    it; a value merged over several rows or value columns is an error (which year, which indicator, is a guess)."""
    body = {int(n): k for k, n in enumerate(table.row_numbers.tolist())}
    labels = {i for i, c in enumerate(columns) if c in ("city", "year")}
    labels |= {i for i, c in enumerate(columns) if c is None and i < len(table.header)
               and normalise(table.header[i]) in IGNORED_HEADERS}  # fmt: skip
    filled: dict[int, list[str]] = {}
    for first_row, last_row, first_column, last_column in table.merges:
        rows = [body[n] for n in range(first_row, last_row + 1) if n in body]
        if not rows or first_column >= len(columns):
            continue
        spans_values = [i for i in range(first_column, min(last_column, len(columns) - 1) + 1)
                        if columns[i] in registry.BASE_KEYS]  # fmt: skip
        cell = table.column(first_column)[rows[0]].as_py() if first_row in body else ""
        if spans_values and (len(rows) > 1 or len(spans_values) > 1) and cell:
            where = f"{column_letter(first_column)}{first_row}:{column_letter(last_column)}{last_row}"
            report.add(first_row, table.header[spans_values[0]], "error", Text(
                "单元格 {w} 是合并单元格，跨了多行或多个指标，无法确定每个年份、每个指标的数值；"
                "请取消合并，在每个单元格分别填写。",
                "The cells {w} are merged across several rows or indicators, so no value can be read for each year "
                "and indicator; unmerge them and write the value in each cell.").format(w=where))  # fmt: skip
        elif first_column in labels and len(rows) > 1 and first_row in body:
            column = filled.setdefault(first_column, table.column(first_column).to_pylist())
            for k in rows[1:]:
                column[k] = column[k] or cell
            if cell and columns[first_column] == "city":
                report.read.append(Text("“{v}”合并了第 {a}–{b} 行，每一行都按它读取。",
                                        "'{v}' is merged over rows {a}–{b}; it is read for each of them.")
                                   .format(v=cell, a=first_row, b=last_row))  # fmt: skip
    if not filled:
        return table
    merged = list(table.columns)
    for i, column in filled.items():
        merged[i] = pa.array(column, pa.string())
    return dataclasses.replace(table, columns=tuple(merged))


def _duplicate_rows(table: Table, codes: np.ndarray, years: np.ndarray, matcher: CityMatcher, report: Report,
                    header: str, bad: np.ndarray) -> None:  # fmt: skip
    """A city and year on a second row is an error naming the first (rows whose city or year is bad aside); the
    second row is marked in `bad`."""
    frame = pd.DataFrame({"code": codes, "year": years, "row": table.row_numbers}).dropna()
    first = frame.groupby(["code", "year"], sort=False)["row"].transform("first")
    again = frame["row"] != first
    bad[frame.index[again]] = True  # the frame keeps the rows' positions as its index
    for code, year, row, first_row in zip(frame["code"][again], frame["year"][again], frame["row"][again],
                                          first[again], strict=True):  # fmt: skip
        report.add(
            int(row),
            header,
            "error",
            Text(
                "{c} {y} 年在第 {r} 行已出现，每个城市每年只能有一行。",
                "{c} {y} already appears in row {r}; one row per city and year.",
            ).format(c=matcher.name_of(code), y=year, r=report.sheet_row(int(first_row))),
        )


def _figure_columns(table: Table, report: Report) -> list[str | None] | None:
    """The meaning of each header (city, year, a value column, or None when ignored or unknown); None without a
    city, a year or an indicator column."""
    lookup = {**FIGURE_HEADERS, **dict.fromkeys(YEAR_HEADERS, "year"), **dict.fromkeys(CITY_HEADERS, "city")}
    columns, unknown = header_columns(table, report, lookup)
    years = [i for i in unknown if year_value(table.header[i], max_year())[1] is None]
    if len(years) > 1:
        report.add(
            table.header_row,
            None,
            "error",
            Text(
                "年份横排在列上（{y}）。请改为每行一个城市一个年份：列为城市、年份，再每个指标一列（见模板）。",
                "The years run across the columns ({y}). Give one row per city and year instead: columns city, "
                "year, then one column per indicator (see the template).",
            ).format(y="、".join(table.header[i] for i in years)),
        )
        unknown = [i for i in unknown if i not in years]
    for i in unknown:
        _unknown_column(table, i, report)
    check_columns(table, columns, {"city": Text("城市", "city"), "year": Text("年份", "year")}, report)
    if not any(c in FIGURE_HEADERS.values() for c in columns) and "city" in columns:
        report.add(table.header_row, None, "error", Text("没有任何指标列。", "There is no indicator column."))
    # Unknown or doubled headers are errors already; the rows are still checked, so that one pass reports every
    # problem of the file. Without a city, a year or any indicator there is nothing to check them against.
    usable = "city" in columns and "year" in columns and any(c in FIGURE_HEADERS.values() for c in columns)
    return columns if usable else None


def _unknown_column(table: Table, index: int, report: Report) -> None:
    """An error for a header no column matches, with the closest header an officer could write."""
    header = table.header[index]
    key = normalise(header)
    close = difflib.get_close_matches(key, list(SHOWN_HEADERS), n=1, cutoff=0.6)
    hint = (
        Text("（是否应为“{h}”？）", " (did you mean '{h}'?)").format(h=SHOWN_HEADERS[close[0]])
        if close
        else Text("", "")
    )
    report.add(
        table.header_row,
        header,
        "error",
        Text(
            "无法识别的列“{c}”{hint}。为免数据被悄悄丢弃，请改正列名或删除该列。",
            "Unknown column '{c}'{hint}. Correct the header or remove the column, so that no data is lost silently.",
        ).format(c=shown(header), hint=hint),
    )


def _warn_jumps(cur: Cursor, report: Report, headers: dict[str, str]) -> None:
    """Warn about a flow three times (or a third of) the same city's figure the year before, and a stock (the
    talent pool at year end) that falls, as the file or else the database has last year (headers: column -> its
    header in the file)."""
    rows = report.rows
    if rows is None or rows.empty:
        return
    stocks = frozenset(c for c in headers if registry.base(c).kind == "stock")
    money = frozenset(c for c in headers if registry.base(c).unit_zh == "万元")
    found = jumps(cur, rows, list(headers), JUMP, falls=stocks)
    report.add_all(
        ((row, headers[column], _jump_message(Decimal(str(new)), Decimal(str(old)), column in stocks, column in money),
          None) for column, row, new, old in found),
        "warning",
    )  # fmt: skip


def _jump_message(new: Decimal, old: Decimal, stock: bool, money: bool = False) -> Text:
    """What a jump warning says: by how much, against last year's figure; a ratio near 10,000 (or its inverse) says
    what it most likely is, a value written in another unit."""
    if old != 0 and new != 0 and (TEN_THOUSAND_NEAR[0] <= new / old <= TEN_THOUSAND_NEAR[1]
                                  or TEN_THOUSAND_NEAR[0] <= old / new <= TEN_THOUSAND_NEAR[1]):  # fmt: skip
        larger = new > old
        if money:
            return (Text("{v} 约是上年 {o} 的一万倍，像是按元填写，而本列要求万元；请核对单位。",
                         "{v} is about 10,000 times last year's {o}: it looks like 元 where 万元 is asked; check the "
                         "unit.")
                    if larger else
                    Text("{v} 约是上年 {o} 的万分之一，像是按亿元或万万元填写，而本列要求万元；请核对单位。",
                         "{v} is about a 10,000th of last year's {o}: it looks like a larger unit where 万元 is asked; "
                         "check the unit.")).format(v=new, o=old)  # fmt: skip
        return Text("{v} 与上年 {o} 相差约一万倍，像是单位有误（如按“万”填写）；请核对单位。",
                    "{v} differs from last year's {o} about 10,000-fold: it looks like a unit mistake (written "
                    "in 万?); check the unit.").format(v=new, o=old)  # fmt: skip
    if old == 0:
        return Text("上年为 0，今年为 {v}，请核对。", "Last year's was 0, this year's is {v}; please check.").format(
            v=new
        )
    if new < old and stock:
        return Text(
            "{v} 比上年末的 {o} 减少 {p}（年末存量一般不会减少），请核对。",
            "{v} is {p} below last year-end's {o} (a year-end stock rarely falls); please check.",
        ).format(v=new, o=old, p=f"{(old - new) / old:.0%}")
    if new < old:
        return Text(
            "{v} 不到上年 {o} 的三分之一，请核对。", "{v} is less than a third of last year's {o}; please check."
        ).format(v=new, o=old)
    ratio = f"{new / old:.1f}"
    return Text("{v} 是上年 {o} 的 {r} 倍，请核对。", "{v} is {r} times last year's {o}; please check.").format(
        v=new, o=old, r=ratio
    )


class FiguresKind(CellKind):
    """Yearly figures of the pilots."""

    name = "figures"
    label = Text("年度数据", "figures")
    what = Text("年度数据（每行一个城市一个年份）", "yearly figures (a row per city and year)")

    def recognises(self, header: Sequence[str]) -> bool:
        """Any file another kind does not claim is read as yearly figures (and its headers checked as such)."""
        return True

    def knows(self, cell: str) -> bool:
        """A header of a figures sheet of any shape (city, year, value column; a form's 指标名称, 计量单位, 本年; a year
        across the columns), or one the check ignores (序号, 备注)."""
        return is_known(cell) or normalise(cell) in IGNORED_HEADERS

    def check(self, cur: Cursor, table: Table) -> Report:
        """See check_figures."""
        return check_figures(cur, table)

    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """Every reported cell against the stored figures (store.figures.figure_changes)."""
        return figure_changes(cur, report.parsed())

    def _apply(self, cur: Cursor, report: Report, upload_id: int) -> None:
        write_figures(cur, report.parsed(), upload_id)


FIGURES = FiguresKind()

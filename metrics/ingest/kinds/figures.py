"""Yearly figures: one row per city and year, then any of the data contract's value columns (the default kind).

Checked column by column, as a file may have 100,000 rows; written straight from its rows into the yearly tables,
each changed cell kept with its old value in the change history.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
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
from ..checks import (
    IGNORED_HEADERS,
    check_columns,
    each_distinct,
    header_columns,
    is_total,
    normalise,
    numbers,
    quiet_number,
    ragged_rows,
    shown,
    year_value,
)
from ..city_matching import CityMatcher
from ..kind import CellKind
from ..report import Report
from ..table import Table

CITY_HEADERS = {"city", "城市", "城市名称", "城市代码", "试点城市", "试点城市园区", "城市园区", "city_code", "code",
                "行政区划代码", "区划代码", "试点名称", "试点单位", "pilot"}  # fmt: skip
YEAR_HEADERS = {"year", "年份", "年度", "年"}
JUMP = 3  # a value three times last year's (or a third of it) earns a warning; a stock, any fall


def _aliases(ind: registry.BaseIndicator) -> tuple[str, ...]:
    """The headers a value column may have in a file."""
    return (ind.key, ind.header_zh, ind.header_en, ind.label_zh, ind.label_en)


FIGURE_HEADERS = {normalise(a): ind.column for ind in registry.BASE_INDICATORS for a in _aliases(ind)}
# What a suggestion shows for each header it might mean: the header the templates use, in the script the officer
# wrote (a Chinese header for a Chinese one), never an internal key.
SHOWN_HEADERS: dict[str, str] = {
    **{normalise(a): "城市" if not a.isascii() else "city" for a in CITY_HEADERS},
    **{normalise(a): "年份" if not a.isascii() else "year" for a in YEAR_HEADERS},
    **{normalise(a): i.header_zh if not a.isascii() else i.header_en for i in registry.BASE_INDICATORS
       for a in _aliases(i)},
}  # fmt: skip


def check_figures(cur: Cursor, table: Table) -> Report:
    """Check a yearly-figures table: one row per city and year, the value columns of the data contract.

    Column by column rather than row by row (a file may have 100,000 rows): each distinct city and year is looked
    up once, numbers in the plain forms are parsed by Arrow, and only the other cells go through `parse_number`,
    which says what is wrong with them.
    """
    report = Report(kind=FiguresKind.name, sheet=table.sheet)
    columns = _figure_columns(table, report)
    if columns is None:
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    table, totals = _set_aside_totals(table, columns)
    matcher = CityMatcher(list_cities(cur))
    last_year = max_year()
    bad = ragged_rows(report, table)  # rows with an error, so far
    city, year = columns.index("city"), columns.index("year")
    codes = each_distinct(table, city, matcher.resolve, report, bad)
    years = each_distinct(table, year, lambda raw: (*year_value(raw, last_year), None), report, bad)
    _duplicate_rows(table, codes, years, matcher, report, table.header[year], bad)
    values: dict[str, pa.Array] = {}
    for i, column in enumerate(columns):
        if column is not None and column in registry.BASE_KEYS:
            values[column] = numbers(table, i, registry.base(column), report, bad)
    parsed = pa.table(
        {"row": table.row_numbers, "city_code": pa.array(codes, pa.string()), "year": pa.array(years, pa.int32()),
         **values}
    ).filter(pa.array(~bad))  # fmt: skip
    report.rows = parsed.to_pandas(types_mapper=pd.ArrowDtype)
    for total in totals:
        _warn_total(total, columns, table.header, report, last_year)
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


@dataclass(frozen=True)
class TotalRow:
    """A 合计 row set aside: its row number, the word it has, and its cells."""

    row: int
    word: str
    cells: tuple[str, ...]


def _set_aside_totals(table: Table, columns: list[str | None]) -> tuple[Table, list[TotalRow]]:
    """The table without its total rows (a city cell, or with the city blank a 序号 cell, saying 合计, 总计 …)."""
    city = columns.index("city")
    labels = [city, *(i for i, c in enumerate(columns) if c is None and normalise(table.header[i]) in IGNORED_HEADERS)]
    found = np.zeros(len(table), dtype=bool)
    for i in labels:
        cells = table.column(i)
        words = [w for w in pc.unique(cells).to_pylist() if w and is_total(w)]
        if words:
            hit = pc.is_in(cells, pa.array(words)).to_numpy(zero_copy_only=False)
            if i != city:  # a 序号 cell counts only where the city cell is blank
                hit &= pc.equal(table.column(city), "").to_numpy(zero_copy_only=False)
            found |= hit
    if not found.any():
        return table, []
    totals = []
    for k in np.flatnonzero(found):
        cells = tuple(str(c[int(k)].as_py()) for c in table.columns)
        word = next(cells[i] for i in labels if i < len(cells) and cells[i] and is_total(cells[i]))
        totals.append(TotalRow(int(table.row_numbers[k]), word, cells))
    return table.only(~found), totals


def _warn_total(total: TotalRow, columns: list[str | None], header: Sequence[str], report: Report,
                last_year: int) -> None:  # fmt: skip
    """A warning that a total row was set aside, saying by how much its figures differ from the rows' sum (over
    the rows of its year, when it names one)."""
    rows = report.rows if report.rows is not None else pd.DataFrame()
    year = year_value(total.cells[columns.index("year")], last_year)[0] if "year" in columns else None
    if year is not None and len(rows):
        rows = rows[rows["year"] == year]
    differences = []
    for i, column in enumerate(columns):
        if column not in registry.BASE_KEYS or i >= len(total.cells) or column not in rows:
            continue
        stated = quiet_number(total.cells[i], registry.base(column))
        if stated is None:
            continue
        summed = rows[column].dropna().sum() if len(rows) else 0
        if Decimal(str(summed)) != Decimal(str(stated)):
            difference = Decimal(str(stated)) - Decimal(str(summed))
            differences.append(
                Text("“{h}”合计 {t}，各行之和 {s}，相差 {d}", "'{h}': total {t}, rows sum to {s}, a difference of {d}")
                .format(h=header[i], t=stated, s=summed, d=f"{difference:+}")
            )  # fmt: skip
    message = Text(
        "第 {r} 行是合计行（“{w}”），未作为城市读取。", "Row {r} is a total row ('{w}'); it is not read as a city."
    ).format(r=total.row, w=total.word)
    if differences:
        message = Text(
            message.zh + "与上面各行不一致：" + "；".join(d.zh for d in differences) + "。",
            message.en + " It does not match the rows above: " + "; ".join(d.en for d in differences) + ".",
        )
    report.add(total.row, None, "warning", message)


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
            ).format(c=matcher.name_of(code), y=year, r=int(first_row)),
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
    for column, row, new, old in jumps(cur, rows, list(headers), JUMP, falls=stocks):
        report.add(
            row, headers[column], "warning", _jump_message(Decimal(str(new)), Decimal(str(old)), column in stocks)
        )


def _jump_message(new: Decimal, old: Decimal, stock: bool) -> Text:
    """What a jump warning says: by how much, against last year's figure."""
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
        """A city, year or value column's header, or one the check ignores (序号, 备注)."""
        key = normalise(cell)
        return key in CITY_HEADERS or key in YEAR_HEADERS or key in FIGURE_HEADERS or key in IGNORED_HEADERS

    def check(self, cur: Cursor, table: Table) -> Report:
        """See check_figures."""
        return check_figures(cur, table)

    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """Every reported cell against the stored figures (store.figures.figure_changes)."""
        return figure_changes(cur, report.parsed())

    def _apply(self, cur: Cursor, report: Report, upload_id: int) -> None:
        write_figures(cur, report.parsed(), upload_id)


FIGURES = FiguresKind()

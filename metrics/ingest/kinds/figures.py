"""Yearly figures: one row per city and year, then any of the data contract's value columns (the default kind).

Checked column by column, as a file may have 100,000 rows; written straight from its rows into the yearly tables,
each changed cell kept with its old value in the change history.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from ...domain import registry
from ...domain.i18n import Text
from ...domain.programme import max_year
from ...store.cities import list_cities
from ...store.figures import figure_changes, jumps, write_figures
from ...store.transactions import Cursor
from ..checks import IGNORED_HEADERS, check_columns, each_distinct, normalise, numbers, ragged_rows, year_value
from ..city_matching import CityMatcher
from ..kind import CellKind
from ..report import Report
from ..table import Table

CITY_HEADERS = {"city", "城市", "城市名称", "城市代码", "试点城市", "试点城市园区", "城市园区", "city_code", "code"}
YEAR_HEADERS = {"year", "年份", "年度", "年"}
JUMP = 10  # a value ten times last year's (or a tenth of it) earns a warning


def _figure_headers() -> dict[str, str]:
    names: dict[str, str] = {}
    for ind in registry.BASE_INDICATORS:
        for alias in (ind.key, ind.header_zh, ind.header_en, ind.label_zh, ind.label_en):
            names[normalise(alias)] = ind.column
    return names


FIGURE_HEADERS = _figure_headers()


def check_figures(cur: Cursor, table: Table) -> Report:
    """Check a yearly-figures table: one row per city and year, the value columns of the data contract.

    Column by column rather than row by row (a file may have 100,000 rows): each distinct city and year is looked
    up once, numbers in the plain forms are parsed by Arrow, and only the other cells go through `parse_number`,
    which says what is wrong with them.
    """
    report = Report(kind=FiguresKind.name)
    columns = _figure_columns(table, report)
    if columns is None:
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    matcher = CityMatcher(list_cities(cur))
    last_year = max_year()
    bad = ragged_rows(report, table)  # rows with an error, so far
    city, year = columns.index("city"), columns.index("year")
    codes = each_distinct(table, city, matcher.resolve, report, bad)
    years = each_distinct(table, year, lambda raw: year_value(raw, last_year), report, bad)
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
    """The meaning of each header (city, year, a value column, or None when ignored); None if unusable."""
    columns: list[str | None] = []
    for header in table.header:
        key = normalise(header)
        if key in CITY_HEADERS:
            columns.append("city")
        elif key in YEAR_HEADERS:
            columns.append("year")
        elif key in FIGURE_HEADERS:
            columns.append(FIGURE_HEADERS[key])
        elif key in IGNORED_HEADERS:
            columns.append(None)
        else:
            close = difflib.get_close_matches(key, [*FIGURE_HEADERS, "city", "year"], n=1, cutoff=0.6)
            hint = Text("（是否应为“{h}”？）", " (did you mean '{h}'?)").format(h=close[0]) if close else Text("", "")
            report.add(
                table.header_row,
                header or "—",
                "error",
                Text(
                    "无法识别的列“{c}”{hint}。为免数据被悄悄丢弃，请改正列名或删除该列。",
                    "Unknown column '{c}'{hint}. Correct the header or remove the column, so that no data is lost "
                    "silently.",
                ).format(c=header, hint=hint),
            )
            columns.append(None)
    check_columns(table, columns, {"city": Text("城市", "city"), "year": Text("年份", "year")}, report)
    if not any(c in FIGURE_HEADERS.values() for c in columns) and "city" in columns:
        report.add(table.header_row, None, "error", Text("没有任何指标列。", "There is no indicator column."))
    return columns if report.ok else None


def _warn_jumps(cur: Cursor, report: Report, headers: dict[str, str]) -> None:
    """Warn about values ten times (or a tenth of) the same city's figure the year before, as the file or else the
    database has it (headers: column -> its header in the file)."""
    rows = report.rows
    if rows is None or rows.empty:
        return
    for column, row, new, old in jumps(cur, rows, list(headers), JUMP):
        report.add(
            row,
            headers[column],
            "warning",
            Text(
                "{v} 与上年的 {o} 相差十倍以上，请核对。",
                "{v} is more than ten times different from last year's {o}; please check.",
            ).format(v=new, o=old),
        )


class FiguresKind(CellKind):
    """Yearly figures of the pilots."""

    name = "figures"
    label = Text("年度数据", "figures")
    what = Text("年度数据（每行一个城市一个年份）", "yearly figures (a row per city and year)")

    def recognises(self, header: Sequence[str]) -> bool:
        """Any file another kind does not claim is read as yearly figures (and its headers checked as such)."""
        return True

    def check(self, cur: Cursor, table: Table) -> Report:
        """See check_figures."""
        return check_figures(cur, table)

    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """Every reported cell against the stored figures (store.figures.figure_changes)."""
        return figure_changes(cur, report.parsed())

    def _apply(self, cur: Cursor, report: Report, upload_id: int) -> None:
        write_figures(cur, report.parsed(), upload_id)


FIGURES = FiguresKind()

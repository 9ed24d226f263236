"""The yearly series of any indicator, aggregated in SQL as the registry says, and the years the data spans."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..domain import registry
from ..domain.programme import PROGRAMME_START, Scope
from ..domain.registry import BaseIndicator, Growth, Indicator, PilotCount, Ratio, RunningTotal
from ..domain.years import YearRange
from .cities import SCOPE_CTE, list_cities
from .reads import READ_CACHE
from .transactions import Cursor, one_row

# The groups (each city, or one programme total) crossed with every year.
_GRID_CTES = """
grp AS (
    SELECT CASE WHEN $per_city THEN city_code END AS city_code FROM scope
    UNION
    SELECT NULL WHERE NOT $per_city
),
grid AS (
    SELECT grp.city_code, y.year::INTEGER AS year FROM grp CROSS JOIN generate_series($first, $last) AS y(year)
)"""
_GROUP = "CASE WHEN $per_city THEN {alias}.city_code END"


def _total(ind: BaseIndicator) -> str:
    """A base indicator's total over the rows of table alias `t` (integers summed as BIGINT, so they never wrap)."""
    return f"sum(t.{ind.column})::{'BIGINT' if ind.sql_type == 'INTEGER' else ind.sql_type}"


def _vals_sql(ind: Indicator, name: str = "vals") -> str:
    """A CTE `<name>(city_code, year, value, reporting)` for one indicator, before gaps are filled."""
    if isinstance(ind, BaseIndicator):
        return f"""
{name} AS (
    SELECT {_GROUP.format(alias="t")} AS city_code, t.year, {_total(ind)} AS value, count(*) AS reporting
    FROM {ind.table} t JOIN scope USING (city_code)
    WHERE t.{ind.column} IS NOT NULL
    GROUP BY 1, 2
)"""
    if isinstance(ind, RunningTotal):
        return _vals_sql(registry.base(ind.base), name)  # the window in _value_sql does the running
    if isinstance(ind, Ratio):
        num, den = registry.base(ind.numerator), registry.base(ind.denominator)
        return f"""
{name} AS (
    SELECT {_GROUP.format(alias="n")} AS city_code, n.year,
           CASE WHEN sum(d.{den.column}) > 0
                THEN sum(n.{num.column})::DOUBLE PRECISION / sum(d.{den.column}) END AS value,
           count(*) AS reporting
    FROM {num.table} n
    JOIN {den.table} d ON d.city_code = n.city_code AND d.year = n.year
    JOIN scope ON scope.city_code = n.city_code
    WHERE n.{num.column} IS NOT NULL AND d.{den.column} IS NOT NULL
    GROUP BY 1, 2
)"""
    if isinstance(ind, Growth):
        base = registry.base(ind.base)
        return f"""
{name} AS (
    SELECT {_GROUP.format(alias="cur")} AS city_code, cur.year,
           CASE WHEN sum(prev.{base.column}) > 0
                THEN (sum(cur.{base.column})::DOUBLE PRECISION / sum(prev.{base.column}) - 1) * 100 END AS value,
           count(*) AS reporting
    FROM {base.table} cur
    JOIN {base.table} prev ON prev.city_code = cur.city_code AND prev.year = cur.year - 1
    JOIN scope ON scope.city_code = cur.city_code
    WHERE cur.{base.column} IS NOT NULL AND prev.{base.column} IS NOT NULL
    GROUP BY 1, 2
)"""
    raise ValueError(f"unknown aggregation {ind.aggregation!r}")


def _value_sql(ind: Indicator, vals: str) -> str:
    """The indicator's value in a row of the grid, joined to its CTE `vals` (_vals_sql)."""
    if ind.aggregation == "running_sum":
        # Running total since the programme began, whatever the displayed year range.
        return f"sum({vals}.value) OVER (PARTITION BY grid.city_code ORDER BY grid.year ROWS UNBOUNDED PRECEDING)"
    return f"{vals}.value"


def _series_sql(ind: Indicator, sliced: bool) -> str:
    """The series over the grid's years; `sliced`: only the years $from_year to $to_year of it (else every year of
    the grid: a WHERE that would keep them all is left out)."""
    return f"""
WITH {SCOPE_CTE},{_GRID_CTES},
{_vals_sql(ind).lstrip()}
SELECT * FROM (
    SELECT grid.city_code, grid.year, {_value_sql(ind, "vals")} AS value, coalesce(vals.reporting, 0) AS reporting
    FROM grid LEFT JOIN vals ON vals.city_code IS NOT DISTINCT FROM grid.city_code AND vals.year = grid.year
) AS rows{_SLICE if sliced else ""}
ORDER BY city_code NULLS FIRST, year"""


_SLICE = "\nWHERE year BETWEEN $from_year AND $to_year"


def year_span(cur: Cursor) -> tuple[int, int]:
    """First and last year the database holds figures for (the programme start year when empty)."""
    memo = READ_CACHE.get()
    return _year_span(cur) if memo is None else memo("year_span", (), lambda: _year_span(cur))


def _year_span(cur: Cursor) -> tuple[int, int]:
    spans = [f"SELECT min(year) AS lo, max(year) AS hi FROM {t}" for t in registry.VALUE_TABLES]
    spans.append("SELECT min(designated_year), max(designated_year) FROM cities")
    lo, hi = one_row(cur, f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(spans)}) AS spans")
    lo = lo if lo is not None else PROGRAMME_START
    return lo, hi if hi is not None else lo


def series(
    cur: Cursor,
    key: str,
    scope: Scope | None = None,
    *,
    per_city: bool = False,
    years: YearRange | tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Yearly values of one indicator: the total over the scope, or one series per city when per_city.

    Columns: city_code (None for the total), year, value (NaN where nothing was reported), reporting (how many
    cities the value is based on). Every year of the range is present, so unreported years stay gaps. Years
    outside MIN_YEAR to this year are InvalidYears (a ValueError).
    """
    ind = registry.get(key)
    span = YearRange(*year_span(cur))
    wanted = (span if years is None else YearRange.of(years)).checked()
    scope = scope or Scope()
    memo = READ_CACHE.get()
    if memo is None or not wanted.within(span):  # years beyond the data: the grid is not a slice of the span
        return _query(cur, ind, scope, per_city, span, wanted)
    whole = _kept_span(memo, cur, ind, scope, per_city, span)
    if wanted == span:
        return whole.copy()  # a copy: the kept frame is shared
    return whole[whole["year"].between(wanted.first, wanted.last)].reset_index(drop=True)  # a copy


def _kept_span(memo: Callable, cur: Cursor, ind: Indicator, scope: Scope, per_city: bool, span: YearRange
               ) -> pd.DataFrame:  # fmt: skip
    """The series over the whole span as kept (shared: never changed)."""
    return memo("series", (ind.key, scope, per_city), lambda: _query(cur, ind, scope, per_city, span, span))


def read_together(cur: Cursor, keys: tuple[str, ...], scope: Scope | None = None, *, per_city: bool = False) -> None:
    """Where reads are kept (the app), the whole span of these indicators' series read together and kept as
    `series` keeps each, for a page that asks for several: one statement for the base indicators (one pass over the
    pilots and years) and one for those computed from them, rather than one per indicator. Without kept reads,
    nothing (each `series` call queries)."""
    memo = READ_CACHE.get()
    if memo is None:
        return
    span = YearRange(*year_span(cur))
    scope = scope or Scope()
    # The count of pilots is worked out from the pilots' list, not queried; a score is no series at all.
    inds = tuple(
        ind for ind in map(registry.get, keys) if isinstance(ind, BaseIndicator | RunningTotal | Ratio | Growth)
    )
    bases = tuple(ind for ind in inds if isinstance(ind, BaseIndicator))
    derived = tuple(ind for ind in inds if not isinstance(ind, BaseIndicator))
    read: dict[bool, dict[str, pd.DataFrame]] = {}  # each statement's series, once one of them is not kept yet

    def one(ind: Indicator) -> Callable[[], pd.DataFrame]:
        based = isinstance(ind, BaseIndicator)

        def compute() -> pd.DataFrame:
            if based not in read:
                read[based] = (_query_bases(cur, bases, scope, per_city, span) if based
                               else _query_derived(cur, derived, scope, per_city, span))  # fmt: skip
            return read[based][ind.key]

        return compute

    for ind in inds:
        memo("series", (ind.key, scope, per_city), one(ind))


def _bases_sql(bases: tuple[BaseIndicator, ...]) -> str:
    """The series of several base indicators over the grid's years: for each, its column (the value, as _vals_sql
    totals it) and `<column>__n` (how many reported it); the same groups, order and values as one query each."""
    ctes: list[str] = []
    columns: list[str] = []
    for n, table in enumerate(dict.fromkeys(ind.table for ind in bases)):
        mine = [ind for ind in bases if ind.table == table]
        totals = ", ".join(f"{_total(ind)} AS {ind.column}, count(t.{ind.column}) AS {ind.column}__n" for ind in mine)
        ctes.append(f"""
v{n} AS (
    SELECT {_GROUP.format(alias="t")} AS city_code, t.year, {totals}
    FROM {table} t JOIN scope USING (city_code)
    GROUP BY 1, 2
)""")
        columns += [f"v{n}.{ind.column}, coalesce(v{n}.{ind.column}__n, 0) AS {ind.column}__n" for ind in mine]
    return _side_by_side(ctes, columns)


def _derived_sql(inds: tuple[Indicator, ...]) -> str:
    """The series of several indicators computed from the base ones, over the grid's years: for each, a column named
    by its key (the value, as _series_sql computes it) and `<key>__n` (how many reported it)."""
    ctes = [_vals_sql(ind, f"v{n}") for n, ind in enumerate(inds)]
    columns = [f"{_value_sql(ind, f'v{n}')} AS {ind.key}, coalesce(v{n}.reporting, 0) AS {ind.key}__n"
               for n, ind in enumerate(inds)]  # fmt: skip
    return _side_by_side(ctes, columns)


def _side_by_side(ctes: list[str], columns: list[str]) -> str:
    """A statement of several series over the grid, side by side: the CTEs v0, v1, … (each a row per group and year
    at most) joined to the grid, and the columns read from them."""
    joins = " ".join(f"LEFT JOIN v{n} ON v{n}.city_code IS NOT DISTINCT FROM grid.city_code AND v{n}.year = grid.year"
                     for n in range(len(ctes)))  # fmt: skip
    return f"""
WITH {SCOPE_CTE},{_GRID_CTES},{",".join(ctes)}
SELECT grid.city_code, grid.year, {", ".join(columns)}
FROM grid {joins}
ORDER BY city_code NULLS FIRST, year"""


def _query_bases(cur: Cursor, bases: tuple[BaseIndicator, ...], scope: Scope, per_city: bool, span: YearRange
                 ) -> dict[str, pd.DataFrame]:  # fmt: skip
    wide = _read_wide(cur, _bases_sql(bases), scope, per_city, span)
    return {ind.key: _one_series(wide, ind.column) for ind in bases}


def _query_derived(cur: Cursor, inds: tuple[Indicator, ...], scope: Scope, per_city: bool, span: YearRange
                   ) -> dict[str, pd.DataFrame]:  # fmt: skip
    wide = _read_wide(cur, _derived_sql(inds), scope, per_city, span)
    return {ind.key: _one_series(wide, ind.key) for ind in inds}


def _read_wide(cur: Cursor, sql: str, scope: Scope, per_city: bool, span: YearRange) -> pd.DataFrame:
    """A statement of series side by side (_side_by_side) over the span, for the scope."""
    return cur.execute(sql, {**scope.params(), "per_city": per_city, "first": span.first, "last": span.last}).df()


def _one_series(wide: pd.DataFrame, column: str) -> pd.DataFrame:
    """One indicator's series (as _query gives it) out of _bases_sql's or _derived_sql's columns."""
    return pd.DataFrame(
        {
            "city_code": wide["city_code"],
            "year": wide["year"],
            "value": wide[column].astype("float64"),
            "reporting": wide[f"{column}__n"].astype("int64"),
        }
    )


def pilot_series(cur: Cursor, key: str, cities: tuple[str, ...], years: YearRange | tuple[int, int] | None = None
                 ) -> pd.DataFrame:  # fmt: skip
    """`series` per city of the pilots named. Where reads are kept (the app), a slice of every pilot's series, which
    the pages that ask (a city profile: its ranks) read anyway, rather than a query for a few pilots per chart."""
    memo = READ_CACHE.get()
    if memo is None:
        return series(cur, key, Scope(cities=cities), per_city=True, years=years)
    span = YearRange(*year_span(cur))
    wanted = (span if years is None else YearRange.of(years)).checked()
    if not wanted.within(span):
        every = series(cur, key, per_city=True, years=years)
        return every[every["city_code"].isin(cities)].reset_index(drop=True)
    whole = _kept_span(memo, cur, registry.get(key), Scope(), True, span)
    # Each pilot's rows found once per data version: a city profile asks for a few pilots' series many times.
    rows = memo("series_rows", (key,), lambda: _rows_by_city(whole))
    found = [rows[code] for code in dict.fromkeys(cities) if code in rows]
    picked = whole.iloc[np.sort(np.concatenate(found))] if found else whole.iloc[:0]
    return picked[picked["year"].between(wanted.first, wanted.last)].reset_index(drop=True)


def _rows_by_city(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each pilot's row positions in a per-city series, in order."""
    codes, pilots = pd.factorize(frame["city_code"])
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(pilots) + 1))
    return {code: order[bounds[n] : bounds[n + 1]] for n, code in enumerate(pilots.tolist())}


def _query(
    cur: Cursor, ind: Indicator, scope: Scope, per_city: bool, span: YearRange, years: YearRange
) -> pd.DataFrame:
    if isinstance(ind, PilotCount):
        return _pilot_counts(cur, scope, per_city, years)
    grid = YearRange(min(span.first, years.first), max(span.last, years.last))
    params = {**scope.params(), "per_city": per_city, "first": grid.first, "last": grid.last}
    sliced = years != grid
    if sliced:
        params |= {"from_year": years.first, "to_year": years.last}
    frame = cur.execute(_series_sql(ind, sliced), params).df()
    frame["value"] = frame["value"].astype("float64")
    frame["reporting"] = frame["reporting"].astype("int64")
    return frame


def _pilot_counts(cur: Cursor, scope: Scope, per_city: bool, years: YearRange) -> pd.DataFrame:
    """How many pilots in scope were designated by each of `years` (per city: 1 once designated, else 0), framed as
    _query frames a series: from the pilots' list, which the app reads once for every chart anyway."""
    pilots = list_cities(cur, scope)
    if per_city:
        pilots = pilots.iloc[np.argsort(pilots["city_code"].to_numpy(dtype=str), kind="stable")]
    designated = pilots["designated_year"].to_numpy(dtype="float64", na_value=np.nan)
    year = np.arange(years.first, years.last + 1, dtype="int32")
    by = designated[:, None] <= year[None, :]  # a row per pilot, a column per year
    if per_city:
        codes = np.repeat(pilots["city_code"].to_numpy(dtype=object), len(year))
        year, counts = np.tile(year, len(pilots)), by.ravel().astype("int64")
    else:
        codes, counts = np.full(len(year), None, dtype=object), by.sum(axis=0).astype("int64")
    return pd.DataFrame({"city_code": codes, "year": year, "value": counts.astype("float64"), "reporting": counts})

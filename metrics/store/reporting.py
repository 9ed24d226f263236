"""Who reported what: each pilot's reporting status per year, and the share of pilots that reported."""

from __future__ import annotations

import pandas as pd

from ..domain import registry
from ..domain.programme import Scope
from .cities import SCOPE_CTE
from .transactions import Cursor


def reporting_status(cur: Cursor, column: str, scope: Scope | None, years: tuple[int, int]) -> pd.DataFrame:
    """Whether each pilot in scope reported a value column each year: city_code, year, status ('reported',
    'missing', or 'not_designated' before its designation year); pilots in batch order, as list_cities."""
    if column not in registry.BASE_KEYS:
        raise ValueError(f"{column} is not a value column")
    ind = registry.base(column)
    return cur.execute(
        f"""WITH {SCOPE_CTE}
            SELECT c.city_code, y.year::INTEGER AS year,
                   CASE WHEN y.year < c.designated_year THEN 'not_designated'
                        WHEN v.{ind.column} IS NOT NULL THEN 'reported' ELSE 'missing' END AS status
            FROM cities c JOIN scope USING (city_code) CROSS JOIN generate_series($lo, $hi) AS y(year)
            LEFT JOIN {ind.table} v ON v.city_code = c.city_code AND v.year = y.year
            ORDER BY c.batch NULLS LAST, c.city_code, year""",
        {**(scope or Scope()).params(), "lo": years[0], "hi": years[1]},
    ).df()


def reporting_rates(cur: Cursor, scope: Scope | None, years: tuple[int, int]) -> pd.DataFrame:
    """Share of the designated pilots in scope that reported each value column, per year: one row per year that
    has designated pilots, one column per value column (0-100)."""
    tables = registry.VALUE_TABLES
    joins = "".join(f" LEFT JOIN {t} USING (city_code, year)" for t in tables)
    shares = ", ".join(
        f"avg(({i.column} IS NOT NULL)::INTEGER)::DOUBLE PRECISION * 100 AS {i.column}"
        for i in registry.BASE_INDICATORS
    )
    return cur.execute(
        f"""WITH {SCOPE_CTE},
            due AS (  -- each pilot in scope, each year from its designation
                SELECT scope.city_code, y.year::INTEGER AS year
                FROM scope CROSS JOIN generate_series($lo, $hi) AS y(year)
                WHERE y.year >= scope.designated_year
            )
            SELECT year, {shares} FROM due{joins} GROUP BY year ORDER BY year""",
        {**(scope or Scope()).params(), "lo": years[0], "hi": years[1]},
    ).df()


def round_reports(cur: Cursor, year: int, columns: tuple[str, ...]) -> pd.DataFrame:
    """Each pilot designated by `year`: which of `columns` it has reported for the year (has_<column>, and how many:
    reported), and the upload that last wrote them (upload_id, file_name, created_at, created_by, kind); pilots in
    batch order."""
    tables = [t for t in registry.VALUE_TABLES if any(registry.base(c).table == t for c in columns)]
    joins = "".join(f" LEFT JOIN {t} ON {t}.city_code = c.city_code AND {t}.year = $year" for t in tables)
    counted = " + ".join(f"({registry.base(c).table}.{c} IS NOT NULL)::INTEGER" for c in columns) or "0"
    writers = ", ".join(
        f"CASE WHEN {' OR '.join(f'{t}.{c} IS NOT NULL' for c in columns if registry.base(c).table == t)} "
        f"THEN {t}.upload_id END"
        for t in tables
    )
    latest = f"greatest({writers})" if len(tables) > 1 else writers or "NULL"
    has = ", ".join(f"{registry.base(c).table}.{c} IS NOT NULL AS has_{c}" for c in columns)
    return cur.execute(
        f"""WITH pilots AS (
                SELECT c.city_code, c.batch, {has}, {counted} AS reported, {latest} AS upload_id
                FROM cities c{joins} WHERE c.designated_year <= $year)
            SELECT p.city_code, {", ".join(f"p.has_{c}" for c in columns)}, p.reported, p.upload_id,
                   u.file_name, u.created_at, u.created_by, u.kind
            FROM pilots p LEFT JOIN uploads u ON u.upload_id = p.upload_id
            ORDER BY p.batch, p.city_code""",
        {"year": year},
    ).df()


def reporters_by_year(cur: Cursor) -> pd.DataFrame:
    """For each year that has figures or a round: year, designated (pilots designated by then) and reported (how
    many of those reported at least one figure for it)."""
    reported = " UNION ".join(
        f"SELECT city_code, year FROM {table} WHERE "
        + " OR ".join(f"{i.column} IS NOT NULL" for i in registry.columns_of(table))
        for table in registry.VALUE_TABLES
    )
    # Grouped once per year rather than counted per year in subqueries, which DuckDB runs in about twice the time.
    return cur.execute(
        f"""WITH reported AS ({reported}),
            years AS (SELECT year FROM reported UNION SELECT year FROM rounds),
            designated AS (SELECT y.year, count(c.city_code) AS n FROM years y
                           LEFT JOIN cities c ON c.designated_year <= y.year GROUP BY y.year),
            counted AS (SELECT r.year, count(*) AS n FROM reported r
                        JOIN cities c ON c.city_code = r.city_code AND c.designated_year <= r.year GROUP BY r.year)
            SELECT d.year::INTEGER AS year, d.n::INTEGER AS designated, coalesce(k.n, 0)::INTEGER AS reported
            FROM designated d LEFT JOIN counted k ON k.year = d.year ORDER BY d.year"""
    ).df()

"""What the pages show, computed from the queries: headlines, peers, ranks, comparisons, completeness."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from . import queries, registry
from .i18n import REGION_NAMES
from .queries import Cursor, Scope

COMPARE_MODES = ("absolute", "change", "indexed", "share")


@dataclass(frozen=True)
class Headline:
    """One indicator's figure for a year, with the year before and like-for-like growth."""

    key: str
    year: int
    value: float
    previous: float
    growth_pct: float  # over the cities that reported both years
    reporting: int
    designated: int  # pilots in scope by that year


def headlines(cur: Cursor, keys: tuple[str, ...], scope: Scope, year: int) -> list[Headline]:
    """Headline figures for `year`: value, previous year's value and like-for-like growth per indicator."""
    designated = queries.series(cur, "pilot_cities", scope, years=(year, year))["value"].iloc[0]
    result = []
    for key in keys:
        frame = queries.series(cur, key, scope, years=(year - 1, year)).set_index("year")
        growth = _value_in(cur, f"growth_{key}", scope, year)  # NaN where there is none (cumulative totals)
        result.append(
            Headline(
                key=key,
                year=year,
                value=frame.at[year, "value"],
                previous=frame.at[year - 1, "value"],
                growth_pct=growth,
                reporting=int(frame.at[year, "reporting"]),
                designated=int(designated),
            )
        )
    return result


def _value_in(cur: Cursor, key: str, scope: Scope, year: int) -> float:
    """One indicator's total in one year, NaN when the registry has no such indicator."""
    if key not in registry.KEYS:
        return math.nan
    return float(queries.series(cur, key, scope, years=(year, year))["value"].iloc[0])


def peer_median(cur: Cursor, key: str, city_code: str, years: tuple[int, int]) -> pd.DataFrame:
    """Median per year over the other cities of the same pilot batch that reported (columns year, value, reporting)."""
    peers = queries.batch_peers(cur, city_code)
    frame = queries.series(cur, key, Scope(cities=peers), per_city=True, years=years)
    grouped = frame.groupby("year")["value"]
    return pd.DataFrame({"value": grouped.median(), "reporting": grouped.count()}).reset_index()


def ranks(cur: Cursor, key: str, year: int, scope: Scope | None = None) -> pd.DataFrame:
    """Cities ranked by value in `year` (1 = highest) with last year's rank and the move since.

    Columns: city_code, value, rank, previous_rank, rank_change (positive = moved up), ranked (how many).
    Only cities that reported are ranked.
    """
    frame = queries.series(cur, key, scope, per_city=True, years=(year - 1, year))
    wide = frame.pivot(index="city_code", columns="year", values="value")
    out = pd.DataFrame({"value": wide.get(year), "previous": wide.get(year - 1)}, index=wide.index)
    out["rank"] = out["value"].rank(ascending=False, method="min")
    out["previous_rank"] = out["previous"].rank(ascending=False, method="min")
    out["rank_change"] = out["previous_rank"] - out["rank"]
    out["ranked"] = int(out["value"].notna().sum())
    out = out[out["value"].notna()].sort_values(["rank", "value"])
    return out.drop(columns="previous").reset_index()


@dataclass(frozen=True)
class Growth:
    """Change in a city's indicator from its first reported year since designation to the latest."""

    first_year: int
    first_value: float
    last_year: int
    last_value: float
    change_pct: float
    annual_pct: float  # compound annual growth rate


def growth_since_designation(cur: Cursor, key: str, city_code: str, until: int) -> Growth | None:
    """Growth since the city was designated (its first reported year from then), or None without two points."""
    designated = queries.city(cur, city_code)["designated_year"]
    frame = queries.series(cur, key, Scope(cities=(city_code,)), per_city=True, years=(int(designated), until))
    reported = frame[frame["value"].notna()]
    if len(reported) < 2:
        return None
    first, last = reported.iloc[0], reported.iloc[-1]
    if first["value"] <= 0:
        return Growth(int(first.year), first.value, int(last.year), last.value, math.nan, math.nan)
    span = last.year - first.year
    return Growth(
        int(first.year),
        float(first.value),
        int(last.year),
        float(last.value),
        (last.value / first.value - 1) * 100,
        ((last.value / first.value) ** (1 / span) - 1) * 100,
    )


def compare(
    cur: Cursor, key: str, city_codes: tuple[str, ...], years: tuple[int, int], mode: str, base_year: int | None = None
) -> pd.DataFrame:
    """Per-city yearly values transformed for comparison (columns city_code, year, value, reporting).

    mode: 'absolute'; 'change' on the previous year; 'indexed' to base_year = 100; 'share' of the programme total
    (all pilots) in percent.
    """
    if mode not in COMPARE_MODES:
        raise ValueError(f"unknown mode {mode!r}")
    lo, hi = years
    first = lo - 1 if mode == "change" else lo
    frame = queries.series(cur, key, Scope(cities=city_codes), per_city=True, years=(first, hi))
    if mode == "change":
        frame["value"] = frame.groupby("city_code")["value"].diff()
        frame = frame[frame["year"] >= lo]
    elif mode == "indexed":
        base = frame[frame["year"] == (base_year or lo)].set_index("city_code")["value"]
        frame["value"] = frame["value"] / frame["city_code"].map(base).where(lambda b: b > 0) * 100
    elif mode == "share":
        total = queries.series(cur, key, years=(lo, hi)).set_index("year")["value"]
        frame["value"] = frame["value"] / frame["year"].map(total).where(lambda t: t > 0) * 100
    return frame.reset_index(drop=True)


def completeness(cur: Cursor, key: str, scope: Scope, years: tuple[int, int]) -> pd.DataFrame:
    """Reporting status of every city in scope for every year (columns city_code, year, status), cities in batch order.

    status: 'reported', 'missing' (a pilot that year but no figure) or 'not_designated'.
    """
    return queries.reporting_status(cur, key, scope, years)


def not_reported(cur: Cursor, key: str, scope: Scope, year: int) -> tuple[str, ...]:
    """Codes of the pilots in scope, designated by `year`, that have not reported the indicator for it (batch
    order)."""
    status = queries.reporting_status(cur, key, scope, (year, year))
    return tuple(status.loc[status["status"] == "missing", "city_code"])


def completeness_summary(cur: Cursor, scope: Scope, years: tuple[int, int]) -> pd.DataFrame:
    """Share of pilots that reported each base indicator, per year (rows indicator keys, columns years, 0-100)."""
    rates = queries.reporting_rates(cur, scope, years).set_index("year")
    rates.index.name = None
    return rates.T.astype(float)


def profile(cur: Cursor, city_code: str, year: int) -> pd.DataFrame:
    """One city's standing on every base indicator in `year`: value, rank among all pilots, move, growth.

    Columns: key, value, rank, ranked, rank_change, since_year, until_year, change_pct, annual_pct.
    """
    rows = []
    for ind in registry.BASE_INDICATORS:
        ranking = ranks(cur, ind.key, year).set_index("city_code")
        growth = growth_since_designation(cur, ind.key, city_code, year)
        here = ranking.loc[city_code] if city_code in ranking.index else None
        rows.append(
            {
                "key": ind.key,
                "value": here["value"] if here is not None else math.nan,
                "rank": here["rank"] if here is not None else math.nan,
                "ranked": len(ranking),
                "rank_change": here["rank_change"] if here is not None else math.nan,
                "since_year": growth.first_year if growth else None,
                "until_year": growth.last_year if growth else None,
                "change_pct": growth.change_pct if growth else math.nan,
                "annual_pct": growth.annual_pct if growth else math.nan,
            }
        )
    return pd.DataFrame(rows)


def map_points(cur: Cursor, key: str, year: int, scope: Scope | None, lang: str) -> pd.DataFrame:
    """Every pilot designated by `year` with its coordinates, value and region (for charts.point_map).

    Columns: city_code, name, lon, lat, value (NaN = not reported), region, region_label.
    """
    cities = queries.list_cities(cur, scope)
    cities = cities[cities["designated_year"] <= year]
    values = queries.series(cur, key, Scope(cities=tuple(cities["city_code"])), per_city=True, years=(year, year))
    out = cities.merge(values[["city_code", "value"]], on="city_code", how="left")
    out["name"] = out[f"name_{lang}"]
    out["region_label"] = out["region"].map(lambda r: REGION_NAMES[r](lang))
    return out[["city_code", "name", "lon", "lat", "value", "region", "region_label"]]

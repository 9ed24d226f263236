"""How the programme and each pilot stand: headline figures with like-for-like growth, ranks and how they moved,
growth since designation, a pilot's standing on every indicator, the median of its batch."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from ..domain.programme import Scope
from ..store.cities import batch_peers, city, list_cities
from ..store.reads import declare, kept, up_to
from ..store.series import pilot_series, read_together, series
from ..store.transactions import Cursor
from .index import year_values_kept


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


@declare(lambda keys, scope, year: up_to(year))
def headlines(cur: Cursor, keys: tuple[str, ...], scope: Scope, year: int) -> list[Headline]:
    """Headline figures for `year`: value, previous year's value and like-for-like growth per indicator."""
    growths = tuple(f"growth_{key}" for key in keys if f"growth_{key}" in registry.KEYS)
    read_together(cur, (*keys, *growths), scope)  # in a statement or two, not one each
    designated = series(cur, "pilot_cities", scope, years=(year, year))["value"].iloc[0]
    result = []
    for key in keys:
        frame = series(cur, key, scope, years=(year - 1, year)).set_index("year")
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
    return float(series(cur, key, scope, years=(year, year))["value"].iloc[0])


def peer_median(cur: Cursor, key: str, city_code: str, years: tuple[int, int]) -> pd.DataFrame:
    """Median per year over the other cities of the same pilot batch that reported (columns year, value, reporting)."""
    peers = kept("batch_peers", (city_code,), lambda: batch_peers(cur, city_code))
    frame = pilot_series(cur, key, peers, years)
    grouped = frame.groupby("year")["value"]
    return pd.DataFrame({"value": grouped.median(), "reporting": grouped.count()}).reset_index()


@declare(lambda key, year, scope=None: up_to(year))
def ranks(cur: Cursor, key: str, year: int, scope: Scope | None = None) -> pd.DataFrame:
    """Cities ranked by value in `year` (1 = highest) with last year's rank and the move since.

    Columns: city_code, value, rank, previous_rank, rank_change (positive = moved up), ranked (how many).
    Only cities that reported are ranked.
    """
    frame = series(cur, key, scope, per_city=True, years=(year - 1, year))
    wide = frame.pivot(index="city_code", columns="year", values="value")
    out = pd.DataFrame({"value": wide.get(year), "previous": wide.get(year - 1)}, index=wide.index)
    out["rank"] = out["value"].rank(ascending=False, method="min")
    out["previous_rank"] = out["previous"].rank(ascending=False, method="min")
    out["rank_change"] = out["previous_rank"] - out["rank"]
    out["ranked"] = int(out["value"].notna().sum())
    out = out[out["value"].notna()].sort_values(["rank", "value"])
    return out.drop(columns="previous").reset_index()


def leaders(cur: Cursor, key: str, year: int, scope: Scope | None = None, n: int = 5) -> tuple[str, ...]:
    """The first `n` pilots of `ranks` (the highest value first, equal values by code): of a base indicator from
    the year's stored figures, which the year's index reads too, not every pilot's series."""
    ind = registry.get(key)
    if not isinstance(ind, registry.BaseIndicator):
        return tuple(ranks(cur, key, year, scope)["city_code"].head(n))
    chosen = list_cities(cur, scope)
    figures = year_values_kept(cur, year)
    figures = figures[figures["city_code"].isin(set(chosen["city_code"]))]
    value = pd.to_numeric(figures[ind.column], errors="coerce").astype("float64")
    out = pd.DataFrame({"value": value.to_numpy()}, index=pd.Index(figures["city_code"], name="city_code"))
    out = out[out["value"].notna()].sort_index()
    out["rank"] = out["value"].rank(ascending=False, method="min")
    return tuple(out.sort_values(["rank", "value"]).index[:n])


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
    designated = kept("city", (city_code,), lambda: city(cur, city_code))["designated_year"]
    if until < designated:  # the years looked at end before it was a pilot
        return None
    frame = pilot_series(cur, key, (city_code,), (int(designated), until))
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


@declare(lambda city_code, year: up_to(year))
def profile(cur: Cursor, city_code: str, year: int) -> pd.DataFrame:
    """One city's standing on every base indicator in `year`: value, rank among all pilots, move, growth.

    Columns: key, value, rank, ranked, rank_change, since_year, until_year, change_pct, annual_pct.
    """
    read_together(cur, tuple(i.key for i in registry.BASE_INDICATORS), per_city=True)  # in one statement
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

"""The composite index: every pilot designated by a year scored 0–100 on each of a method's indicators, its index
the weighted mean of those scores, its performance group and rank; its index over the years, and what each
indicator contributes to it.

The steps (domain/index_method.py declares the method):
1. each pilot's own value for the year; a ratio (agreements_per_activity) is the pilot's own numerator over its own
   denominator where it reported both and the denominator is above 0, never a sum over pilots;
2. per indicator, over the pilots that reported it: when the population skewness (third central moment over σ³,
   σ the population standard deviation) is above the method's threshold, square roots first;
3. min–max to 0–100 over those pilots (highest 100, lowest 0; all equal, or one pilot alone: 100);
4. a pilot's index: the weighted mean of its scores over the indicators it reported, when those carry at least the
   method's coverage of its total weight (two thirds; by count when the weights are equal), else None (not enough
   data);
5. its group by its index over the mean index of the pilots that have one (domain/index_method.GROUPS), and its
   rank (1 the highest; equal indexes share a rank, the next rank skipped: 1, 2, 2, 4).

The pure functions take frames (a pilot per row, the base indicators' columns), so they can be checked by hand;
`year_index`, `index_table` and `pilot_history` read the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..domain import registry
from ..domain.index_method import DEFAULT_METHOD, Method, covered, group_of
from ..store.cities import list_cities
from ..store.figures import year_values, years_values
from ..store.series import READ_CACHE, year_span
from ..store.transactions import Cursor

DECIMALS = 9  # indexes compared (for ties and groups) to this many decimals, so float noise never splits a tie


@dataclass(frozen=True)
class IndexResult:
    """The index of one year under one method.

    `pilots`: a row per pilot designated by the year, best first (those without an index last, by code): city_code,
    index (NaN: not enough data), relative (index over the mean index), group (a GROUPS key; without an index
    missing, as pd.isna tells), rank (Int64, NA without an index), reported (how many of the method's indicators
    it reported).
    `values`: each pilot's own value per indicator (city_code index, a column per method indicator, NaN where not
    reported); `scores`: the same, normalised to 0–100; `transformed`: the indicators square-root transformed.
    """

    year: int
    method: Method
    pilots: pd.DataFrame
    values: pd.DataFrame
    scores: pd.DataFrame
    transformed: tuple[str, ...]
    mean_index: float | None

    def scores_of(self, city_code: str) -> dict[str, float | None]:
        """One pilot's scores by indicator, None where it reported none."""
        row = self.scores.loc[city_code]
        return {k: None if pd.isna(row[k]) else float(row[k]) for k in self.method.keys}


def own_values(figures: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Each pilot's own value of each indicator (figures: city_code and base columns, a row per pilot): a base
    indicator as reported, a ratio its own numerator over its own denominator where both are reported and the
    denominator is above 0; NaN otherwise. Indexed by city_code, a column per key."""
    frame = figures.set_index("city_code")
    out = pd.DataFrame(index=frame.index)
    for key in keys:
        ind = registry.get(key)
        if isinstance(ind, registry.Ratio):
            num = pd.to_numeric(frame[ind.numerator], errors="coerce").astype(float)
            den = pd.to_numeric(frame[ind.denominator], errors="coerce").astype(float)
            out[key] = (num / den).where(den > 0)
        elif isinstance(ind, registry.BaseIndicator):
            out[key] = pd.to_numeric(frame[key], errors="coerce").astype(float)
        else:
            raise ValueError(f"{key} cannot be an index indicator")
    return out


def skewness(values: pd.Series) -> float | None:
    """The population skewness of the values given (third central moment over σ³, σ the population standard
    deviation); None when σ is 0 (fewer than two different values)."""
    x = values.dropna().to_numpy(dtype=float)
    if len(x) == 0:
        return None
    d = x - x.mean()
    m2 = float(np.mean(d**2))
    if m2 <= 0 or math.isclose(m2, 0.0, abs_tol=1e-18):
        return None
    return float(np.mean(d**3)) / m2**1.5


def normalised(values: pd.Series) -> pd.Series:
    """Min–max to 0–100 over the values given (NaN stays NaN): the highest 100, the lowest 0, all equal 100."""
    low, high = values.min(), values.max()
    if pd.isna(low):
        return values
    if high == low:
        return values.where(values.isna(), 100.0)
    return (values - low) / (high - low) * 100


def scores(values: pd.DataFrame, method: Method) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Each indicator's values normalised to 0–100 over the pilots that reported it, square roots first where they
    are skewed above the method's threshold; and which indicators were transformed."""
    out = pd.DataFrame(index=values.index)
    transformed = []
    for key in method.keys:
        column = values[key]
        skew = skewness(column)
        if skew is not None and skew > method.skew_threshold:
            column = np.sqrt(column)
            transformed.append(key)
        out[key] = normalised(column)
    return out, tuple(transformed)


def competition_ranks(values: pd.Series) -> pd.Series:
    """Ranks, the highest 1, equal values sharing a rank and the next ranks skipped (1, 2, 2, 4); NA for NaN."""
    return values.round(DECIMALS).rank(method="min", ascending=False).astype("Int64")


def indexes(scored: pd.DataFrame, method: Method) -> pd.Series:
    """Each pilot's index from its scores (NaN where not reported): the weighted mean over the indicators it
    reported, NaN when they carry less than the method's coverage of its total weight."""
    weights = np.array([w for _, w in method.weights], dtype=float)
    matrix = scored[list(method.keys)].to_numpy(dtype=float)
    reported = ~np.isnan(matrix)
    have = reported @ weights
    enough = np.array([covered(method, w) for w in have], dtype=bool) & (have > 0)
    total = np.where(reported, matrix, 0.0) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series(np.where(enough, total / have, np.nan), index=scored.index, dtype=float)


def compute_index(figures: pd.DataFrame, method: Method = DEFAULT_METHOD, year: int = 0) -> IndexResult:
    """The index of the pilots in `figures` (city_code and the base columns, a row per pilot designated by the
    year, NaN where not reported) under `method`."""
    values = own_values(figures, method.keys)
    scored, transformed = scores(values, method)
    index = indexes(scored, method)
    mean = float(index.mean()) if index.notna().any() else None
    relative = index / mean if mean else pd.Series(np.nan, index=index.index)
    pilots = pd.DataFrame(
        {
            "city_code": index.index,
            "index": index.to_numpy(),
            "relative": relative.to_numpy(),
            "group": pd.Series(
                [None if pd.isna(r) else group_of(float(r), method.groups).key for r in relative], dtype=object
            ).to_numpy(),
            "rank": competition_ranks(index).array,
            "reported": scored.notna().sum(axis=1).to_numpy(),
        }
    )
    order = pilots.assign(missing=pilots["index"].isna(), neg=-pilots["index"].fillna(0))
    pilots = pilots.loc[order.sort_values(["missing", "neg", "city_code"]).index].reset_index(drop=True)
    return IndexResult(year, method, pilots, values, scored, transformed, mean)


PARTS = ("key", "weight", "value", "score", "reported", "contribution")  # the columns of a breakdown


def breakdown(result: IndexResult, city_code: str) -> pd.DataFrame:
    """One pilot's index as its indicators' contributions: a row per method indicator with key, weight, value (its
    own), score (0–100), reported, and contribution (weight × score over the total weight of the indicators it
    reported; they add up to its index, and are NaN where it reported none or has no index)."""
    scored = result.scores.loc[city_code]
    method = result.method
    reported = [k for k in method.keys if not pd.isna(scored[k])]
    weight = sum(method.weight(k) for k in reported)
    has_index = covered(method, weight) and weight > 0
    rows = []
    for key in method.keys:
        score = scored[key]
        contribution = method.weight(key) * float(score) / weight if has_index and not pd.isna(score) else math.nan
        rows.append({"key": key, "weight": method.weight(key), "value": result.values.at[city_code, key],
                     "score": score, "reported": not pd.isna(score), "contribution": contribution})  # fmt: skip
    return pd.DataFrame(rows, columns=list(PARTS))


def with_movement(result: IndexResult, previous: IndexResult | None) -> pd.DataFrame:
    """The result's pilots with their rank the year before (previous_rank) and rank_change (positive: moved up;
    NA where either year has no rank)."""
    pilots = result.pilots.copy()
    before = previous.pilots.set_index("city_code")["rank"] if previous is not None else pd.Series(dtype="Int64")
    pilots["previous_rank"] = pilots["city_code"].map(before).astype("Int64")
    pilots["rank_change"] = (pilots["previous_rank"] - pilots["rank"]).astype("Int64")
    return pilots


def designated_figures(cities: pd.DataFrame, figures: pd.DataFrame, year: int) -> pd.DataFrame:
    """The figures of a year for every pilot designated by then (a row each, NaN where it has none)."""
    codes = cities.loc[cities["designated_year"] <= year, "city_code"]
    columns = [i.column for i in registry.BASE_INDICATORS]
    frame = figures.set_index("city_code").reindex(codes)[columns]
    return frame.rename_axis("city_code").reset_index()


def _kept(name: str, args: tuple, compute):
    """`compute()`, kept for the data it was read from where the caller keeps reads (the app: series.READ_CACHE);
    the result is shared, so never changed."""
    memo = READ_CACHE.get()
    return compute() if memo is None else memo(name, args, compute)


def year_index(cur: Cursor, year: int, method: Method = DEFAULT_METHOD) -> IndexResult:
    """The index of a year under `method`, for the pilots designated by then, from the stored figures."""

    def compute() -> IndexResult:
        return compute_index(designated_figures(list_cities(cur), year_values(cur, year), year), method, year)

    return _kept("year_index", (year, method), compute)


def index_years(cur: Cursor, method: Method = DEFAULT_METHOD) -> tuple[int, ...]:
    """The years in which some pilot has an index under `method` (it reported enough), newest first: a year whose
    pilots are designated but whose figures have not come in yet has none."""
    table = index_table(cur, method)
    return tuple(sorted({int(y) for y in table.loc[table["index"].notna(), "year"]}, reverse=True))


def index_table(cur: Cursor, method: Method = DEFAULT_METHOD, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """The index of every year (from the data's first year to its last, or `years`): a row per pilot and year with
    year, city_code, index, group, rank, rank_change (on the year before; positive: moved up), in year order. The
    whole span is computed once (where reads are kept) and any years within it served from it."""
    span = year_span(cur)
    whole = _kept("index_table", (method,), lambda: _index_table(cur, method, span))
    if years is None:
        return whole
    return whole[whole["year"].between(*years)].reset_index(drop=True)


def _index_table(cur: Cursor, method: Method, years: tuple[int, int]) -> pd.DataFrame:
    first, last = years
    cities = list_cities(cur)
    figures = years_values(cur, first, last)
    frames = []
    previous: IndexResult | None = None
    for year in range(first, last + 1):
        result = compute_index(designated_figures(cities, figures[figures["year"] == year], year), method, year)
        frames.append(with_movement(result, previous).assign(year=year))
        previous = result
    if not frames:
        return pd.DataFrame(columns=["year", "city_code", "index", "group", "rank", "rank_change"])
    table = pd.concat(frames, ignore_index=True)
    return table[["year", "city_code", "index", "group", "rank", "rank_change"]]


def pilot_history(cur: Cursor, city_code: str, method: Method = DEFAULT_METHOD) -> pd.DataFrame:
    """One pilot's index over the years since its designation: year, index, group, rank, rank_change."""
    table = index_table(cur, method)
    return table[table["city_code"] == city_code].drop(columns="city_code").reset_index(drop=True)

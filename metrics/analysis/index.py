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
from ..domain.index_method import DEFAULT_METHOD, Group, Method, covered, group_of
from ..store.cities import list_cities
from ..store.figures import year_values, years_values
from ..store.reads import Reads, declare_kept, kept
from ..store.series import year_span
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
    return pd.DataFrame(_own_matrix(frame, keys), index=frame.index, columns=list(keys))


def _own_matrix(frame: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    """own_values as a float matrix, a row per row of `frame` (its base columns) and a column per key."""
    out = np.empty((len(frame), len(keys)), dtype=float)
    for j, key in enumerate(keys):
        ind = registry.get(key)
        if isinstance(ind, registry.Ratio):
            num, den = _numbers(frame[ind.numerator]), _numbers(frame[ind.denominator])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, j] = np.where(den > 0, num / den, np.nan)
        elif isinstance(ind, registry.BaseIndicator):
            out[:, j] = _numbers(frame[key])
        else:
            raise ValueError(f"{key} cannot be an index indicator")
    return out


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").astype(float).to_numpy()


def skewness(values: pd.Series) -> float | None:
    """The population skewness of the values given (third central moment over σ³, σ the population standard
    deviation); None when σ is 0 (fewer than two different values)."""
    return _skewness(values.dropna().to_numpy(dtype=float))


def _skewness(x: np.ndarray) -> float | None:
    """skewness of values without NaN."""
    if len(x) == 0:
        return None
    d = x - x.mean()
    squared = d * d
    m2 = float(np.mean(squared))
    if m2 <= 0 or math.isclose(m2, 0.0, abs_tol=1e-18):
        return None
    return float(np.mean(squared * d)) / m2**1.5  # d * d * d: d**3 goes through pow(), a hundred times slower


def normalised(values: pd.Series) -> pd.Series:
    """Min–max to 0–100 over the values given (NaN stays NaN): the highest 100, the lowest 0, all equal 100."""
    return pd.Series(_normalised(values.to_numpy(dtype=float)), index=values.index, name=values.name)


def _normalised(x: np.ndarray) -> np.ndarray:
    """normalised, of a float array."""
    seen = ~np.isnan(x)
    if not seen.any():
        return x
    low, high = x[seen].min(), x[seen].max()
    if high == low:
        return np.where(seen, 100.0, x)
    return (x - low) / (high - low) * 100


def scores(values: pd.DataFrame, method: Method) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Each indicator's values normalised to 0–100 over the pilots that reported it, square roots first where they
    are skewed above the method's threshold; and which indicators were transformed."""
    scored, transformed = _scores(values[list(method.keys)].to_numpy(dtype=float), method)
    return pd.DataFrame(scored, index=values.index, columns=list(method.keys)), transformed


def _scores(values: np.ndarray, method: Method) -> tuple[np.ndarray, tuple[str, ...]]:
    """scores, of a float matrix (a column per method indicator)."""
    out = np.empty(values.shape, order="F")  # laid out as a frame's columns are (see _indexes)
    transformed = []
    for j, key in enumerate(method.keys):
        column = values[:, j]
        skew = _skewness(column[~np.isnan(column)])
        if skew is not None and skew > method.skew_threshold:
            column = np.sqrt(column)
            transformed.append(key)
        out[:, j] = _normalised(column)
    return out, tuple(transformed)


def competition_ranks(values: pd.Series) -> pd.Series:
    """Ranks, the highest 1, equal values sharing a rank and the next ranks skipped (1, 2, 2, 4); NA for NaN."""
    return values.round(DECIMALS).rank(method="min", ascending=False).astype("Int64")


def indexes(scored: pd.DataFrame, method: Method) -> pd.Series:
    """Each pilot's index from its scores (NaN where not reported): the weighted mean over the indicators it
    reported, NaN when they carry less than the method's coverage of its total weight."""
    return pd.Series(_indexes(scored[list(method.keys)].to_numpy(dtype=float), method), index=scored.index, dtype=float)


def _indexes(matrix: np.ndarray, method: Method) -> np.ndarray:
    """indexes, of a float matrix of scores (a column per method indicator)."""
    weights = np.array([w for _, w in method.weights], dtype=float)
    # column-major, as a frame built column by column hands it over: the products below then add in the same order
    # and give the same floats to the last bit
    matrix = np.asfortranarray(matrix)
    reported = ~np.isnan(matrix)
    have = reported @ weights
    levels, at = np.unique(have, return_inverse=True)  # few distinct weights reported: each judged once
    enough = np.array([covered(method, w) for w in levels], dtype=bool)[at.reshape(-1)] & (have > 0)
    total = np.where(reported, matrix, 0.0) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(enough, total / have, np.nan)


def _groups(relative: np.ndarray, groups: tuple[Group, ...]) -> np.ndarray:
    """group_of's key for each relative index (None for NaN). Compared to nine decimals, a value can only land in
    another group within rounding distance of a bound: those go through group_of one by one, the rest in arrays."""
    out = np.full(len(relative), None, dtype=object)
    known = ~np.isnan(relative)
    bounds = np.array([g.bound for g in groups if math.isfinite(g.bound)], dtype=float)
    near = known & (np.abs(relative[:, None] - bounds[None, :]) < 1e-6).any(axis=1)
    left = known & ~near
    for g in groups:
        hit = left & (relative > g.bound if g.strict else relative >= g.bound)
        out[hit] = g.key
        left &= ~hit
    for i in np.flatnonzero(near | left):  # near a bound, or in no group (group_of says why)
        out[i] = group_of(float(relative[i]), groups).key
    return out


@dataclass(frozen=True)
class _Year:
    """One year's index as arrays, a row per pilot in the order given; `order` puts them best first."""

    scores: np.ndarray
    transformed: tuple[str, ...]
    index: np.ndarray
    mean: float | None
    relative: np.ndarray
    group: np.ndarray
    rank: pd.api.extensions.ExtensionArray
    reported: np.ndarray
    order: np.ndarray


def _year(values: np.ndarray, codes: pd.Index, method: Method) -> _Year:
    """The index of pilots whose own values (a column per method indicator) are `values`, `codes` their codes."""
    scored, transformed = _scores(values, method)
    index = _indexes(scored, method)
    series = pd.Series(index, dtype=float)
    mean = float(series.mean()) if series.notna().any() else None
    relative = index / mean if mean else np.full(len(index), np.nan)
    missing = np.isnan(index)
    order = np.lexsort((np.asarray(codes, dtype=str), -np.where(missing, 0.0, index), missing))
    return _Year(scored, transformed, index, mean, relative, _groups(relative, method.groups),
                 competition_ranks(series).array, (~np.isnan(scored)).sum(axis=1), order)  # fmt: skip


def compute_index(figures: pd.DataFrame, method: Method = DEFAULT_METHOD, year: int = 0) -> IndexResult:
    """The index of the pilots in `figures` (city_code and the base columns, a row per pilot designated by the
    year, NaN where not reported) under `method`."""
    frame = figures.set_index("city_code")
    values = _own_matrix(frame, method.keys)
    found = _year(values, frame.index, method)
    pilots = pd.DataFrame({"city_code": frame.index, "index": found.index, "relative": found.relative,
                           "group": found.group, "rank": found.rank, "reported": found.reported})  # fmt: skip
    pilots = pilots.take(found.order).reset_index(drop=True)
    keys = list(method.keys)
    values_frame = pd.DataFrame(values, index=frame.index, columns=keys)
    scores_frame = pd.DataFrame(found.scores, index=frame.index, columns=keys)
    return IndexResult(year, method, pilots, values_frame, scores_frame, found.transformed, found.mean)


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


def year_values_kept(cur: Cursor, year: int) -> pd.DataFrame:
    """A year's stored figures (year_values), read once where reads are kept: the index and the targets ask."""
    return kept("year_values", (year,), lambda: year_values(cur, year))


declare_kept("year_values", lambda year: Reads(frozenset(registry.VALUE_TABLES), (year, year)))


def year_index(cur: Cursor, year: int, method: Method = DEFAULT_METHOD) -> IndexResult:
    """The index of a year under `method`, for the pilots designated by then, from the stored figures."""

    def compute() -> IndexResult:
        return compute_index(designated_figures(list_cities(cur), year_values_kept(cur, year), year), method, year)

    return kept("year_index", (year, method), compute)


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
    whole = kept("index_table", (method,), lambda: _index_table(cur, method, span))
    if years is None:
        return whole
    return whole[whole["year"].between(*years)].reset_index(drop=True)


def _index_table(cur: Cursor, method: Method, years: tuple[int, int]) -> pd.DataFrame:
    first, last = years
    cities = list_cities(cur)
    figures = years_values(cur, first, last)
    codes = cities["city_code"]
    where = pd.Index(codes).get_indexer(figures["city_code"])  # each figures row's pilot, by position
    own = _own_matrix(figures, method.keys)
    figure_years = figures["year"].to_numpy()
    rows, indexes, groups, ranks, before = [], [], [], [], []
    previous = np.full(len(codes), np.nan)  # each pilot's rank the year before (NaN: none)
    for year in range(first, last + 1):
        here = np.flatnonzero((cities["designated_year"] <= year).to_numpy())
        grid = np.full((len(codes), len(method.keys)), np.nan)
        mine = (figure_years == year) & (where >= 0)
        grid[where[mine]] = own[mine]
        found = _year(grid[here], codes.take(here), method)
        rank = found.rank.to_numpy(dtype=float, na_value=np.nan)
        order = found.order
        rows.append(here[order])
        indexes.append(found.index[order])
        groups.append(found.group[order])
        ranks.append(rank[order])
        before.append(previous[here][order])
        previous = np.full(len(codes), np.nan)
        previous[here] = rank
    if not rows:
        return pd.DataFrame(columns=["year", "city_code", "index", "group", "rank", "rank_change"])
    rank = np.concatenate(ranks)
    return pd.DataFrame(
        {
            "year": np.repeat(np.arange(first, last + 1, dtype=np.int64), [len(r) for r in rows]),
            "city_code": codes.take(np.concatenate(rows)).reset_index(drop=True),
            "index": np.concatenate(indexes),
            "group": np.concatenate(groups),
            "rank": pd.array(rank, dtype="Int64"),
            "rank_change": pd.array(np.concatenate(before) - rank, dtype="Int64"),
        }
    )


def pilot_history(cur: Cursor, city_code: str, method: Method = DEFAULT_METHOD) -> pd.DataFrame:
    """One pilot's index over the years since its designation: year, index, group, rank, rank_change."""
    table = index_table(cur, method)
    return table[table["city_code"] == city_code].drop(columns="city_code").reset_index(drop=True)

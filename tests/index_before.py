"""The composite index as it was computed before it worked on arrays (a year at a time, in pandas): the reference
that tests/test_index_arrays.py holds the array computation to, value for value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics.analysis.index import IndexResult, competition_ranks
from metrics.domain import registry
from metrics.domain.index_method import Method, covered, group_of


def own_values(figures: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Each pilot's own value of each indicator, a column at a time."""
    frame = figures.set_index("city_code")
    out = pd.DataFrame(index=frame.index)
    for key in keys:
        ind = registry.get(key)
        if isinstance(ind, registry.Ratio):
            num = pd.to_numeric(frame[ind.numerator], errors="coerce").astype(float)
            den = pd.to_numeric(frame[ind.denominator], errors="coerce").astype(float)
            out[key] = (num / den).where(den > 0)
        else:
            out[key] = pd.to_numeric(frame[key], errors="coerce").astype(float)
    return out


def skewness(values: pd.Series) -> float | None:
    """The population skewness, None when σ is 0."""
    x = values.dropna().to_numpy(dtype=float)
    if len(x) == 0:
        return None
    d = x - x.mean()
    m2 = float(np.mean(d**2))
    if m2 <= 0 or math.isclose(m2, 0.0, abs_tol=1e-18):
        return None
    return float(np.mean(d**3)) / m2**1.5


def normalised(values: pd.Series) -> pd.Series:
    """Min–max to 0–100."""
    low, high = values.min(), values.max()
    if pd.isna(low):
        return values
    if high == low:
        return values.where(values.isna(), 100.0)
    return (values - low) / (high - low) * 100


def scores(values: pd.DataFrame, method: Method) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Each indicator's scores, square roots first where skewed."""
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


def indexes(scored: pd.DataFrame, method: Method) -> pd.Series:
    """Each pilot's index, coverage judged pilot by pilot."""
    weights = np.array([w for _, w in method.weights], dtype=float)
    matrix = scored[list(method.keys)].to_numpy(dtype=float)
    reported = ~np.isnan(matrix)
    have = reported @ weights
    enough = np.array([covered(method, w) for w in have], dtype=bool) & (have > 0)
    total = np.where(reported, matrix, 0.0) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series(np.where(enough, total / have, np.nan), index=scored.index, dtype=float)


def compute_index(figures: pd.DataFrame, method: Method, year: int = 0) -> IndexResult:
    """The index of one year, in pandas."""
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


def with_movement(result: IndexResult, previous: IndexResult | None) -> pd.DataFrame:
    """The pilots with their rank the year before and the move."""
    pilots = result.pilots.copy()
    before = previous.pilots.set_index("city_code")["rank"] if previous is not None else pd.Series(dtype="Int64")
    pilots["previous_rank"] = pilots["city_code"].map(before).astype("Int64")
    pilots["rank_change"] = (pilots["previous_rank"] - pilots["rank"]).astype("Int64")
    return pilots


def designated_figures(cities: pd.DataFrame, figures: pd.DataFrame, year: int) -> pd.DataFrame:
    """The figures of a year for every pilot designated by then."""
    codes = cities.loc[cities["designated_year"] <= year, "city_code"]
    columns = [i.column for i in registry.BASE_INDICATORS]
    frame = figures.set_index("city_code").reindex(codes)[columns]
    return frame.rename_axis("city_code").reset_index()


def index_table(cities: pd.DataFrame, figures: pd.DataFrame, method: Method, first: int, last: int) -> pd.DataFrame:
    """The index of every year, a year at a time."""
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

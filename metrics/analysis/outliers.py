"""Outliers among a year's figures: each pilot's value of each base indicator against the pilot's own recent years
and against the other pilots of that year, by the modified z-score on the median and the MAD (Iglewicz and
Hoaglin), flows on a log scale (log1p) so that growth is judged as a ratio. Vectorised over the year's frame."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..domain import registry

REASONS = ("own_history", "peers", "rule")
K = 0.6745  # the 0.75 quantile of the standard normal: makes the MAD comparable with a standard deviation


@dataclass(frozen=True)
class Thresholds:
    """When a value is an outlier: the cut-off, how much to compare it with, and the least spread assumed."""

    z: float = 3.5  # |modified z| above this is flagged (Iglewicz and Hoaglin's recommendation)
    history_years: int = 5  # the pilot's own years before the one checked that it is compared with
    min_history: int = 3  # fewer reported years before it: no own-history check
    min_peers: int = 8  # fewer pilots reporting the indicator that year: no peers check
    # The least spread a reference may have, so that a MAD of 0 (a pilot reporting 12 every year, or most pilots
    # reporting 0) never divides by zero nor makes every small change an outlier. On the log scale 0.3 lets a
    # tripling through against a flat history (z = 0.6745 · ln 3 / 0.3 ≈ 2.5) and flags a fivefold jump (≈ 4.0).
    log_floor: float = 0.3
    share_floor: float = 0.1  # on the plain scale (stocks): a tenth of the median, and at least
    unit_floor: float = 1.0  # one unit


THRESHOLDS = Thresholds()
FLOWS = frozenset(i.key for i in registry.BASE_INDICATORS if i.kind == "flow")
COLUMNS = ["city_code", "year", "indicator", "reason", "value", "z", "reference", "n"]


def modified_z(
    values: np.ndarray | pd.Series, median: np.ndarray | pd.Series | float, mad: np.ndarray | pd.Series | float
):
    """The modified z-score 0.6745 · (x − median) / MAD (NaN where the MAD is 0 or missing)."""
    mad = np.asarray(mad, dtype="float64")
    safe = np.where(mad > 0, mad, np.nan)
    return K * (np.asarray(values, dtype="float64") - np.asarray(median, dtype="float64")) / safe


def spread(mad: np.ndarray, median: np.ndarray, log: np.ndarray, t: Thresholds = THRESHOLDS) -> np.ndarray:
    """The MAD, never below the floor of its scale (see Thresholds)."""
    floor = np.where(log, t.log_floor, np.maximum(t.share_floor * np.abs(median), t.unit_floor))
    return np.maximum(np.nan_to_num(np.asarray(mad, dtype="float64")), floor)


def long_values(figures: pd.DataFrame) -> pd.DataFrame:
    """The figures (city_code, year, one column per base key) as one row per reported value: city_code, year,
    indicator, value, and `scaled` (log1p for flows)."""
    keys = [i.key for i in registry.BASE_INDICATORS if i.key in figures]
    long = figures.melt(id_vars=["city_code", "year"], value_vars=keys, var_name="indicator", value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype("float64")
    long = long.dropna(subset=["value"]).reset_index(drop=True)
    long["log"] = long["indicator"].isin(FLOWS).to_numpy()
    long["scaled"] = np.where(long["log"], np.log1p(long["value"].clip(lower=0)), long["value"])
    return long


def _unscaled(scaled: pd.Series, log: pd.Series) -> np.ndarray:
    logged = np.asarray(log, dtype=bool)
    values = np.asarray(scaled, dtype="float64")
    return np.where(logged, np.expm1(np.where(logged, values, 0.0)), values)


def peer_outliers(figures: pd.DataFrame, year: int, t: Thresholds = THRESHOLDS, last: int | None = None
                  ) -> pd.DataFrame:  # fmt: skip
    """The values of `year` (or of each year from `year` to `last`) that stand out from every pilot's of the year,
    as `outliers` gives them (reason `peers`), unsorted."""
    last = year if last is None else last
    return _against_peers(long_values(figures[figures["year"].between(year, last)]).reset_index(drop=True), t)


def outliers(figures: pd.DataFrame, year: int, t: Thresholds = THRESHOLDS, cities: Collection[str] | None = None,
             last: int | None = None, peers: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """The values of `year` (or of each year from `year` to `last`) that stand out from the pilot's own years before
    it or from the other pilots of the year: city_code, year, indicator, reason (own_history | peers), value, z,
    reference (the median compared with, in the indicator's unit), n (how many values that median is of). With
    `cities`, only theirs (still against every pilot of the year: the others' own histories are then left unread).
    `peers`: peer_outliers of the same figures, years and thresholds, when the caller has them."""
    last = year if last is None else last
    peers = peer_outliers(figures, year, t, last) if peers is None else peers
    if cities is not None:  # only the cities' values are judged against their own years
        peers = peers[peers["city_code"].isin(list(cities))]
        figures = figures[figures["city_code"].isin(list(cities))]
    now = long_values(figures[figures["year"].between(year, last)]).reset_index(drop=True)
    found = [peers, _against_history(now, long_values(figures[figures["year"] < last]), t)]
    out = pd.concat([f for f in found if not f.empty] or [pd.DataFrame(columns=COLUMNS)], ignore_index=True)
    types = {"year": "int64", "value": "float64", "z": "float64", "reference": "float64", "n": "int64"}
    out = out[COLUMNS].astype(types)
    return out.sort_values(["year", "city_code", "indicator", "reason"], ignore_index=True)


def _flagged(now: pd.DataFrame, median: pd.Series, mad: pd.Series, n: pd.Series, enough: pd.Series, reason: str,
             t: Thresholds) -> pd.DataFrame:  # fmt: skip
    z = K * (now["scaled"] - median) / spread(mad.to_numpy(), median.to_numpy(), now["log"].to_numpy(), t)
    mask = (enough & (z.abs() > t.z)).to_numpy()
    picked = now[mask]
    return pd.DataFrame(
        {
            "city_code": picked["city_code"].to_numpy(),
            "year": picked["year"].to_numpy(),
            "indicator": picked["indicator"].to_numpy(),
            "reason": reason,
            "value": picked["value"].to_numpy(),
            "z": z[mask].to_numpy(),
            "reference": _unscaled(median[mask], picked["log"]),
            "n": n[mask].astype("int64").to_numpy(),
        }
    )


def _against_peers(now: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    """Each value against the same indicator's values of every pilot that year."""
    keys = [now["year"], now["indicator"]]
    by = now["scaled"].groupby(keys)
    median = by.transform("median")
    mad = (now["scaled"] - median).abs().groupby(keys).transform("median")
    n = by.transform("count")
    return _flagged(now, median, mad, n, n >= t.min_peers, "peers", t)


CHUNK = 50_000  # values judged against their own history at once (each paired with up to history_years before)


def _against_history(now: pd.DataFrame, long: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    """Each value against the same pilot's values of the indicator in the years before its own (at most
    history_years): every year at once, or year by year when there are many values (the pairs stay small)."""
    if len(now) <= CHUNK:
        return _history_of(now, long, t)
    found = [_history_of(now[now["year"] == y].reset_index(drop=True), long, t) for y in sorted(set(now["year"]))]
    return pd.concat(found, ignore_index=True)


def _history_of(now: pd.DataFrame, long: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    keys = ["city_code", "indicator", "year"]
    past = long[["city_code", "indicator", "year", "scaled"]].rename(columns={"year": "past"})
    pairs = now[keys].merge(past, on=["city_code", "indicator"])
    pairs = pairs[(pairs["past"] < pairs["year"]) & (pairs["past"] >= pairs["year"] - t.history_years)]
    median = pairs.groupby(keys)["scaled"].transform("median")
    pairs = pairs.assign(median=median, dev=(pairs["scaled"] - median).abs())
    stats = pairs.groupby(keys).agg(median=("median", "first"), mad=("dev", "median"), n=("scaled", "count"))
    joined = now.merge(stats.reset_index(), on=keys, how="left")
    n = joined["n"].fillna(0)
    return _flagged(joined, joined["median"], joined["mad"], n, n >= t.min_history, "own_history", t)

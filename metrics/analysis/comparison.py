"""Several pilots side by side: values, changes on the year before, an index to a base year, or shares of the
programme total; and every pilot at its coordinates for the map."""

from __future__ import annotations

import pandas as pd

from ..domain.programme import REGION_NAMES, Scope
from ..store.cities import list_cities
from ..store.series import pilot_series, series
from ..store.transactions import Cursor

COMPARE_MODES = ("absolute", "change", "indexed", "share")


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
    frame = pilot_series(cur, key, city_codes, (first, hi))
    if mode == "change":
        frame["value"] = frame.groupby("city_code")["value"].diff()
        frame = frame[frame["year"] >= lo]
        changed = frame.loc[frame["value"].notna(), "year"]  # the years before any change (the programme's first
        frame = frame[frame["year"] >= (changed.min() if len(changed) else lo)]  # year) would only be blank space
    elif mode == "indexed":
        base = frame[frame["year"] == (base_year or lo)].set_index("city_code")["value"]
        frame["value"] = frame["value"] / frame["city_code"].map(base).where(lambda b: b > 0) * 100
    elif mode == "share":
        total = series(cur, key, years=(lo, hi)).set_index("year")["value"]
        frame["value"] = frame["value"] / frame["year"].map(total).where(lambda t: t > 0) * 100
    return frame.reset_index(drop=True)


def map_points(cur: Cursor, key: str, year: int, scope: Scope | None, lang: str) -> pd.DataFrame:
    """Every pilot designated by `year` with its coordinates, value and region (for charts.point_map).

    Columns: city_code, name, lon, lat, value (NaN = not reported), region, region_label.
    """
    cities = list_cities(cur, scope)
    cities = cities[cities["designated_year"] <= year]
    values = series(cur, key, scope, per_city=True, years=(year, year))  # the pilots in scope, designated or not
    out = cities.merge(values[["city_code", "value"]], on="city_code", how="left")
    out["name"] = out[f"name_{lang}"]
    out["region_label"] = out["region"].map({key: name(lang) for key, name in REGION_NAMES.items()})
    return out[["city_code", "name", "lon", "lat", "value", "region", "region_label"]]

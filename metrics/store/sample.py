"""The built-in sample: 65 real pilot cities and parks with illustrative yearly figures.

Generated deterministically (every random draw is seeded by city, year and column, so adding a year never
changes earlier ones). The 2014-2016 programme totals are calibrated to equal CAST's published figures exactly;
later years follow each city's own size and trend, with a programme-wide dip in 2020-2022.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..domain import registry

CITIES_CSV = Path(__file__).resolve().parents[2] / "data" / "sample_cities.csv"
EVENTS_CSV = Path(__file__).resolve().parents[2] / "data" / "sample_events.csv"
SEED = "pilot-cities-sample-v1"
MAX_SCALE = 100  # copies of each unit the scale generator can name (two-digit suffixes of the codes)

# CAST's published programme figures (data/README.md): sums over 2014-2016, and the talent pool at the end of 2016.
CALIBRATION_YEARS = (2014, 2015, 2016)
PUBLISHED_TOTALS = {"activities": 432, "agreements": 1984, "stations_founded": 1331, "subcenters_founded": 10}
TALENT_POOL_2016 = 10_268  # "a talent tank of over 10,000 experts"

# The release the sample ships (store/creation.py publishes it as `init` loads the sample): its name is shown as it is
# in both languages, so it reads as a Chinese name with the year; its note says what it is in both.
RELEASE_NAME = "{year}年度数据（样例）"
RELEASE_NOTE = (
    "示例数据：随仪表板附带的演示数据（{first}—{year}年），并非真实统计。 / Sample data shipped with the dashboard "
    "({first}–{year}), for trying it out: not real statistics."
)
RELEASE_BY = "init"

# Relative size of each unit (3 = largest centres); unlisted units are 1.
_TIER = {
    **dict.fromkeys(
        ["440300", "330100", "420100", "510100", "320100", "440100", "500000", "610100", "320500", "120000", "P0001"], 3
    ),
    **dict.fromkeys(
        [
            "330200",
            "370200",
            "430100",
            "210100",
            "340100",
            "410100",
            "350200",
            "370100",
            "210200",
            "230100",
            "530100",
            "320200",
            "350100",
            "220100",
            "440600",
            "441900",
            "P0002",
            "P0003",
            "P0004",
        ],
        2,
    ),
}
_TIER_SIZE = {1: 0.6, 2: 1.0, 3: 1.7}

# Programme-wide momentum of matching activities: growth, the 2020-2022 pandemic dip, recovery.
_MOMENTUM = {
    2014: 1.0,
    2015: 1.05,
    2016: 1.1,
    2017: 1.15,
    2018: 1.18,
    2019: 1.24,
    2020: 0.62,
    2021: 0.9,
    2022: 0.78,
    2023: 1.18,
    2024: 1.27,
    2025: 1.32,
}
# By years since designation (the last entry holds from then on): cities ramp up their activities;
# service stations are founded mostly early on.
_ACTIVITY_RAMP = (0.45, 0.75, 0.9, 1.0)
_STATION_RAMP = (1.0, 0.9, 0.7, 0.55, 0.45)


def last_full_year(today: date | None = None) -> int:
    """The latest calendar year that has ended."""
    return (today or date.today()).year - 1


def load_cities() -> pd.DataFrame:
    """The 65 sample pilot cities and parks (real codes, names, provinces and coordinates)."""
    return pd.read_csv(CITIES_CSV, dtype={"city_code": str}, encoding="utf-8")


def load_events() -> pd.DataFrame:
    """The sample programme events (columns event_date as dates, title_zh, title_en), in an events upload's format."""
    frame = pd.read_csv(EVENTS_CSV, dtype=str, encoding="utf-8")
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d").dt.date
    return pd.DataFrame({"event_date": dates, "title_zh": frame["title_zh"], "title_en": frame["title_en"]})


def _rng(*parts) -> random.Random:
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def _noise(sigma: float, *parts) -> float:
    return _rng(*parts).lognormvariate(0.0, sigma)


def _momentum(year: int) -> float:
    return _MOMENTUM.get(year, _MOMENTUM[max(_MOMENTUM)] * 1.03 ** (year - max(_MOMENTUM)))


def _ramp(ramp: tuple[float, ...], age: int) -> float:
    return ramp[min(age, len(ramp) - 1)]


def _apportion(total: int, weights: dict) -> dict:
    """Integers proportional to weights that add up to total exactly (largest remainder; ties by key)."""
    weight_sum = sum(weights.values())
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    result = {k: math.floor(v) for k, v in exact.items()}
    short = total - sum(result.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - result[k]), k))[:short]:
        result[k] += 1
    return result


def _calibrated(raw: dict, reported: set, target: int | None, *, key: str, stochastic: bool = False) -> dict:
    """Integer values from raw ones: calibration-year reported cells add up to target; others keep the scale."""
    calib = {k: v for k, v in raw.items() if k in reported and k[1] in CALIBRATION_YEARS}
    scale = target / sum(calib.values()) if target is not None else 1.0
    out = {}
    for k, v in raw.items():
        x = v * scale
        if stochastic:  # small counts: round up with the probability of the fraction
            out[k] = math.floor(x) + (_rng(key, "round", *k).random() < x - math.floor(x))
        else:
            out[k] = round(x)
    if target is not None:
        out.update(_apportion(target, calib))
    return out


def generate(end_year: int | None = None, scale: int = 1) -> dict[str, pd.DataFrame]:
    """The sample as frames: 'cities', one frame per value table and 'targets', years 2014 to end_year.

    With scale N > 1, N x 65 units: the sample itself plus N - 1 synthetic copies of every unit (see `scaled`).
    """
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be from 1 to {MAX_SCALE}, not {scale}")
    frames = _generate(end_year or last_full_year())
    frames = scaled(frames, scale) if scale > 1 else frames
    frames["targets"] = sample_targets(frames)
    return frames


def _generate(end_year: int) -> dict[str, pd.DataFrame]:
    cities = load_cities()
    cells = [
        (code, year)
        for code, designated in zip(cities.city_code, cities.designated_year, strict=True)
        for year in range(int(designated), end_year + 1)
    ]
    designated = dict(zip(cities.city_code, cities.designated_year.astype(int), strict=True))
    profile = {code: _profile(code) for code in cities.city_code}
    late = {code for code in cities.city_code if _rng(code, "late").random() < 0.08}

    def gap(table: str, code: str, year: int, p: float = 0.04) -> bool:
        if year == end_year and code in late:
            return True  # has not sent the latest year's figures yet
        return _rng(code, year, table, "gap").random() < p

    reported = {t: {c for c in cells if not gap(t, *c)} for t in registry.VALUE_TABLES}

    def age(c):
        return c[1] - designated[c[0]]

    raw_act = {
        c: profile[c[0]]["size"]
        * _ramp(_ACTIVITY_RAMP, age(c))
        * (1 + profile[c[0]]["trend"]) ** age(c)
        * _momentum(c[1])
        * _noise(0.18, *c, "activities")
        for c in cells
    }
    act = _calibrated(raw_act, reported["matching_activities"], PUBLISHED_TOTALS["activities"], key="activities")

    raw_agr = {
        c: act[c] * 4.6 * profile[c[0]]["conversion"] * (1 + 0.02 * age(c)) * _noise(0.2, *c, "agreements")
        for c in cells
    }
    agr = _calibrated(raw_agr, reported["agreements"], PUBLISHED_TOTALS["agreements"], key="agreements")

    raw_st = {
        c: profile[c[0]]["size"] ** 0.8
        * profile[c[0]]["stations"]
        * _ramp(_STATION_RAMP, age(c))
        * _noise(0.25, *c, "stations")
        for c in cells
    }
    st = _calibrated(raw_st, reported["service_stations"], PUBLISHED_TOTALS["stations_founded"], key="stations")

    raw_sub = {c: profile[c[0]]["size"] ** 2 * _noise(0.3, *c, "subcenters") for c in cells}
    sub = _calibrated(
        raw_sub,
        reported["service_stations"],
        PUBLISHED_TOTALS["subcenters_founded"],
        key="subcenters",
        stochastic=True,
    )

    raw_pool = {
        c: profile[c[0]]["pool"] * (1 + profile[c[0]]["pool_growth"]) ** age(c) * _noise(0.03, *c, "pool")
        for c in cells
    }
    pool_2016 = {c for c in reported["experts"] if c[1] == 2016}
    pool_scale = TALENT_POOL_2016 / sum(raw_pool[c] for c in pool_2016)
    pool = {c: round(v * pool_scale) for c, v in raw_pool.items()}
    pool.update(_apportion(TALENT_POOL_2016, {c: raw_pool[c] for c in pool_2016}))

    def maybe(value, c, column, p):
        return None if _rng(*c, column, "missing").random() < p else value

    # How each base indicator's value of a reported cell is drawn, by its key; one the registry adds later is drawn
    # in proportion to the cell's matching activities until it is given a recipe of its own.
    recipes: dict[str, Callable[[tuple[str, int]], float | int | None]] = {
        "activities": lambda c: act[c],
        "experts_participating": lambda c: maybe(round(act[c] * 14 * _noise(0.25, *c, "experts")), c, "experts", 0.07),
        "enterprises_participating": lambda c: round(act[c] * 6.5 * _noise(0.25, *c, "enterprises")),
        "agreements": lambda c: agr[c],
        "contract_value_10k_cny": lambda c: (
            round(agr[c] * profile[c[0]]["value_per_agreement"] * 1.05 ** age(c) * _noise(0.3, *c, "value"), 2)
            if profile[c[0]]["reports_value"]
            else None
        ),
        "stations_founded": lambda c: st[c],
        "subcenters_founded": lambda c: sub[c],
        "experts_in_pool": lambda c: pool[c],
    }

    def drawn(ind: registry.BaseIndicator) -> Callable[[tuple[str, int]], float | int | None]:
        digits = 0 if ind.sql_type == "INTEGER" else 2
        return recipes.get(ind.key) or (lambda c: round(act[c] * _noise(0.25, *c, ind.key), digits))

    rows: dict[str, list[dict]] = {t: [] for t in registry.VALUE_TABLES}
    for c in cells:
        for table in registry.VALUE_TABLES:
            if c in reported[table]:
                values = {ind.column: drawn(ind)(c) for ind in registry.columns_of(table)}
                rows[table].append({"city_code": c[0], "year": c[1], **values})

    frames = {"cities": cities}
    for table, table_rows in rows.items():
        frame = pd.DataFrame(table_rows)
        for ind in registry.columns_of(table):
            frame[ind.column] = frame[ind.column].astype("Int64" if ind.sql_type == "INTEGER" else "Float64")
        frames[table] = frame
    return frames


# The indicators the sample sets targets for, and how a pilot's year went against them: (share of pilot-years,
# the range its achievement is drawn from). Each indicator's achievement varies a little around the year's.
TARGET_KEYS = ("activities", "agreements", "contract_value_10k_cny", "stations_founded", "experts_in_pool")
_OUTCOMES = ((0.45, (1.08, 1.35)), (0.30, (0.83, 0.99)), (0.25, (0.50, 0.76)))
_TARGET_ROUNDING = {"contract_value_10k_cny": 10, "experts_in_pool": 10}  # targets are set in round numbers


def sample_targets(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Illustrative targets for every pilot from its designation year on (columns city_code, year, indicator,
    target): the year's actual over a drawn achievement (so that some pilots clearly meet theirs, some nearly do and
    some miss), or where the year is not reported, the last reported year's actual grown by a tenth; none for an
    indicator never reported, or reported as 0. Deterministic: drawn per pilot and year, never from later years."""
    actual: dict[str, dict[tuple[str, int], float]] = {}
    for key in TARGET_KEYS:
        frame = frames[registry.base(key).table]
        known = frame[frame[key].notna()]
        actual[key] = dict(zip(zip(known["city_code"], known["year"].astype(int), strict=True),
                               known[key].astype(float), strict=True))  # fmt: skip
    end_year = max(int(frame["year"].max()) for name, frame in frames.items() if name in registry.VALUE_TABLES)
    rows = []
    cities = frames["cities"]
    for code, designated in zip(cities["city_code"], cities["designated_year"].astype(int), strict=True):
        last: dict[str, float] = {}
        for year in range(designated, end_year + 1):
            r = _rng(code, year, "target")
            pick, level = r.random(), None
            for share, (low, high) in _OUTCOMES:
                if pick < share:
                    level = r.uniform(low, high)
                    break
                pick -= share
            for key in TARGET_KEYS:
                noise = r.lognormvariate(0.0, 0.04)
                value = actual[key].get((code, year))
                if value is not None:
                    base = value / ((level or 1.0) * noise)
                    last[key] = value
                elif key in last:
                    base = last[key] * 1.1
                else:
                    continue
                if base <= 0:
                    continue
                step = _TARGET_ROUNDING.get(key, 1)
                rows.append((code, year, key, float(max(step, round(base / step) * step))))
    return pd.DataFrame(rows, columns=["city_code", "year", "indicator", "target"])


def _profile(code: str) -> dict:
    """A unit's hidden character: size, trend, conversion rate, value per agreement, talent pool."""
    r = _rng(code, "profile")
    tier = _TIER.get(code, 1)
    return {
        "size": _TIER_SIZE[tier] * r.lognormvariate(0, 0.3),
        "trend": r.uniform(-0.04, 0.13),
        "conversion": r.lognormvariate(0, 0.25),
        "value_per_agreement": (60, 110, 220)[tier - 1] * r.lognormvariate(0, 0.35),
        "reports_value": r.random() > 0.08,
        "stations": r.lognormvariate(0, 0.3),
        "pool": _TIER_SIZE[tier] * r.lognormvariate(0, 0.3),
        "pool_growth": r.uniform(0.06, 0.22),
    }


def copy_code(code: str, copy: int) -> str:
    """The code of copy `copy` of a unit: 330100 -> 3301kk (a district-like code), P0003 -> Pkk03; copy 0 is the
    unit itself."""
    return f"P{copy:02d}{int(code[1:]):02d}" if code.startswith("P") else f"{code[:4]}{copy:02d}"


def scaled(frames: dict[str, pd.DataFrame], scale: int) -> dict[str, pd.DataFrame]:
    """The sample and scale - 1 synthetic copies of every unit, for measuring the dashboard as the programme grows.

    A copy keeps its unit's province, region, kind, batch, designation year and gaps (not-reported cells); it gets
    its own code and name (杭州市07, Hangzhou 07), coordinates moved by up to half a degree, and figures scaled by a
    size of its own with noise on every cell. Deterministic: one seeded generator, drawn in a fixed order.
    """
    rng = np.random.default_rng(20140101)
    copies = range(1, scale)
    cities = frames["cities"]
    out_cities = [cities]
    for k in copies:
        copy = cities.copy()
        copy["city_code"] = [copy_code(c, k) for c in cities["city_code"]]
        copy["name_zh"] = cities["name_zh"] + f"{k:02d}"
        copy["name_en"] = cities["name_en"] + f" {k:02d}"
        copy["lat"] = (cities["lat"] + rng.uniform(-0.5, 0.5, len(cities))).round(4)
        copy["lon"] = (cities["lon"] + rng.uniform(-0.5, 0.5, len(cities))).round(4)
        out_cities.append(copy)
    out = {"cities": pd.concat(out_cities, ignore_index=True)}
    size = {(c, k): s for k in copies for c, s in zip(cities["city_code"], rng.lognormal(0, 0.35, len(cities)),
                                                      strict=True)}  # fmt: skip
    for table in registry.VALUE_TABLES:
        base = frames[table]
        parts = [base]
        for k in copies:
            copy = base.copy()
            factor = np.array([size[(c, k)] for c in base["city_code"]])
            for ind in registry.columns_of(table):
                values = copy[ind.column].astype("Float64") * factor * rng.lognormal(0, 0.1, len(copy))
                copy[ind.column] = values.round(0 if ind.sql_type == "INTEGER" else 2).astype(copy[ind.column].dtype)
            copy["city_code"] = [copy_code(c, k) for c in base["city_code"]]
            parts.append(copy)
        out[table] = pd.concat(parts, ignore_index=True)
    return out

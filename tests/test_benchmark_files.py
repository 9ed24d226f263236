"""The import benchmark's file: plausible (stocks grow, flows vary) unless asked for the noisy one."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from benchmarks.imports import figures_file
from metrics.domain import registry

STOCKS = [i for i in registry.BASE_INDICATORS if i.kind == "stock"]


def _levels(cities: int) -> pd.DataFrame:
    """Every city at the same made-up level of every column."""
    columns = {i.column: [500.0] * cities for i in registry.BASE_INDICATORS}
    return pd.DataFrame(columns, index=[f"城市{n}" for n in range(cities)])


def _stock_falls(data: bytes) -> tuple[int, int]:
    """(falls, year-on-year pairs) of the file's stocks, each city's years compared where both are reported."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    falls = pairs = 0
    for stock in STOCKS:
        by_city: dict[str, dict[int, int]] = {}
        for row in rows:
            if row[stock.header_zh] not in ("", "-"):
                by_city.setdefault(row["城市"], {})[int(row["年份"])] = int(row[stock.header_zh].replace(",", ""))
        for years in by_city.values():
            for year, value in years.items():
                if year - 1 in years:
                    pairs += 1
                    falls += value < years[year - 1]
    return falls, pairs


@pytest.mark.parametrize(
    ("noisy", "least_share", "most_share"),
    [
        (False, 0.0, 0.0),  # a stock never falls
        (True, 0.3, 0.7),  # drawn independently each year: it falls about half the time
    ],
)
def test_stocks_grow_in_the_plausible_file_and_fall_in_the_noisy_one(noisy, least_share, most_share):
    falls, pairs = _stock_falls(figures_file(_levels(20), 400, noisy=noisy))
    assert pairs > 300
    assert least_share <= falls / pairs <= most_share

"""The composite index computed on arrays, all years in one pass, gives exactly what the year-at-a-time pandas
computation gave (tests/index_before.py): every index, group, rank and move, values, scores and transforms."""

from __future__ import annotations

import index_before as before
import numpy as np
import pandas as pd
import pytest

from metrics.analysis import index as composite
from metrics.domain import registry
from metrics.domain.index_method import DEFAULT_METHOD, Group, Method
from metrics.store.cities import list_cities
from metrics.store.figures import year_values, years_values
from metrics.store.series import year_span

pytestmark = pytest.mark.both_engines

BASE = [i.column for i in registry.BASE_INDICATORS]
TWO_GROUPS = (
    Group("top", DEFAULT_METHOD.groups[0].label, 1.0, strict=True),
    Group("rest", DEFAULT_METHOD.groups[1].label, float("-inf")),
)
LOOSE = (("experts_in_pool", 1.0), ("agreements_per_activity", 3.0), ("stations_founded", 0.0))
METHODS = [
    DEFAULT_METHOD,
    Method("weighted", (("activities", 1.0), ("agreements", 2.0), ("value_per_agreement_10k_cny", 0.5))),
    Method("strict", DEFAULT_METHOD.weights, skew_threshold=0.2, coverage=1.0),
    Method("loose", LOOSE, skew_threshold=5.0, coverage=0.1),
    Method("groups", DEFAULT_METHOD.weights, groups=TWO_GROUPS),
]


def assert_same_result(new: composite.IndexResult, old: composite.IndexResult) -> None:
    pd.testing.assert_frame_equal(new.pilots, old.pilots, check_exact=True)
    pd.testing.assert_frame_equal(new.values, old.values, check_exact=True)
    pd.testing.assert_frame_equal(new.scores, old.scores, check_exact=True)
    assert (new.transformed, new.mean_index, new.year) == (old.transformed, old.mean_index, old.year)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_the_index_of_every_year_of_the_sample_is_as_before(db, method):
    with db.snapshot() as cur:
        first, last = year_span(cur)
        cities, figures = list_cities(cur), years_values(cur, first, last)
        table = composite._index_table(cur, method, (first, last))
        results = {year: composite.year_index(cur, year, method) for year in (first, last - 1, last)}
        olds = {year: before.compute_index(before.designated_figures(cities, year_values(cur, year), year), method,
                                           year) for year in results}  # fmt: skip
    pd.testing.assert_frame_equal(table, before.index_table(cities, figures, method, first, last), check_exact=True)
    for year, result in results.items():
        assert_same_result(result, olds[year])


def _random_figures(seed: int, pilots: int) -> pd.DataFrame:
    """A year's figures with gaps, zeros, ties and skewed columns."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"city_code": [f"C{i:04d}" for i in rng.permutation(pilots)]})
    for j, column in enumerate(BASE):
        values = np.floor(rng.lognormal(2 + j % 3, 1.0 + seed % 3, pilots))
        values[rng.random(pilots) < 0.1 * (seed % 4)] = 0
        values[rng.random(pilots) < 0.2] = np.nan
        if seed % 5 == 0:
            values[: pilots // 2] = values[0]  # ties
        frame[column] = values
    return frame


EQUAL = pd.DataFrame({"city_code": ["A", "B", "C", "D"], **{c: [5.0, 5.0, 5.0, np.nan] for c in BASE}})


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
@pytest.mark.parametrize(
    "figures",
    [_random_figures(seed, n) for seed, n in ((1, 7), (2, 65), (3, 300), (4, 1), (5, 40), (10, 120))]
    + [EQUAL, EQUAL.iloc[:0], EQUAL.assign(**{c: np.nan for c in BASE})],
)  # fmt: skip
def test_the_index_of_a_year_is_as_before(figures, method):
    assert_same_result(composite.compute_index(figures, method, 2024), before.compute_index(figures, method, 2024))

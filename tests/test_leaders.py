"""The deck's leading pilots read from the year's figures are the first pilots of the full ranking (standing.ranks),
in the same order, ties included."""

from __future__ import annotations

import pytest
from conftest import city, load

from metrics.analysis import standing
from metrics.domain import registry
from metrics.domain.programme import Scope
from metrics.store.series import year_span

pytestmark = pytest.mark.both_engines

SCOPES = [None, Scope(), Scope(regions=("east",)), Scope(batches=(1, 2)), Scope(cities=("330100", "420600", "P0001"))]


@pytest.mark.parametrize("scope", SCOPES)
def test_the_leaders_are_the_first_of_the_ranking(db, scope):
    with db.snapshot() as cur:
        first, last = year_span(cur)
        for key in [i.key for i in registry.BASE_INDICATORS] + ["agreements_per_activity"]:
            for year in (first, last - 1, last):
                ranked = tuple(standing.ranks(cur, key, year, scope)["city_code"])
                for n in (1, 5, 200):
                    assert standing.leaders(cur, key, year, scope, n) == ranked[:n], (key, year, n)


def test_equal_values_are_listed_by_code(empty_db):
    codes = ["420100", "330300", "330100", "110000"]
    load(empty_db, [city(c) for c in codes], {"agreements": [
        {"city_code": c, "year": 2016, "agreements": v} for c, v in zip(codes, (7, 9, 9, None), strict=True)
    ]})  # fmt: skip
    with empty_db.snapshot() as cur:
        assert standing.leaders(cur, "agreements", 2016, n=3) == ("330100", "330300", "420100")
        assert standing.leaders(cur, "agreements", 2016) == tuple(standing.ranks(cur, "agreements", 2016)["city_code"])

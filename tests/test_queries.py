"""Every indicator's query runs, and aggregation follows the rules the README states."""

import math

import pytest
from conftest import SAMPLE_END_YEAR, city, load

from metrics.domain import registry
from metrics.domain.programme import PROGRAMME_START, Scope
from metrics.domain.years import YearRange
from metrics.store.figures import _as_text
from metrics.store.series import pilot_series, series, year_span

BIG, SMALL = "330100", "330300"


@pytest.fixture()
def two_cities(empty_db):
    """A big city and a small one, with hand-written figures (None = not reported)."""
    load(
        empty_db,
        [city(BIG, designated_year=2014), city(SMALL, designated_year=2015, batch=2, region="west", kind="park")],
        {
            "matching_activities": [
                {"city_code": BIG, "year": 2014, "activities": 100},
                {"city_code": BIG, "year": 2015, "activities": 200},
                {"city_code": BIG, "year": 2016, "activities": 300},
                {"city_code": SMALL, "year": 2015, "activities": 1},
                {"city_code": SMALL, "year": 2016, "activities": 2},
            ],
            "agreements": [
                {"city_code": BIG, "year": 2014, "agreements": 100, "contract_value_10k_cny": 1000},
                {"city_code": BIG, "year": 2015, "agreements": 200, "contract_value_10k_cny": None},
                {"city_code": SMALL, "year": 2015, "agreements": 10, "contract_value_10k_cny": 50.5},
                {"city_code": SMALL, "year": 2016, "agreements": 20, "contract_value_10k_cny": 99.5},
            ],
            "experts": [
                {"city_code": BIG, "year": 2014, "experts_in_pool": 1000},
                {"city_code": BIG, "year": 2015, "experts_in_pool": 1100},
                {"city_code": BIG, "year": 2016, "experts_in_pool": 1200},
                {"city_code": SMALL, "year": 2015, "experts_in_pool": 10},
            ],
        },
    )
    return empty_db


def values(database, key, scope=None, per_city=False, years=None):
    with database.cursor() as cur:
        frame = series(cur, key, scope, per_city=per_city, years=years)
    return {(row.city_code, row.year): None if math.isnan(row.value) else row.value for row in frame.itertuples()}


@pytest.mark.parametrize("ind", registry.INDICATORS, ids=lambda i: i.key)
@pytest.mark.parametrize("per_city", [False, True])
def test_every_indicator_query_runs_on_the_sample(sample_db, ind, per_city):
    with sample_db.cursor() as cur:
        frame = series(cur, ind.key, Scope(cities=(BIG, "P0001")), per_city=per_city)
    years = list(range(2014, SAMPLE_END_YEAR + 1))
    expected_groups = [BIG, "P0001"] if per_city else [None]
    assert sorted(set(frame.city_code), key=str) == sorted(expected_groups, key=str)
    for _, group in frame.groupby("city_code", dropna=False):
        assert group.year.tolist() == years
    assert frame.value.notna().any()
    assert list(frame.columns) == ["city_code", "year", "value", "reporting"]


# (indicator, city or None for the total, year, expected value; None = a gap)
CASES = [
    # Ratios over several cities are ratios of sums over the cities that reported both parts.
    ("agreements_per_activity", None, 2015, (200 + 10) / (200 + 1)),  # the mean of city ratios would be 5.5
    ("agreements_per_activity", None, 2016, 20 / 2),  # BIG reported activities but no agreements in 2016
    ("agreements_per_activity", SMALL, 2015, 10.0),
    ("value_per_agreement_10k_cny", None, 2015, 50.5 / 10),  # BIG reported no value in 2015
    ("value_per_agreement_10k_cny", None, 2014, 10.0),
    # Stocks add up over cities within a year and are never summed over years.
    ("experts_in_pool", None, 2015, 1110),
    ("experts_in_pool", None, 2016, 1200),
    # Flows: sums over the cities that reported; a year nobody reported is a gap, not zero.
    ("activities", None, 2016, 302),
    ("stations_founded", None, 2016, None),
    ("agreements", SMALL, 2014, None),
    # Running totals since the programme began.
    ("cumulative_activities", None, 2016, 603),
    ("cumulative_agreements", None, 2016, 330),
    ("cumulative_agreements", BIG, 2016, 300),
    # Growth compares like with like: only cities that reported both years.
    ("growth_activities", None, 2015, 100.0),
    ("growth_activities", None, 2016, ((300 + 2) / (200 + 1) - 1) * 100),
    ("growth_experts_in_pool", None, 2016, (1200 / 1100 - 1) * 100),
    ("growth_activities", None, 2014, None),
    # Designations.
    ("pilot_cities", None, 2014, 1),
    ("pilot_cities", None, 2015, 2),
    ("pilot_cities", SMALL, 2014, 0),
    ("pilot_cities", SMALL, 2015, 1),
    ("pilot_cities", BIG, 2014, 1),
]


@pytest.mark.parametrize(("key", "code", "year", "expected"), CASES)
def test_aggregation_rules(two_cities, key, code, year, expected):
    scope = Scope(cities=(code,)) if code else Scope()
    got = values(two_cities, key, scope, per_city=bool(code))[(code, year)]
    assert got == pytest.approx(expected) if expected is not None else got is None


@pytest.mark.parametrize("per_city", [False, True])
@pytest.mark.parametrize("years", [None, (2015, 2016), (2010, 2016)])
def test_the_count_of_pilots_is_framed_as_every_series(two_cities, per_city, years):
    with two_cities.cursor() as cur:
        pilots = series(cur, "pilot_cities", per_city=per_city, years=years)
        base = series(cur, "activities", per_city=per_city, years=years)
    assert pilots.dtypes.to_dict() == base.dtypes.to_dict()
    assert pilots[["city_code", "year"]].equals(base[["city_code", "year"]])


def test_cumulative_counts_from_the_start_whatever_the_range_shown(two_cities):
    shown = values(two_cities, "cumulative_activities", years=(2016, 2016))
    assert shown == {(None, 2016): 603}


@pytest.mark.parametrize(
    ("scope", "expected_2016"),
    [
        (Scope(regions=("west",)), 2),
        (Scope(kinds=("city",)), 300),
        (Scope(batches=(1, 2)), 302),
        (Scope(cities=()), None),
    ],
)
def test_scope_filters(two_cities, scope, expected_2016):
    assert values(two_cities, "activities", scope)[(None, 2016)] == expected_2016


def test_reporting_counts_the_cities_behind_each_value(two_cities):
    with two_cities.cursor() as cur:
        frame = series(cur, "activities").set_index("year")
    assert frame.reporting.to_dict() == {2014: 1, 2015: 2, 2016: 2}


def test_year_span_of_an_empty_database(empty_db):
    with empty_db.cursor() as cur:
        assert year_span(cur) == (PROGRAMME_START, PROGRAMME_START)
        frame = series(cur, "activities")
    assert frame.year.tolist() == [PROGRAMME_START] and frame.value.isna().all()


def test_year_span_reaches_the_latest_designation_before_any_figures(empty_db):
    load(empty_db, [city(BIG, designated_year=2014), city(SMALL, designated_year=2019, batch=2)], {})
    with empty_db.cursor() as cur:
        assert year_span(cur) == (2014, 2019)


@pytest.mark.parametrize("years", [(2016, 2015), (1999, 2016), (2014, 99999)])
def test_series_refuses_impossible_year_ranges(two_cities, years):
    with two_cities.cursor() as cur, pytest.raises(ValueError):
        series(cur, "activities", years=years)


# Values as the change history keeps them as text (undo casts them back): no trailing zeros, never "12.50".
AS_TEXT = [
    ("contract_value_10k_cny", "12.50", "12.5"),
    ("contract_value_10k_cny", "12.00", "12"),
    ("contract_value_10k_cny", "100.00", "100"),
    ("contract_value_10k_cny", "100.05", "100.05"),
    ("contract_value_10k_cny", "0.00", "0"),
    ("contract_value_10k_cny", "0.10", "0.1"),
    ("contract_value_10k_cny", "999999999999.99", "999999999999.99"),
    ("contract_value_10k_cny", None, None),
    ("activities", "100", "100"),
    ("activities", "0", "0"),
]


@pytest.mark.parametrize(("column", "value", "text"), AS_TEXT)
def test_values_as_the_history_keeps_them(empty_db, column, value, text):
    sql_type = registry.get(column).sql_type
    with empty_db.cursor() as cur:
        got = cur.execute(f"SELECT {_as_text(column, f'CAST($v AS {sql_type})')}", {"v": value}).fetchone()
    assert got[0] == text


def _kept_reads() -> tuple[dict, object]:
    """A read-through cache like the app's: what it keeps, and the memo to install as series.READ_CACHE."""
    kept: dict = {}

    def memo(name, args, compute):
        if (name, args) not in kept:
            kept[name, args] = compute()
        return kept[name, args]

    return kept, memo


@pytest.mark.parametrize(
    "years", [None, (2016, 2025), (2025, 2025), (2013, 2016), (2020, 2026), YearRange(PROGRAMME_START, SAMPLE_END_YEAR)]
)
@pytest.mark.parametrize("scope", [None, Scope(cities=("330100", "440100"))])
def test_a_series_served_from_the_kept_span_is_the_one_the_database_gives(sample_db, scope, years):
    from pandas.testing import assert_frame_equal

    from metrics.store.reads import READ_CACHE

    kept, memo = _kept_reads()
    with sample_db.cursor() as cur:
        for ind in registry.INDICATORS:
            for per_city in (False, True):
                direct = series(cur, ind.key, scope, per_city=per_city, years=years)
                token = READ_CACHE.set(memo)
                try:
                    served = series(cur, ind.key, scope, per_city=per_city, years=years)
                    assert_frame_equal(served, direct, check_dtype=True)
                    served["value"] = -1.0  # a caller changing its frame changes no one else's
                    assert_frame_equal(series(cur, ind.key, scope, per_city=per_city, years=years), direct)
                finally:
                    READ_CACHE.reset(token)
    assert kept, "the span was kept and served"


@pytest.mark.parametrize("years", [None, (2016, 2025), (2025, 2025), (2013, 2016), (2020, 2026)])
@pytest.mark.parametrize(
    "cities", [("330100",), ("440100", "330100"), ("330100", "330100"), ("no-such-pilot",), ("440100", "no-such"), ()]
)
def test_a_pilot_series_served_from_the_kept_span_is_the_one_the_database_gives(sample_db, cities, years):
    from pandas.testing import assert_frame_equal

    from metrics.store.reads import READ_CACHE

    kept, memo = _kept_reads()
    with sample_db.cursor() as cur:
        for ind in registry.INDICATORS:
            direct = pilot_series(cur, ind.key, cities, years)
            token = READ_CACHE.set(memo)
            try:
                for _ in range(2):  # read, then served from what was kept
                    served = pilot_series(cur, ind.key, cities, years)
                    # (no rows: the database's empty column of codes has no type to match)
                    assert_frame_equal(served, direct, check_dtype=not direct.empty, check_index_type=True)
                    served["value"] = -1.0  # a caller changing its frame changes no one else's
            finally:
                READ_CACHE.reset(token)
        first, last = year_span(cur)
    if years is None or first <= years[0] <= years[1] <= last:  # within the span: served from the kept one
        assert any(name == "series_rows" for name, _ in kept)


@pytest.mark.both_engines
@pytest.mark.parametrize(
    "keys",
    [
        tuple(i.key for i in registry.BASE_INDICATORS),
        registry.CORE_KEYS,
        ("agreements",),
        tuple(i.key for i in registry.INDICATORS if i.kind != "score"),  # every kind of indicator at once
        ("cumulative_activities", "growth_agreements", "agreements_per_activity", "pilot_cities", "agreements"),
    ],
)
@pytest.mark.parametrize("scope", [Scope(), Scope(cities=("330100", "440100")), Scope(batches=(2,), kinds=("park",))])
@pytest.mark.parametrize("per_city", [False, True])
def test_series_read_together_are_those_read_one_by_one(db, keys, scope, per_city):
    from pandas.testing import assert_frame_equal

    from metrics.store.reads import READ_CACHE
    from metrics.store.series import read_together

    kept, memo = _kept_reads()
    with db.cursor() as cur:
        token = READ_CACHE.set(memo)
        try:
            read_together(cur, keys, scope, per_city=per_city)
            # every series read, but the count of pilots (worked out from the pilots' list when asked)
            together = {key: kept["series", (key, scope, per_city)] for key in keys if key != "pilot_cities"}
            for years in (None, (2016, SAMPLE_END_YEAR)):
                for key in keys:
                    served = series(cur, key, scope, per_city=per_city, years=years)
                    READ_CACHE.reset(token)
                    try:
                        assert_frame_equal(served, series(cur, key, scope, per_city=per_city, years=years),
                                           check_exact=True)  # fmt: skip
                    finally:
                        token = READ_CACHE.set(memo)
        finally:
            READ_CACHE.reset(token)
    assert all(kept["series", (key, scope, per_city)] is frame for key, frame in together.items())


@pytest.mark.both_engines
@pytest.mark.parametrize(
    "every", [Scope(kinds=("city", "park")), Scope(regions=("east", "central", "west", "northeast"))]
)
def test_every_pilot_listed_is_every_pilot_a_scope_keeps(db, every):
    from pandas.testing import assert_frame_equal

    from metrics.store.cities import list_cities

    with db.cursor() as cur:
        assert_frame_equal(list_cities(cur), list_cities(cur, every))

"""What the pages show: headlines, peers, ranks, comparisons and completeness, on hand-made data."""

import math

import pytest
from conftest import city, load

from metrics.analysis import comparison, reporting, standing
from metrics.domain.programme import Scope

A, B, C = "330100", "330300", "420100"


@pytest.fixture()
def three(empty_db):
    load(
        empty_db,
        [city(A), city(B, batch=1), city(C, batch=2, designated_year=2015, region="central")],
        {
            "matching_activities": [
                {"city_code": A, "year": 2014, "activities": 10},
                {"city_code": A, "year": 2015, "activities": 20},
                {"city_code": A, "year": 2016, "activities": 40},
                {"city_code": B, "year": 2014, "activities": 30},
                {"city_code": B, "year": 2015, "activities": 30},
                {"city_code": C, "year": 2015, "activities": 5},
                {"city_code": C, "year": 2016, "activities": 50},
            ],
        },
    )
    return empty_db


def run(database, function, *args, **kwargs):
    with database.cursor() as cur:
        return function(cur, *args, **kwargs)


def test_headline_growth_is_like_for_like(three):
    (head,) = run(three, standing.headlines, ("activities",), Scope(), 2016)
    # B did not report 2016: growth compares A and C only, (40 + 50) / (20 + 5).
    assert (head.value, head.previous, head.reporting, head.designated) == (90, 55, 2, 3)
    assert head.growth_pct == pytest.approx((90 / 25 - 1) * 100)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2014, {A: 2, B: 1}), (2015, {B: 1, A: 2, C: 3}), (2016, {C: 1, A: 2})],
)
def test_ranks_only_cities_that_reported(three, year, expected):
    ranking = run(three, standing.ranks, "activities", year)
    assert dict(zip(ranking.city_code, ranking["rank"].astype(int), strict=True)) == expected


def test_rank_change_is_positive_when_moving_up(three):
    ranking = run(three, standing.ranks, "activities", 2016).set_index("city_code")
    assert ranking.at[C, "rank_change"] == 2  # third in 2015, first in 2016
    assert ranking.at[A, "rank_change"] == 0


def test_peer_median_uses_the_same_batch_without_the_city(three):
    peers = run(three, standing.peer_median, "activities", A, (2014, 2016)).set_index("year")
    assert peers.value.tolist()[:2] == [30, 30] and math.isnan(peers.value[2016])


def test_growth_since_designation(three):
    growth = run(three, standing.growth_since_designation, "activities", C, 2016)
    assert (growth.first_year, growth.last_year) == (2015, 2016)
    assert growth.change_pct == pytest.approx(900) and growth.annual_pct == pytest.approx(900)
    assert run(three, standing.growth_since_designation, "activities", B, 2016).last_year == 2015


@pytest.mark.parametrize(
    ("mode", "base", "expected_a"),
    [
        ("absolute", None, {2014: 10, 2015: 20, 2016: 40}),
        ("change", None, {2015: 10, 2016: 20}),  # 2014, with no change for any city, is left out
        ("indexed", 2015, {2014: 50, 2015: 100, 2016: 200}),
        ("share", None, {2014: 25, 2015: 20 / 55 * 100, 2016: 40 / 90 * 100}),
    ],
)
def test_compare_modes(three, mode, base, expected_a):
    frame = run(three, comparison.compare, "activities", (A, C), (2014, 2016), mode, base)
    got = frame[frame.city_code == A].set_index("year").value.to_dict()
    assert sorted(got) == sorted(expected_a)
    for year, value in expected_a.items():
        assert got[year] == pytest.approx(value, nan_ok=True)


def test_completeness_tells_missing_from_not_yet_designated(three):
    status = run(three, reporting.completeness, "activities", Scope(), (2014, 2016))
    table = status.pivot(index="city_code", columns="year", values="status")
    assert table.loc[C].tolist() == ["not_designated", "reported", "reported"]
    assert table.loc[B].tolist() == ["reported", "reported", "missing"]
    summary = run(three, reporting.completeness_summary, Scope(), (2014, 2016))
    assert summary.loc["activities"].tolist() == [100, 100, pytest.approx(200 / 3)]
    assert summary.loc["agreements"].tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    ("years", "key", "missing"),
    [
        ((2014, 2016), "activities", (B,)),  # reported the two years before, not the last
        ((2016, 2016), "activities", (B,)),
        ((2014, 2015), "activities", ()),
        ((2014, 2014), "agreements", (A, B)),  # C, designated in 2015, is not yet due
        ((2014, 2016), "agreements", (A, B, C)),
    ],
)
def test_who_has_not_reported_the_last_year(three, years, key, missing):
    assert set(run(three, reporting.not_reported, key, Scope(), years)) == set(missing)


def test_profile_ranks_a_city_on_every_base_indicator(three):
    profile = run(three, standing.profile, A, 2016).set_index("key")
    assert profile.at["activities", "rank"] == 2 and profile.at["activities", "ranked"] == 2
    assert math.isnan(profile.at["agreements", "value"])


def test_map_points_only_pilots_designated_by_the_year(three):
    points = run(three, comparison.map_points, "activities", 2014, Scope(), "zh")
    assert set(points.city_code) == {A, B}
    assert points.set_index("city_code").at[A, "region_label"] == "东部"


@pytest.mark.parametrize(
    ("lang", "growth"), [("zh", "+300.0%（2014—2016年，年均 +100.0%）"), ("en", "+300.0% (2014–2016, +100.0% a year)")]
)
def test_profile_table_reads_in_the_language(three, lang, growth):
    from metrics.present import tables

    table = tables.profile_table(run(three, standing.profile, A, 2016), lang)
    assert table.map(lambda cell: isinstance(cell, str)).all().all()
    first = table.iloc[0].tolist()
    assert first[0] == ("对接活动" if lang == "zh" else "Matching activities held")  # the value carries the unit
    assert first[1] == ("40 场" if lang == "zh" else "40 activities")
    assert first[2:] == ["2 / 2", "→", growth]  # second in 2015 and in 2016

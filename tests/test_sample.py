"""The built-in sample reproduces CAST's published figures and looks like real reporting."""

import hashlib

import pandas as pd
import pytest
from conftest import SAMPLE_END_YEAR

from metrics.store import sample
from metrics.store.series import series

# Published by CAST (data/README.md): indicator, years summed, total.
PUBLISHED = [
    ("activities", (2014, 2016), 432),
    ("agreements", (2014, 2016), 1984),
    ("stations_founded", (2014, 2016), 1331),
    ("subcenters_founded", (2014, 2016), 10),
]
# GB/T 2260 province prefixes of the sample's provinces.
PROVINCE_PREFIX = {
    "北京市": "11", "天津市": "12", "河北省": "13", "山西省": "14", "内蒙古自治区": "15", "辽宁省": "21",
    "吉林省": "22", "黑龙江省": "23", "上海市": "31", "江苏省": "32", "浙江省": "33", "安徽省": "34",
    "福建省": "35", "江西省": "36", "山东省": "37", "河南省": "41", "湖北省": "42", "湖南省": "43",
    "广东省": "44", "广西壮族自治区": "45", "海南省": "46", "重庆市": "50", "四川省": "51", "贵州省": "52",
    "云南省": "53", "陕西省": "61", "甘肃省": "62", "宁夏回族自治区": "64", "新疆维吾尔自治区": "65",
}  # fmt: skip
REGION_OF_PREFIX = {
    "east": {"11", "12", "13", "31", "32", "33", "35", "37", "44", "46"},
    "central": {"14", "34", "36", "41", "42", "43"},
    "west": {"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"},
    "northeast": {"21", "22", "23"},
}


@pytest.fixture(scope="module")
def frames():
    return sample.generate(SAMPLE_END_YEAR)


@pytest.mark.parametrize(("key", "years", "total"), PUBLISHED)
def test_programme_totals_equal_published_figures(sample_db, key, years, total):
    with sample_db.cursor() as cur:
        frame = series(cur, key, years=years)
    assert frame["value"].sum() == total


@pytest.mark.parametrize(("year", "count"), [(2016, 30), (2021, 65), (SAMPLE_END_YEAR, 65)])
def test_pilot_cities_designated(sample_db, year, count):
    with sample_db.cursor() as cur:
        frame = series(cur, "pilot_cities", years=(year, year))
    assert frame["value"].tolist() == [count]


def test_talent_pool_over_ten_thousand_in_2016(sample_db):
    with sample_db.cursor() as cur:
        frame = series(cur, "experts_in_pool", years=(2016, 2016))
    assert frame["value"].iloc[0] >= 10_000


def test_generation_is_deterministic_and_a_new_year_leaves_settled_years_alone(frames):
    again = sample.generate(SAMPLE_END_YEAR)
    shorter = sample.generate(SAMPLE_END_YEAR - 1)
    # The latest year of each run lacks a few late reporters, so compare the years both consider settled.
    settled = SAMPLE_END_YEAR - 2
    for table, frame in frames.items():
        pd.testing.assert_frame_equal(frame, again[table])
        if table != "cities":
            longer_run = frame[frame.year <= settled].reset_index(drop=True)
            shorter_run = shorter[table][shorter[table].year <= settled].reset_index(drop=True)
            pd.testing.assert_frame_equal(longer_run, shorter_run)


def test_cities_are_real_and_consistent(frames):
    cities = frames["cities"]
    assert len(cities) == 65
    assert cities.city_code.is_unique and cities.name_zh.is_unique and cities.name_en.is_unique
    for row in cities.itertuples():
        prefix = PROVINCE_PREFIX[row.province_zh]
        if row.kind == "city":
            assert row.city_code.isdigit() and len(row.city_code) == 6 and row.city_code.startswith(prefix), row
            assert row.name_zh.endswith("市"), row
        else:
            assert row.city_code[0] == "P" and row.city_code[1:].isdigit(), row
        assert prefix in REGION_OF_PREFIX[row.region], row
        assert 18 <= row.lat <= 54 and 73 <= row.lon <= 135, row


def test_years_run_from_2014_to_the_end_year_with_cities_reporting_from_designation(frames):
    designated = frames["cities"].set_index("city_code").designated_year
    for table in ("matching_activities", "agreements", "service_stations", "experts"):
        frame = frames[table]
        assert frame.year.min() == 2014 and frame.year.max() == SAMPLE_END_YEAR
        assert (frame.year >= frame.city_code.map(designated)).all()


def test_some_figures_are_missing_but_not_many(frames):
    cities = frames["cities"]
    possible = sum(SAMPLE_END_YEAR - y + 1 for y in cities.designated_year)
    for table in ("matching_activities", "agreements", "service_stations", "experts"):
        share = len(frames[table]) / possible
        assert 0.85 < share < 1.0, table
    assert frames["agreements"].contract_value_10k_cny.isna().any()


def test_cities_differ_in_size_and_trend(frames):
    acts = frames["matching_activities"]
    latest = acts[acts.year == 2024].set_index("city_code").activities
    assert latest.max() >= 5 * max(latest.min(), 1)
    per_city = acts[acts.year >= 2019].groupby("city_code").activities.agg(["first", "last"])
    assert (per_city["last"] > per_city["first"]).any() and (per_city["last"] < per_city["first"]).any()


def test_pandemic_dip_and_growth(sample_db):
    with sample_db.cursor() as cur:
        acts = series(cur, "activities").set_index("year").value
    assert acts[2020] < 0.7 * acts[2019]
    assert acts[SAMPLE_END_YEAR] > acts[2016]


# --- the scale generator (benchmarks build databases 10 and 100 times the sample) ------------------------------------


@pytest.fixture(scope="module")
def scaled():
    return sample.generate(SAMPLE_END_YEAR, scale=3)


def test_scale_one_is_the_sample_itself(frames):
    again = sample.generate(SAMPLE_END_YEAR, scale=1)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(again[name], frame)


def test_a_scaled_sample_has_n_copies_of_every_unit_with_codes_and_names_of_their_own(frames, scaled):
    cities = scaled["cities"]
    assert len(cities) == 3 * len(frames["cities"])
    assert cities["city_code"].is_unique and cities["name_zh"].is_unique and cities["name_en"].is_unique
    assert cities["city_code"].str.fullmatch(r"\d{6}|P\d{4}").all()  # what a cities upload accepts
    first = cities.iloc[len(frames["cities"])]  # copy 1 of the first unit
    original = frames["cities"].iloc[0]
    assert first["city_code"] == sample.copy_code(original["city_code"], 1)
    assert first["name_zh"] == f"{original['name_zh']}01"
    for column in ("province_zh", "region", "kind", "batch", "designated_year"):
        assert first[column] == original[column]
    assert abs(first["lat"] - original["lat"]) <= 0.5 and abs(first["lon"] - original["lon"]) <= 0.5


@pytest.mark.parametrize("table", ["matching_activities", "agreements", "service_stations", "experts"])
def test_a_scaled_sample_keeps_gaps_and_gives_plausible_figures(frames, scaled, table):
    base, grown = frames[table], scaled[table]
    assert len(grown) == 3 * len(base)
    assert not grown.duplicated(["city_code", "year"]).any()
    for column in grown.columns.drop(["city_code", "year"]):
        assert grown[column].isna().sum() == 3 * base[column].isna().sum()  # the same cells are not reported
        assert (grown[column].dropna() >= 0).all()
        copies = grown[column].iloc[len(base) :].astype(float).sum()
        assert 0.5 < copies / (2 * base[column].astype(float).sum()) < 2  # each copy near its unit's size


def test_scaling_is_deterministic(scaled):
    again = sample.generate(SAMPLE_END_YEAR, scale=3)
    for name, frame in scaled.items():
        pd.testing.assert_frame_equal(again[name], frame)


@pytest.mark.parametrize("scale", [0, sample.MAX_SCALE + 1])
def test_scales_outside_the_range_are_refused(scale):
    with pytest.raises(ValueError, match="scale"):
        sample.generate(SAMPLE_END_YEAR, scale=scale)


def digest(frames: dict[str, pd.DataFrame]) -> str:
    """The sha256 of the frames: names, columns, dtypes and every value as CSV writes it."""
    h = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        h.update(name.encode())
        h.update(repr(list(frame.columns)).encode())
        h.update(repr([str(d) for d in frame.dtypes]).encode())
        h.update(frame.to_csv(index=False).encode())
    return h.hexdigest()


# The frames as the generator made them when it still spelled out every table and column (before it was driven by
# the registry): the sample's values must never move, since they reproduce the published figures.
DIGESTS = [
    (2025, 1, "c9836081f1a8295f888c2b0ffd3fb05ec666c5e590c9e023e6717c2687bf9508"),
    (2024, 1, "cab7c6af10aa51dcf6d076b72f149f5d85175496863d6f83dffa0aaf0705da7a"),
    (2025, 3, "4f91f0da2638cff0086bfc0d1205391f2e6ed3983542215e6ed3c13b40d78a2d"),
]


@pytest.mark.parametrize(("end_year", "scale", "expected"), DIGESTS)
def test_the_generated_frames_are_the_ones_made_before(end_year, scale, expected):
    assert digest(sample.generate(end_year, scale)) == expected

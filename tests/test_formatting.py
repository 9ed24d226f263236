"""Numbers as people read them, in Chinese and English."""

import math

import pytest

from metrics.domain import registry
from metrics.domain.formatting import axis_ticks, format_change, format_number, format_value, nice_ticks

CV, POOL, RATIO, GROWTH = (registry.get(k) for k in (
    "contract_value_10k_cny", "experts_in_pool", "agreements_per_activity", "growth_activities"))  # fmt: skip


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1984, "zh", "1,984"),
        (59294, "zh", "5.93万"),
        (10000, "zh", "1万"),
        (123456789, "zh", "1.23亿"),
        (59294, "en", "59,294"),
        (1_150_000, "en", "1.15M"),
        (-25000, "zh", "-2.5万"),
        (None, "zh", "—"),
        (math.nan, "en", "—"),
    ],
)
def test_format_number(value, lang, expected):
    assert format_number(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "ind", "lang", "compact", "expected"),
    [
        (1154259.01, CV, "zh", True, "115.43亿元"),  # 万元 reach 亿 at 1万
        (5230.5, CV, "zh", True, "5,230.50 万元"),
        (334882.12, CV, "zh", False, "33.49亿元"),  # one unit in Chinese: 亿元 from 1万 万元 on, every digit or not
        (5230.5, CV, "zh", False, "5,230.50 万元"),
        (1154259.01, CV, "en", False, "1,154,259.01 10k CNY"),
        (59294, POOL, "zh", True, "5.93万 人"),
        (59294, POOL, "zh", False, "59,294 人"),
        (59294, POOL, "en", True, "59,294 experts"),
        (4.6, RATIO, "en", True, "4.60 agreements per activity"),
        (12.345, GROWTH, "zh", True, "12.3%"),
        (math.nan, POOL, "zh", True, "—"),
    ],
)
def test_format_value(value, ind, lang, compact, expected):
    assert format_value(value, ind, lang, compact=compact) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7.71, "+7.7%"), (-3.04, "-3.0%"), (0, "+0.0%"), (math.nan, "—"), (3084.44, "+3,084.4%"), (-1234.5, "-1,234.5%")],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_format_change(value, expected, lang):
    assert format_change(value, lang) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 928, [0, 250, 500, 750, 1000]),
        (0, 65, [0, 20, 40, 60]),
        (0, 6.07, [0, 2, 4, 6]),
        (0, 1, [0, 0.25, 0.5, 0.75, 1]),
        (-12, 30, [-20, 0, 20, 40]),
        (5, 5, [0, 2, 4, 6]),  # a flat series still gets an axis from zero
    ],
)
def test_nice_ticks_start_at_zero_with_round_steps(low, high, expected):
    assert nice_ticks(low, high) == expected


def test_counts_get_whole_number_ticks():
    values, labels, _ = axis_ticks(0, 1, registry.get("subcenters_founded"), "en")
    assert values == [0, 1] and labels == ["0", "1"]


def test_axis_ticks_speak_the_language():
    _, labels, unit = axis_ticks(0, 59294, POOL, "zh")
    assert labels[1:] == ["2万", "4万", "6万"] and unit == "人"
    _, labels, unit = axis_ticks(0, 1154259, CV, "zh")
    assert labels[-1] == "100" and unit == "亿元"  # the unit its hover and tables use
    _, labels, unit = axis_ticks(0, 12000, CV, "zh")
    assert labels[:3] == ["0", "0.5", "1"] and unit == "亿元"
    _, labels, unit = axis_ticks(0, 5230, CV, "zh")
    assert labels[-1] == "6,000" and unit == "万元"
    _, labels, unit = axis_ticks(0, 59294, POOL, "en")
    assert labels[-1] == "60,000" and unit == "experts"

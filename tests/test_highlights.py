"""Highlights: each rule as a table of cases, then the whole set on the sample."""

import math

import pandas as pd
import pytest
from conftest import SAMPLE_END_YEAR

from metrics.analysis import highlights
from metrics.analysis.highlights import designated, is_record, missing, movers, total
from metrics.store.series import series

NAN = math.nan


@pytest.mark.parametrize(
    ("key", "value", "growth", "record", "kind", "zh", "en"),
    [
        ("agreements", 5606, 10.43, False, "total", "2025 年签订合作协议：5,606 项，同口径比上年增长 10.4%。",
         "Cooperation agreements signed: 5,606 agreements in 2025, up 10.4% on the year before, like for like."),
        ("activities", 300, -3.26, False, "total", "2025 年对接活动：300 场，同口径比上年下降 3.3%。",
         "Matching activities held: 300 activities in 2025, down 3.3% on the year before, like for like."),
        ("experts_in_pool", 59294, 15.3, True, "record", "2025 年专家库人数：59,294 人，同口径比上年增长 15.3%，为项目开展以来最高。",
         "Experts in the talent pool: 59,294 experts in 2025, up 15.3% on the year before, like for like, the highest since the programme began."),
        ("activities", 12, NAN, False, "total", "2025 年对接活动：12 场。", "Matching activities held: 12 activities in 2025."),
        ("stations_founded", 552, -24.1, True, "total", "2025 年新建学会服务站：552 个，同口径比上年下降 24.1%。",
         "Service stations founded: 552 stations in 2025, down 24.1% on the year before, like for like."),  # more reporters, no record
        ("activities", 300, 0.04, False, "total", "2025 年对接活动：300 场，同口径与上年持平。",
         "Matching activities held: 300 activities in 2025, unchanged on the year before, like for like."),
        ("activities", NAN, NAN, False, None, None, None),
    ],
)  # fmt: skip
def test_total(key, value, growth, record, kind, zh, en):
    result = total(key, 2025, value, growth, record)
    if kind is None:
        assert result is None
        return
    assert (result.kind, result.key, result.text.zh, result.text.en) == (kind, key, zh, en)


@pytest.mark.parametrize(
    ("values", "year", "expected"),
    [
        ({2022: 1, 2023: 2, 2024: 3}, 2024, True),
        ({2022: 1, 2023: 5, 2024: 3}, 2024, False),
        ({2022: 1, 2023: 3, 2024: 3}, 2024, False),  # equal is not a record
        ({2023: 1, 2024: 3}, 2024, False),  # too few earlier years to call it a record
        ({2022: 1, 2023: NAN, 2024: 3}, 2024, False),
        ({2021: 1, 2022: 2, 2023: 4, 2024: NAN}, 2024, False),  # not reported
    ],
)
def test_is_record(values, year, expected):
    frame = pd.DataFrame({"year": list(values), "value": list(values.values())})
    assert is_record(frame, year) == expected


NAMES = {"zh": {"A": "甲市", "B": "乙市", "C": "丙市"}, "en": {"A": "Alpha", "B": "Beta", "C": "Gamma"}}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"A": 10, "B": 20, "C": 5}, {"A": 30, "B": 15, "C": 5},
         [("rise", "签订合作协议增加最多的是甲市：增加 20 项，达到 30 项。",
           "Largest rise in cooperation agreements signed: Alpha, up 20 to 30 agreements."),
          ("fall", "签订合作协议减少最多的是乙市：减少 5 项，为 15 项。",
           "Largest fall in cooperation agreements signed: Beta, down 5 to 15 agreements.")]),
        ({"A": 10, "B": 20}, {"A": 11, "B": 22}, [("rise", "签订合作协议增加最多的是乙市：增加 2 项，达到 22 项。",
                                                 "Largest rise in cooperation agreements signed: Beta, up 2 to 22 agreements.")]),
        ({"A": 10, "B": NAN}, {"A": 10, "B": 500}, []),  # B did not report the year before; A did not move
        ({"A": NAN}, {"A": NAN}, []),
    ],
)  # fmt: skip
def test_movers(before, after, expected):
    rows = [(c, 2024, v) for c, v in before.items()] + [(c, 2025, v) for c, v in after.items()]
    frame = pd.DataFrame(rows, columns=["city_code", "year", "value"])
    result = movers("agreements", frame, 2025, NAMES)
    assert [(h.kind, h.text.zh, h.text.en) for h in result] == expected


@pytest.mark.parametrize(
    ("who", "due", "zh", "en"),
    [
        ([], 10, None, None),
        (["甲市"], 10, "2025 年应报送的 10 个试点中，1 个尚未报齐主要指标：甲市。",
         "1 of 10 pilots have not yet reported every core indicator for 2025: A."),
        ([f"{i}市" for i in range(7)], 65, "2025 年应报送的 65 个试点中，7 个尚未报齐主要指标：0市、1市、2市、3市、4市，另有 2 个。",
         "7 of 65 pilots have not yet reported every core indicator for 2025: A, A, A, A, A and 2 more."),
    ],
)  # fmt: skip
def test_missing(who, due, zh, en):
    result = missing(2025, who, ["A"] * len(who), due)
    assert (result.text.zh, result.text.en) == (zh, en) if zh else result is None


@pytest.mark.parametrize(
    ("count", "batch", "zh", "en"),
    [
        (0, None, None, None),
        (10, 6, "2021 年命名第6批试点 10 个。", "Batch 6: 10 new pilots designated in 2021."),
        (1, 7, "2021 年命名第7批试点 1 个。", "Batch 7: 1 new pilot designated in 2021."),
    ],
)
def test_designated(count, batch, zh, en):
    result = designated(2021, count, batch)
    assert (result.text.zh, result.text.en) == (zh, en) if result else zh is None


def test_highlights_on_the_sample_agree_with_the_series(sample_db):
    with sample_db.cursor() as cur:
        found = highlights.highlights(cur, SAMPLE_END_YEAR)
        agreements = series(cur, "agreements", years=(SAMPLE_END_YEAR, SAMPLE_END_YEAR))["value"].iloc[0]
        designated_2021 = highlights.highlights(cur, 2021)
    kinds = [h.kind for h in found]
    assert kinds[:4] == ["record", "record", "total", "record"]  # the four core indicators first
    assert {"rise", "fall", "missing"} <= set(kinds)
    assert f"{agreements:,.0f} 项" in found[1].text.zh
    assert any(h.kind == "designated" and "第6批" in h.text.zh for h in designated_2021)

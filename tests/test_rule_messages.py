"""What a broken rule says, word for word in both languages (each kind of side, operator and missing value), and
the values rules read from a file's decimal column, exactly as float(Decimal) gives them."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from metrics.analysis.validation import Violation, _floats
from metrics.domain.i18n import Text
from metrics.domain.rules import Constant, LastYear, Over, Rule, Times, Value

A, ACT, V, POOL = Value("agreements"), Value("activities"), Value("contract_value_10k_cny"), Value("experts_in_pool")
HANGZHOU = Text("杭州市", "Hangzhou")


@pytest.mark.parametrize(
    ("rule", "left", "right", "values", "zh", "en"),
    [
        (Rule("r1", "", "", A, "<=", Times(20, ACT), "high"), 900.0, 600.0, {"agreements": 900.0, "activities": 30.0},
         "杭州市 2025：签订合作协议 900 项 > 20 × 对接活动 30 场 = 600（规则 r1，高）",
         "Hangzhou 2025: Cooperation agreements signed 900 agreements > 20 × Matching activities held 30 activities "
         "= 600 (rule r1, high)"),
        (Rule("r2", "", "", Over(V, A), ">=", Constant(0.5)), 0.1234, 0.5,
         {"contract_value_10k_cny": 1234.5, "agreements": 10000.0},
         "杭州市 2025：协议金额 1,234.5 万元 ÷ 签订合作协议 10,000 项 = 0.1234 < 0.5（规则 r2，中）",
         "Hangzhou 2025: Agreement value 1,234.5 10k CNY ÷ Cooperation agreements signed 10,000 agreements = 0.1234 "
         "< 0.5 (rule r2, medium)"),
        (Rule("r3", "", "", POOL, ">=", Times(0.5, LastYear("experts_in_pool")), "low", "violation"), 100.0, None,
         {"experts_in_pool": 100.0, "last__experts_in_pool": None},
         "杭州市 2025：专家库人数 100 人、0.5 × 上年专家库人数（未报送）：缺少数值，无法比较 ≥（规则 r3，低）",
         "Hangzhou 2025: Experts in the talent pool 100 experts, 0.5 × last year's Experts in the talent pool (not "
         "reported): a value is missing for ≥ (rule r3, low)"),
        (Rule("r4", "", "", A, "both_or_neither", ACT, "high"), 3.0, None, {"agreements": 3.0, "activities": None},
         "杭州市 2025：签订合作协议 3 项、对接活动（未报送）：只填报了其中一项（规则 r4，高）",
         "Hangzhou 2025: Cooperation agreements signed 3 agreements, Matching activities held (not reported): only "
         "one of them is reported (rule r4, high)"),
        (Rule("r5", "", "", A, "not_both", V), 12345678.0, 0.25,
         {"agreements": 12345678.0, "contract_value_10k_cny": 0.25},
         "杭州市 2025：签订合作协议 12,345,678 项、协议金额 0.25 万元：不应同时填报（规则 r5，中）",
         "Hangzhou 2025: Cooperation agreements signed 12,345,678 agreements, Agreement value 0.25 10k CNY: must not "
         "both be reported (rule r5, medium)"),
        (Rule("r6", "", "", Over(V, A), "==", Over(V, ACT), "high", "violation"), None, 2.5,
         {"contract_value_10k_cny": 5.0, "agreements": None, "activities": 2.0},
         "杭州市 2025：协议金额 5 万元 ÷ 签订合作协议（未报送）、协议金额 5 万元 ÷ 对接活动 2 场 = 2.5："
         "缺少数值，无法比较 =（规则 r6，高）",
         "Hangzhou 2025: Agreement value 5 10k CNY ÷ Cooperation agreements signed (not reported), Agreement value 5 "
         "10k CNY ÷ Matching activities held 2 activities = 2.5: a value is missing for = (rule r6, high)"),
    ],
)  # fmt: skip
def test_a_broken_rule_says_each_side_with_its_values(rule, left, right, values, zh, en):
    assert Violation(rule, "330100", 2025, left, right, values).message(HANGZHOU) == Text(zh, en)


@pytest.mark.parametrize(
    "cells",
    [
        ["0.10", "1234.57", None, "9999999999999999.99", "-0.01"],
        [f"{n}.{n % 100:02d}" for n in range(0, 2_000_000, 7919)],  # many a decimal Arrow's own cast rounds otherwise
    ],
)
def test_a_decimal_column_reads_as_float_of_each_decimal(cells):
    decimals = [None if c is None else Decimal(c) for c in cells]
    column = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(decimals, pa.decimal128(18, 2))))
    expected = np.array([np.nan if d is None else float(d) for d in decimals])
    assert np.array_equal(_floats(column), expected, equal_nan=True)

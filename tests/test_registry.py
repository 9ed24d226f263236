"""The indicator registry is complete and consistent with the data contract."""

import pydantic
import pytest

from metrics.domain import registry

# The data contract (the README's data section): table, column, zh header, en label, kind.
CONTRACT = [
    ("matching_activities", "activities", "对接活动（场）", "Matching activities held", "flow"),
    ("matching_activities", "experts_participating", "参与专家（人次）", "Expert participations", "flow"),
    ("matching_activities", "enterprises_participating", "参与企业（家）", "Enterprises participating", "flow"),
    ("agreements", "agreements", "签订合作协议（项）", "Cooperation agreements signed", "flow"),
    ("agreements", "contract_value_10k_cny", "协议金额（万元）", "Agreement value (10k CNY)", "flow"),
    ("service_stations", "stations_founded", "新建学会服务站（个）", "Service stations founded", "flow"),
    (
        "service_stations",
        "subcenters_founded",
        "新建成果转化分中心（个）",
        "Transformation sub-centres founded",
        "flow",
    ),
    ("experts", "experts_in_pool", "专家库人数（人）", "Experts in the talent pool", "stock"),
]
FIXED_DERIVED_KEYS = ["pilot_cities", "agreements_per_activity", "value_per_agreement_10k_cny"]


@pytest.mark.parametrize(("table", "column", "header_zh", "header_en", "kind"), CONTRACT)
def test_contract_column_is_a_base_indicator(table, column, header_zh, header_en, kind):
    ind = registry.get(column)
    assert (ind.table, ind.column, ind.header_zh, ind.header_en, ind.kind) == (
        table,
        column,
        header_zh,
        header_en,
        kind,
    )
    assert ind.aggregation == "sum"


def test_base_indicators_are_exactly_the_contract():
    assert [i.key for i in registry.BASE_INDICATORS] == [c[1] for c in CONTRACT]


def test_keys_are_unique():
    keys = [i.key for i in registry.INDICATORS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("ind", registry.INDICATORS, ids=lambda i: i.key)
def test_every_indicator_speaks_both_languages(ind):
    for field in ("label_zh", "label_en", "unit_zh", "unit_en", "description_zh", "description_en"):
        assert getattr(ind, field).strip(), field

    def has_chinese(text):
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)

    assert has_chinese(ind.label_zh) and has_chinese(ind.description_zh)
    assert not has_chinese(ind.label_en + ind.unit_en + ind.description_en)
    assert ind.label_zh != ind.label_en


@pytest.mark.parametrize("ind", registry.INDICATORS, ids=lambda i: i.key)
def test_derived_indicators_point_at_base_indicators(ind):
    fields = ind.as_dict()  # every field any indicator has, None where this one has none
    bases = {i.key for i in registry.BASE_INDICATORS}
    for ref in (fields["base"], fields["numerator"], fields["denominator"]):
        assert ref is None or ref in bases
    if ind.aggregation in ("running_sum", "like_for_like_growth"):
        assert fields["base"]
    if ind.aggregation == "ratio_of_sums":
        assert fields["numerator"] and fields["denominator"]
    if ind.aggregation == "sum":
        assert fields["table"] and fields["column"] and fields["sql_type"]
    # A stored column and a derived indicator are different models: only a base indicator has a table.
    assert isinstance(ind, registry.BaseIndicator) == (ind.aggregation == "sum") == (fields["table"] is not None)


@pytest.mark.parametrize("key", FIXED_DERIVED_KEYS)
def test_fixed_derived_keys_exist(key):
    assert registry.get(key).kind in ("count", "ratio")


@pytest.mark.parametrize("column", [c[1] for c in CONTRACT])
def test_cumulative_exactly_for_flows(column):
    keys = {i.key for i in registry.INDICATORS}
    is_flow = registry.get(column).kind == "flow"
    assert (f"cumulative_{column}" in keys) == is_flow
    assert f"growth_{column}" in keys


def test_registry_entries_are_frozen():
    with pytest.raises(pydantic.ValidationError):
        registry.get("activities").key = "other"


def test_unknown_key_raises_key_error():
    with pytest.raises(KeyError):
        registry.get("no_such_indicator")


def test_readme_indicator_table_is_the_registry():
    from pathlib import Path

    from metrics.present import definitions

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    between = readme.split("<!-- indicators:start -->")[1].split("<!-- indicators:end -->")[0]
    assert between.strip() == definitions.indicator_markdown()

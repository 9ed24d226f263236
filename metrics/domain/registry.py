"""The indicator registry: every indicator the dashboard, CLI and exports know, declared once as data.

A base indicator is a column of the data contract (where it is stored, its headers); every other indicator is
derived from base indicators: a count of pilots, a ratio of two sums, a running total or a growth rate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["flow", "stock", "count", "cumulative", "ratio", "growth", "score"]
Aggregation = Literal["sum", "designated_count", "running_sum", "ratio_of_sums", "like_for_like_growth", "computed"]
SqlType = Literal["INTEGER", "DECIMAL(18,2)"]


class Indicator(BaseModel):
    """What every indicator has: its names, unit, definition, and how it aggregates over cities and years."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    description_zh: str
    description_en: str
    kind: Kind
    aggregation: Aggregation
    decimals: int = 0

    def label(self, lang: str) -> str:
        """The label in the given language ('zh' or 'en')."""
        return self.label_zh if lang == "zh" else self.label_en

    def unit(self, lang: str) -> str:
        """The unit in the given language ('zh' or 'en')."""
        return self.unit_zh if lang == "zh" else self.unit_en

    def title(self, lang: str) -> str:
        """Label with unit, as a chart or column title: '对接活动（场）', 'Matching activities held (activities)'."""
        return f"{self.label_zh}（{self.unit_zh}）" if lang == "zh" else f"{self.label_en} ({self.unit_en})"

    def description(self, lang: str) -> str:
        """The definition in the given language ('zh' or 'en')."""
        return self.description_zh if lang == "zh" else self.description_en

    def as_dict(self) -> dict[str, object]:
        """Every field any indicator has, None where this one has none (`indicators --json` prints these)."""
        dumped = self.model_dump()
        return {name: dumped.get(name) for name in FIELDS}


class BaseIndicator(Indicator):
    """A value column of the data contract: reported by the pilots, stored in a yearly table."""

    kind: Literal["flow", "stock"]
    aggregation: Literal["sum"] = "sum"
    table: str
    column: str
    sql_type: SqlType
    header_zh: str  # the zh header and en label of the data contract
    header_en: str


class PilotCount(Indicator):
    """How many pilots had been designated by each year."""

    kind: Literal["count"] = "count"
    aggregation: Literal["designated_count"] = "designated_count"


class Ratio(Indicator):
    """One base indicator over another: the ratio of their sums over the cities that reported both."""

    kind: Literal["ratio"] = "ratio"
    aggregation: Literal["ratio_of_sums"] = "ratio_of_sums"
    numerator: str
    denominator: str


class Score(Indicator):
    """A figure the assessment computes for each pilot from the others' (never stored, never summed over pilots):
    the composite index, what one indicator adds to it, the share of its targets a pilot achieved."""

    kind: Literal["score"] = "score"
    aggregation: Literal["computed"] = "computed"


class RunningTotal(Indicator):
    """A flow's running total since the programme began."""

    kind: Literal["cumulative"] = "cumulative"
    aggregation: Literal["running_sum"] = "running_sum"
    base: str


class Growth(Indicator):
    """A base indicator's change on the year before, over the cities that reported both years."""

    kind: Literal["growth"] = "growth"
    aggregation: Literal["like_for_like_growth"] = "like_for_like_growth"
    base: str


# The fields of every kind of indicator, in the order `indicators --json` has always printed them.
FIELDS = (*Indicator.model_fields, "table", "column", "sql_type", "header_zh", "header_en", "base", "numerator",
          "denominator")  # fmt: skip


def _base(
    table: str,
    column: str,
    header_zh: str,
    label_zh: str,
    unit_zh: str,
    header_en: str,
    unit_en: str,
    kind: Literal["flow", "stock"],
    desc_zh: str,
    desc_en: str,
    sql_type: SqlType = "INTEGER",
) -> BaseIndicator:
    return BaseIndicator(
        key=column,
        label_zh=label_zh,
        label_en=header_en.split(" (")[0],
        unit_zh=unit_zh,
        unit_en=unit_en,
        description_zh=desc_zh,
        description_en=desc_en,
        kind=kind,
        decimals=2 if sql_type.startswith("DECIMAL") else 0,
        table=table,
        column=column,
        sql_type=sql_type,
        header_zh=header_zh,
        header_en=header_en,
    )


# The data contract's value columns, in the order upload templates list them.
# fmt: off
BASE_INDICATORS: tuple[BaseIndicator, ...] = (
    _base(
        "matching_activities", "activities", "对接活动（场）", "对接活动", "场",
        "Matching activities held", "activities", "flow",
        "当年举办的专家与企业科技对接活动场次。",
        "S&T matching activities between experts and enterprises held in the year.",
    ),
    _base(
        "matching_activities", "experts_participating", "参与专家（人次）", "参与专家", "人次",
        "Expert participations", "participations", "flow",
        "当年对接活动的专家参与人次（同一专家参加多场计多次）。",
        "Expert participations in the year's matching activities (an expert at several events counts each time).",
    ),
    _base(
        "matching_activities", "enterprises_participating", "参与企业（家）", "参与企业", "家",
        "Enterprises participating", "enterprises", "flow",
        "当年参加对接活动的企业数。",
        "Enterprises that took part in the year's matching activities.",
    ),
    _base(
        "agreements", "agreements", "签订合作协议（项）", "签订合作协议", "项",
        "Cooperation agreements signed", "agreements", "flow",
        "当年签订的科技合作协议数。",
        "S&T cooperation agreements signed in the year.",
    ),
    _base(
        "agreements", "contract_value_10k_cny", "协议金额（万元）", "协议金额", "万元",
        "Agreement value (10k CNY)", "10k CNY", "flow",
        "当年签订合作协议的合同金额合计。",
        "Total contract value of the agreements signed in the year.",
        sql_type="DECIMAL(18,2)",
    ),
    _base(
        "service_stations", "stations_founded", "新建学会服务站（个）", "新建学会服务站", "个",
        "Service stations founded", "stations", "flow",
        "当年新建的学会服务站数。",
        "Service stations of the academic and professional societies founded in the year.",
    ),
    _base(
        "service_stations", "subcenters_founded", "新建成果转化分中心（个）", "新建成果转化分中心", "个",
        "Transformation sub-centres founded", "sub-centres", "flow",
        "当年新建的科技成果转化分中心数。",
        "Achievement-transformation sub-centres founded in the year.",
    ),
    _base(
        "experts", "experts_in_pool", "专家库人数（人）", "专家库人数", "人",
        "Experts in the talent pool", "experts", "stock",
        "年末专家库在库人数（存量，不跨年累加）。",
        "Experts in the talent pool at year end (a stock: never summed over years).",
    ),
)
# fmt: on

_BY_COLUMN = {i.key: i for i in BASE_INDICATORS}
BASE_KEYS: frozenset[str] = frozenset(_BY_COLUMN)
FLOW_COLUMNS: tuple[str, ...] = tuple(i.key for i in BASE_INDICATORS if i.kind == "flow")


def _cumulative(base: BaseIndicator) -> RunningTotal:
    return RunningTotal(
        key=f"cumulative_{base.key}",
        label_zh=f"累计{base.label_zh}",
        label_en=f"{base.label_en}, cumulative",
        unit_zh=base.unit_zh,
        unit_en=base.unit_en,
        description_zh=f"自2014年项目启动以来逐年累加的{base.label_zh}。",
        description_en=f"Running total of '{base.label_en}' since the programme began in 2014.",
        decimals=base.decimals,
        base=base.key,
    )


def _growth(base: BaseIndicator) -> Growth:
    return Growth(
        key=f"growth_{base.key}",
        label_zh=f"{base.label_zh}同比增长",
        label_en=f"{base.label_en}, year-on-year growth",
        unit_zh="%",
        unit_en="%",
        description_zh=f"{base.label_zh}较上年的增长率，只比较两年都报送的城市（同口径）。",
        description_en=(
            f"Change in '{base.label_en}' on the previous year, over the cities that reported both years "
            "(like for like)."
        ),
        decimals=1,
        base=base.key,
    )


DERIVED_INDICATORS: tuple[Indicator, ...] = (
    PilotCount(
        key="pilot_cities",
        label_zh="试点城市（园区）数",
        label_en="Pilot cities and parks designated",
        unit_zh="个",
        unit_en="cities and parks",
        description_zh="截至当年已获命名的试点城市和园区数（含当年）。",
        description_en="Pilot cities and parks designated up to and including the year.",
    ),
    Ratio(
        key="agreements_per_activity",
        label_zh="场均签约数",
        label_en="Agreements per matching activity",
        unit_zh="项/场",
        unit_en="agreements per activity",
        description_zh=(
            "签订合作协议数 ÷ 对接活动场次；多城市多年时为两项都报送的城市的合计之比，而非各城市比值的平均。"
        ),
        description_en=(
            "Agreements signed ÷ matching activities held; over several cities or years, the ratio of the sums "
            "over the cities that reported both, never the mean of per-city ratios."
        ),
        decimals=2,
        numerator="agreements",
        denominator="activities",
    ),
    Ratio(
        key="value_per_agreement_10k_cny",
        label_zh="单项协议金额",
        label_en="Value per agreement",
        unit_zh="万元/项",
        unit_en="10k CNY per agreement",
        description_zh="协议金额 ÷ 签订合作协议数；多城市多年时为两项都报送的城市的合计之比。",
        description_en=(
            "Agreement value ÷ agreements signed; over several cities or years, the ratio of the sums over the "
            "cities that reported both."
        ),
        decimals=1,
        numerator="contract_value_10k_cny",
        denominator="agreements",
    ),
    *(_cumulative(_BY_COLUMN[c]) for c in FLOW_COLUMNS),
    *(_growth(b) for b in BASE_INDICATORS),
)

INDICATORS: tuple[Indicator, ...] = BASE_INDICATORS + DERIVED_INDICATORS
_BY_KEY = {i.key: i for i in INDICATORS}
KEYS: frozenset[str] = frozenset(_BY_KEY)

# Indicators whose values can be set side by side across cities (growth rates are changes already).
COMPARABLE_KEYS: tuple[str, ...] = tuple(
    i.key for i in INDICATORS if i.kind in ("flow", "stock", "cumulative", "ratio")
)

# The indicators the overview leads with, in order.
CORE_KEYS: tuple[str, ...] = ("activities", "agreements", "stations_founded", "experts_in_pool")

VALUE_TABLES: tuple[str, ...] = tuple(dict.fromkeys(i.table for i in BASE_INDICATORS))


# What the assessment's charts show (analysis/index.py and analysis/targets.py compute them): not series, so not
# in INDICATORS, which every series, export and comparison goes over.
SCORES: tuple[Score, ...] = (
    Score(
        key="composite_index",
        label_zh="综合指数",
        label_en="Composite index",
        unit_zh="分",
        unit_en="points",
        description_zh="各指标按试点间最小—最大值归一到 0—100 后的加权平均（方法见 README）。",
        description_en="The weighted mean of the indicators, each min–max normalised over the pilots to 0–100 "
        "(the method is in the README).",
        decimals=1,
    ),
    Score(
        key="index_contribution",
        label_zh="对综合指数的贡献",
        label_en="Contribution to the index",
        unit_zh="分",
        unit_en="points",
        description_zh="一项指标的得分 × 权重 ÷ 该试点所报指标的权重之和；各项相加即综合指数。",
        description_en="An indicator's score × its weight ÷ the weights of the indicators the pilot reported; they "
        "add up to its index.",
        decimals=1,
    ),
    Score(
        key="target_share",
        label_zh="目标完成率",
        label_en="Share of targets achieved",
        unit_zh="%",
        unit_en="%",
        description_zh="实际值 ÷ 目标值；一个试点的完成率为其各项目标完成率的平均（单项最多计 150%）。",
        description_en="Actual ÷ target; a pilot's share is the mean over its targets (each counted up to 150%).",
        decimals=0,
    ),
)
_SCORES = {s.key: s for s in SCORES}


def get(key: str) -> Indicator:
    """The indicator with this key; KeyError naming the key otherwise."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(key) from None


def shown(key: str) -> Indicator:
    """The indicator or score a chart shows, by key; KeyError naming the key otherwise."""
    found = _BY_KEY.get(key) or _SCORES.get(key)
    if found is None:
        raise KeyError(key)
    return found


def base(key: str) -> BaseIndicator:
    """The base indicator (a value column) with this key; KeyError for any other key."""
    try:
        return _BY_COLUMN[key]
    except KeyError:
        raise KeyError(key) from None


def columns_of(table: str) -> tuple[BaseIndicator, ...]:
    """The base indicators stored in one value table, in contract order."""
    return tuple(i for i in BASE_INDICATORS if i.table == table)

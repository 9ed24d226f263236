"""The registry as people read it: the About page's table of definitions, and the README's table of indicators."""

from __future__ import annotations

import functools

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text

KIND_LABELS = {
    "flow": Text("年度流量", "flow (per year)"),
    "stock": Text("年末存量", "stock (year end)"),
    "count": Text("计数", "count"),
    "cumulative": Text("累计", "cumulative"),
    "ratio": Text("比率", "ratio"),
    "growth": Text("增长率", "growth"),
}


@functools.lru_cache(maxsize=2)
def indicator_table(lang: str) -> pd.DataFrame:
    """The registry as a table of definitions."""

    return pd.DataFrame(
        {
            Text("指标", "Indicator")(lang): [i.label(lang) for i in registry.INDICATORS],
            Text("单位", "Unit")(lang): [i.unit(lang) for i in registry.INDICATORS],
            Text("类型", "Kind")(lang): [KIND_LABELS[i.kind](lang) for i in registry.INDICATORS],
            Text("定义", "Definition")(lang): [i.description(lang) for i in registry.INDICATORS],
            Text("键", "Key")(lang): [i.key for i in registry.INDICATORS],
        }
    )


AGGREGATION_NOTES = {
    "sum": "sum over cities that reported",
    "designated_count": "count of pilots designated by the year",
    "running_sum": "running total of yearly sums since 2014",
    "ratio_of_sums": "ratio of sums over cities that reported both parts",
    "like_for_like_growth": "growth over cities that reported both years",
}


def indicator_markdown() -> str:
    """The registry as the Markdown table in the README (a test keeps the two equal)."""
    lines = [
        "| key | English | 中文 | unit | kind | over cities and years |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for i in registry.INDICATORS:
        lines.append(
            f"| `{i.key}` | {i.label_en} | {i.label_zh} | {i.unit_en} / {i.unit_zh} | {i.kind} "
            f"| {AGGREGATION_NOTES[i.aggregation]} |"
        )
    return "\n".join(lines)

"""Tables for display and download: localised headers, values formatted for the language."""

from __future__ import annotations

import math

import pandas as pd

from . import registry
from .formatting import format_change, format_value
from .i18n import Text

KIND_LABELS = {
    "flow": Text("年度流量", "flow (per year)"),
    "stock": Text("年末存量", "stock (year end)"),
    "count": Text("计数", "count"),
    "cumulative": Text("累计", "cumulative"),
    "ratio": Text("比率", "ratio"),
    "growth": Text("增长率", "growth"),
}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def rank_move(change) -> str:
    """'↑2', '↓1', '→' or '' when there is no previous rank."""
    if _missing(change):
        return ""
    return "→" if change == 0 else f"{'↑' if change > 0 else '↓'}{abs(int(change))}"


def profile_table(profile: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A city's standing (from analysis.profile) as a display table."""

    rows = []
    for row in profile.itertuples():
        ind = registry.get(row.key)
        growth = "—"
        if not _missing(row.change_pct):
            growth = Text("{c}（{s}—{e}年，年均 {a}）", "{c} ({s}–{e}, {a} a year)").format(
                c=format_change(row.change_pct, lang),
                s=int(row.since_year),
                e=int(row.until_year),
                a=format_change(row.annual_pct, lang),
            )(lang)
        rows.append(
            {
                Text("指标", "Indicator")(lang): ind.title(lang),
                Text("数值", "Value")(lang): format_value(row.value, ind, lang, compact=False),
                Text("位次", "Rank")(lang): "—" if _missing(row.rank) else f"{int(row.rank)} / {row.ranked}",
                Text("较上年", "Move")(lang): rank_move(row.rank_change),
                Text("命名以来增长", "Growth since designation")(lang): growth,
            }
        )
    return pd.DataFrame(rows)


def ranking_table(ranking: pd.DataFrame, names: dict[str, str], ind: registry.Indicator, lang: str) -> pd.DataFrame:
    """Cities ranked (from analysis.ranks), values kept numeric so the table sorts correctly."""

    return pd.DataFrame(
        {
            Text("位次", "Rank")(lang): ranking["rank"].astype(int),
            Text("城市", "City")(lang): ranking["city_code"].map(names),
            Text("数值（{u}）", "Value ({u})").format(u=ind.unit(lang))(lang): ranking["value"].round(ind.decimals),
            Text("较上年", "Move")(lang): ranking["rank_change"].map(rank_move),
        }
    )


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


def completeness_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Share of pilots reporting (from analysis.completeness_summary), indicators titled in the language."""
    table = summary.round(0)
    table.index = [registry.get(k).title(lang) for k in summary.index]
    table.columns = [str(c) for c in summary.columns]
    return table


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

"""Tables for display and download: localised headers, values formatted for the language."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from . import analysis, queries, registry
from .formatting import format_change, format_value
from .i18n import ROLE_NAMES, Text
from .uploads import cell_text

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


def ranking(cur, key: str, year: int, scope, lang: str) -> pd.DataFrame:
    """The ranking table of an indicator in a year over the pilots in scope, straight from the database."""
    return ranking_table(analysis.ranks(cur, key, year, scope), queries.city_names(cur, lang), registry.get(key), lang)


def profile(cur, city_code: str, year: int, lang: str) -> pd.DataFrame:
    """A city's standing table in a year, straight from the database."""
    return profile_table(analysis.profile(cur, city_code, year), lang)


def completeness(cur, scope, years: tuple[int, int], lang: str) -> pd.DataFrame:
    """The share-reporting table over the pilots in scope, straight from the database."""
    return completeness_table(analysis.completeness_summary(cur, scope, years), lang)


def users(cur, lang: str) -> pd.DataFrame:
    """The accounts table, straight from the database."""
    return users_table(queries.list_users(cur), lang)


def history(cur, lang: str) -> pd.DataFrame:
    """The upload history table, straight from the database."""
    return history_table(queries.upload_history(cur), lang)


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


LEVELS = {"error": Text("错误", "error"), "warning": Text("提醒", "warning")}
STATUSES = {
    "new": Text("新增", "new"),
    "changed": Text("修改", "changed"),
    "unchanged": Text("未变", "unchanged"),
    "removed": Text("删除", "removed"),
}


def issues_table(report, lang: str) -> pd.DataFrame:
    """A validation report as a table, errors first, with the row and column as the file shows them."""
    return pd.DataFrame(
        [
            {
                Text("级别", "Level")(lang): LEVELS[i.level](lang),
                Text("行", "Row")(lang): "" if i.row is None else str(i.row),
                Text("列", "Column")(lang): i.column or "",
                Text("说明", "Message")(lang): i.message(lang),
            }
            for i in report.sorted_issues()
        ]
    )


def changes_table(prepared, names: dict[str, str], lang: str, limit: int | None = None) -> pd.DataFrame:
    """What an upload would change, cell by cell: changed first (old -> new), then new, then unchanged; the first
    `limit` cells of that order when given (a 100,000-row file changes most of a million cells)."""
    changes = prepared.changes
    if changes.empty:
        return pd.DataFrame()
    if prepared.report.kind == "events":
        return _event_changes_table(changes, lang)
    status = changes["status"]  # compared as it is held (Arrow for figures), not as a million Python strings
    changed, new = ((status == s).to_numpy(dtype=bool) for s in ("changed", "new"))
    rank = np.select([changed, new], [0, 1], 2)
    changes = changes.iloc[np.lexsort((changes["row"].to_numpy(dtype="int64"), rank))[:limit]]

    def label(column: str) -> str:
        return registry.get(column).title(lang) if column in registry.KEYS else column

    def text(value) -> str:
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else cell_text(value)

    return pd.DataFrame(
        {
            Text("行", "Row")(lang): changes["row"].astype(int),
            Text("城市", "City")(lang): changes["city_code"].map(lambda c: names.get(c, c)),
            Text("年份", "Year")(lang): changes["year"].map(lambda y: "" if y is None or pd.isna(y) else str(int(y))),
            Text("指标", "Field")(lang): changes["column"].map(label),
            Text("原值", "Old")(lang): changes["old"].map(text),
            Text("新值", "New")(lang): changes["new"].map(text),
            Text("变化", "Change")(lang): changes["status"].map(lambda s: STATUSES[s](lang)),
        }
    )


def _event_changes_table(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """An events file against the stored list, event by event: changed, new, removed, then unchanged."""
    order = {"changed": 0, "new": 1, "removed": 2, "unchanged": 3}
    changes = changes.assign(order=changes["status"].map(order)).sort_values(["order", "event_date"], kind="stable")
    return pd.DataFrame(
        {
            Text("行", "Row")(lang): changes["row"].map(lambda r: "" if r is None else str(int(r))),
            Text("日期", "Date")(lang): changes["event_date"].map(lambda d: d.isoformat()),
            Text("事件", "Event")(lang): changes["title_zh"],
            Text("原英文标题", "Old English title")(lang): changes["old"].map(lambda v: v or ""),
            Text("新英文标题", "New English title")(lang): changes["new"].map(lambda v: v or ""),
            Text("变化", "Change")(lang): changes["status"].map(lambda s: STATUSES[s](lang)),
        }
    )


def users_table(users: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The accounts for display (never their password hashes)."""
    how = {True: Text("密码", "password"), False: Text("身份提供方", "identity provider")}
    return pd.DataFrame(
        {
            Text("账户", "Account")(lang): users["name"],
            Text("角色", "Role")(lang): users["role"].map(lambda r: ROLE_NAMES[r](lang)),
            Text("登录方式", "Signs in with")(lang): users["has_password"].map(lambda p: how[bool(p)](lang)),
            Text("创建", "Created")(lang): users["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("创建人", "Created by")(lang): users["created_by"],
            Text("修改", "Changed")(lang): users["changed_at"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("修改人", "Changed by")(lang): users["changed_by"],
        }
    )


def backups_table(kept: list, lang: str) -> pd.DataFrame:
    """Kept backups for display: (folder, manifest) pairs, newest first."""
    return pd.DataFrame(
        {
            Text("备份", "Backup")(lang): [path.name for path, _ in kept],
            Text("时间（UTC）", "Taken (UTC)")(lang): [m.created_at[:19].replace("T", " ") for _, m in kept],
            Text("数据表", "Tables")(lang): [len(m.tables) for _, m in kept],
            Text("行数", "Rows")(lang): [m.rows for _, m in kept],
            Text("原始文件", "Raw files")(lang): [len(m.raw_files) for _, m in kept],
            Text("数据版本", "Data version")(lang): [m.data_version for _, m in kept],
        }
    )


def history_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The upload history for display, newest first."""
    status = {"committed": Text("已导入", "committed"), "undone": Text("已撤销", "undone")}
    kind = {
        "sample": Text("内置示例", "sample"),
        "figures": Text("年度数据", "figures"),
        "cities": Text("城市名单", "cities"),
        "events": Text("事件列表", "events"),
    }
    return pd.DataFrame(
        {
            Text("编号", "ID")(lang): history["upload_id"],
            Text("时间", "When")(lang): history["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("文件", "File")(lang): history["file_name"],
            Text("类型", "Kind")(lang): history["kind"].map(lambda k: kind[k](lang)),
            Text("上传人", "By")(lang): history["created_by"],
            Text("新增/修改/未变", "New/changed/unchanged")(lang): [
                f"{a} / {b} / {c}"
                for a, b, c in zip(
                    history["rows_inserted"], history["rows_updated"], history["rows_unchanged"], strict=True
                )
            ],
            Text("状态", "Status")(lang): history["status"].map(lambda s: status[s](lang)),
            Text("撤销人", "Undone by")(lang): history["undone_by"].fillna(""),  # blank, not "None", until undone
        }
    )
